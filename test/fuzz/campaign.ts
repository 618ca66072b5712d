// One fuzz campaign: a target run with fast-check for N runs (or T seconds) from a seed, with
// progress, throughput and peak heap measured, and the shrunk counterexample, its seed and its
// path reported on failure so `npm run fuzz -- --target X --seed S --path P` replays it.
import fc from 'fast-check';
import type { FuzzTarget } from './target';

export interface CampaignOptions {
  readonly runs: number;
  readonly seed: number;
  /** Replays one failure: the path fast-check printed (with the same seed). */
  readonly path?: string;
  readonly timeLimitMs?: number;
  readonly onProgress?: (progress: { readonly executions: number; readonly seconds: number; readonly execsPerSecond: number }) => void;
}

export interface CampaignFailure {
  readonly seed: number;
  readonly path: string;
  readonly input: unknown;
  readonly error: string;
}

export interface CampaignResult {
  readonly target: string;
  readonly seed: number;
  /** Generated inputs tried (not counting shrinking). */
  readonly runs: number;
  /** Every call of the target, shrinking included. */
  readonly executions: number;
  readonly seconds: number;
  readonly execsPerSecond: number;
  readonly peakHeapMB: number;
  readonly failure?: CampaignFailure;
}

/** Runs `target` once on `input`: resolves if it behaved, rejects with what went wrong. */
export async function runOnce(target: FuzzTarget, input: unknown): Promise<void> {
  try {
    await target.run(input);
  } catch (error) {
    if (!target.isExpected(error)) throw error;
  }
}

function explain(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 6).join('\n') ?? ''}` : String(error);
}

/**
 * Runs a campaign with V8's stack traces off. Capturing one is most of what `new Error` costs, and
 * the code under fuzz throws its typed refusals by the million (a PairingError per refused
 * fragment): that was a fifth of the air targets' time. Nothing under fuzz reads a stack.
 */
async function withoutStacks<T>(run: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The counterexample run again with stack traces on, for the report; undefined if it passes now. */
async function replayWithStack(target: FuzzTarget, input: unknown): Promise<unknown> {
  try {
    await runOnce(target, input);
    return undefined;
  } catch (error) {
    return error;
  }
}

export async function runCampaign(target: FuzzTarget, options: CampaignOptions): Promise<CampaignResult> {
  const started = performance.now();
  let executions = 0;
  let lastReport = started;
  let peakHeap = process.memoryUsage().heapUsed;
  const tick = (): void => {
    // Checking the clock every call would cost more than a fast decoder does.
    if (++executions % 256 !== 0) return;
    const now = performance.now();
    if (now - lastReport < 1000) return;
    lastReport = now;
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    const seconds = (now - started) / 1000;
    options.onProgress?.({ executions, seconds, execsPerSecond: executions / seconds });
  };
  const check = (input: unknown): void => {
    tick();
    try {
      target.run(input);
    } catch (error) {
      if (!target.isExpected(error)) throw error;
    }
  };
  const parameters: fc.Parameters<[unknown]> = {
    numRuns: options.runs,
    seed: options.seed,
    ...(options.path !== undefined && { path: options.path }),
    ...(options.timeLimitMs !== undefined && { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false }),
  };
  const details = await withoutStacks(async () =>
    target.async
      ? await fc.check(fc.asyncProperty(target.arbitrary, async (input) => (tick(), runOnce(target, input))), parameters)
      : fc.check(fc.property(target.arbitrary, check), parameters),
  );
  const seconds = (performance.now() - started) / 1000;
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  const failed = details.failed && details.counterexample !== null;
  return {
    target: target.name,
    seed: options.seed,
    runs: details.numRuns,
    executions,
    seconds,
    execsPerSecond: executions / seconds,
    peakHeapMB: Math.round(peakHeap / 2 ** 20),
    ...(failed && {
      failure: {
        seed: details.seed,
        path: details.counterexamplePath ?? '',
        input: (details.counterexample as [unknown])[0],
        error: explain((await replayWithStack(target, (details.counterexample as [unknown])[0])) ?? details.errorInstance),
      },
    }),
  };
}
