// What a fuzz target is: a named generator of hostile inputs and a harness that feeds one input
// to the code under test. The runner (campaign.ts) owns seeds, timing and the corpus; a target
// owns only what "correct behaviour" means for its input. Sans-IO targets run synchronously; an
// air target (a hostile central over the virtual radio) can return a promise and use the same
// runner, corpus and regression test.
import type fc from 'fast-check';
import { AudioError } from '../../audio/errors';
import { PairingError } from '../../pairing/errors';

export interface FuzzTarget<Input = unknown> {
  readonly name: string;
  /** One line: what the target feeds and to what. */
  readonly description: string;
  readonly arbitrary: fc.Arbitrary<Input>;
  /**
   * Feeds one input. Returns normally when the code behaved; throws when it did not (an
   * unexpected exception from the code, or an InvariantViolation from the harness).
   */
  run(input: Input): void | Promise<void>;
  /** Errors the code may legitimately throw out of run() for this input (typed refusals). */
  isExpected(error: unknown): boolean;
  /** Runs per campaign in `npm test`, scaled to the target's cost (default in campaign.ts). */
  readonly ciRuns?: number;
  /**
   * Inputs per second the target should reach on an unloaded machine (air targets: issue 16),
   * printed beside the measured rate in the summary.
   */
  readonly goalExecsPerSecond?: number;
  /** True when run() returns a promise (air targets); the runner then awaits every run. */
  readonly async?: boolean;
  /**
   * Builds what run() reuses (an air target's world), so a campaign's measurements (time,
   * coverage) are of the inputs, not of the set-up. Optional: run() must also work without it.
   */
  prepare?(): Promise<void>;
}

/** A harness check failed: the code returned something it must never return. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantViolation(message);
}

export const pairingErrorOnly = (error: unknown): boolean => error instanceof PairingError;
export const audioErrorOnly = (error: unknown): boolean => error instanceof AudioError;
/** For state machines documented never to throw on peer input: every exception is a bug. */
export const nothingThrown = (): boolean => false;

/** Runs `fn`, swallowing the typed errors `expected` allows and rethrowing anything else. */
export function tolerate(expected: (error: unknown) => boolean, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (!expected(error)) throw error;
  }
}

/** Type-erases a target for the registry without losing its input type at definition. */
export function defineTarget<Input>(target: FuzzTarget<Input>): FuzzTarget {
  return target as unknown as FuzzTarget;
}
