// The demo's checks: every step says what it expected, prints ✓ or ✗ with what actually
// happened, and the first ✗ stops the story (later steps build on earlier ones). A step that
// should be refused passes only when it fails with exactly the expected ToyClientError code.
import { type EventEmitter, once } from 'node:events';
import { withTimeout } from '../client/gatt-link';
import { isToyClientError, type ToyClientError, type ToyClientErrorCode } from '../client/errors';

/** Thrown after a ✗ line was printed: the demo stops and exits 1. */
export class StepFailed extends Error {
  override readonly name = 'StepFailed';
}

/** How long any one step may take before it counts as failed (a hung step must not hang the demo). */
const STEP_TIMEOUT_MS = 15_000;

export class Checklist {
  private passedCount = 0;
  private failedCount = 0;

  constructor(private readonly print: (line: string) => void) {}

  get passed(): number {
    return this.passedCount;
  }

  get failed(): number {
    return this.failedCount;
  }

  /**
   * Runs `work`, which should succeed; `describe` checks its result (throw to fail the step) and
   * says what happened on the ✓ line.
   */
  async expectOk<T>(title: string, work: () => Promise<T>, describe: (value: T) => string): Promise<T> {
    let value: T;
    let detail: string;
    try {
      value = await withStepTimeout(work());
      detail = describe(value);
    } catch (error) {
      this.fail(title, error instanceof Error ? error.message : String(error));
    }
    this.pass(title, detail);
    return value;
  }

  /** Runs `work`, which the toy should refuse with `code`. */
  async expectRefused(title: string, work: () => Promise<unknown>, code: ToyClientErrorCode): Promise<ToyClientError> {
    let outcome: unknown;
    try {
      await withStepTimeout(work());
    } catch (error) {
      outcome = error;
    }
    if (isToyClientError(outcome, code)) {
      this.pass(title, `refused: ${code}`);
      return outcome;
    }
    if (outcome === undefined) this.fail(title, `expected ${code}, but it was allowed`);
    this.fail(title, `expected ${code}, got ${isToyClientError(outcome) ? outcome.code : String(outcome)}`);
  }

  /** Records a step that failed outside any check (an unexpected exception). */
  unexpected(error: unknown): void {
    this.failedCount++;
    this.print(`  ✗ unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
  }

  private pass(title: string, detail: string): void {
    this.passedCount++;
    this.print(`  ✓ ${title}: ${detail}`);
  }

  private fail(title: string, detail: string): never {
    this.failedCount++;
    this.print(`  ✗ ${title}: ${detail}`);
    throw new StepFailed(title);
  }
}

/** Checks a condition inside a step's `describe`: a false condition fails the step with `why`. */
export function ensure(condition: boolean, why: string): void {
  if (!condition) throw new Error(why);
}

function withStepTimeout<T>(work: Promise<T>): Promise<T> {
  return withTimeout(work, STEP_TIMEOUT_MS, () => new Error(`no outcome within ${STEP_TIMEOUT_MS / 1000} s`));
}

/** Resolves with the first argument of the next `event` from `emitter`, or rejects after `ms`. */
export async function nextEvent<T>(emitter: EventEmitter, event: string, ms: number): Promise<T> {
  const [value] = (await withTimeout(once(emitter, event), ms, () => new Error(`no "${event}" within ${ms / 1000} s`))) as [T];
  return value;
}
