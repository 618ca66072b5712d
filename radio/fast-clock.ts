// The fast clock: everything the air does is delivered as soon as the event loop allows, in the
// order it was scheduled, so a run is deterministic and as quick as the hosts can go.

/** Whether a timed task is worth moving virtual time for (see RealisticClock); ignored by the fast clock. */
export type Drives = () => boolean;

export interface Clock {
  readonly kind: 'fast' | 'realistic';
  /** Runs a task after the current one, in FIFO order with every other deferred task. */
  defer(task: () => void): void;
  /** Repeats a task every `ms` until cancelled; never keeps the process alive by itself. */
  every(ms: number, task: () => void, drives?: Drives): () => void;
  /** Runs a task once, `ms` from now; returns a cancel function. */
  after(ms: number, task: () => void, drives?: Drives): () => void;
  /** Milliseconds since the clock started (simulated ones on the realistic clock). */
  now(): number;
  /** Tells the clock a host just wrote something, so it gives hosts time to finish reacting. */
  noteActivity(): void;
  /** Resolves once nothing is left to deliver (fast) or nothing moves time any more (realistic). */
  idle(): Promise<void>;
  /** Lets `ms` pass: real time on the fast clock, simulated time (running what is due) on the realistic one. */
  sleep(ms: number): Promise<void>;
}

export class FastClock implements Clock {
  readonly kind = 'fast' as const;
  private queue: Array<() => void> = [];
  private scheduled = false;
  private readonly started = performance.now();
  private readonly drained: Array<() => void> = [];

  defer(task: () => void): void {
    this.queue.push(task);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  every(ms: number, task: () => void): () => void {
    const timer = setInterval(task, Math.max(1, ms));
    timer.unref();
    return () => clearInterval(timer);
  }

  after(ms: number, task: () => void): () => void {
    const timer = setTimeout(task, Math.max(0, ms));
    timer.unref();
    return () => clearTimeout(timer);
  }

  now(): number {
    return performance.now() - this.started;
  }

  noteActivity(): void {}

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async idle(): Promise<void> {
    for (let quiet = 0; quiet < 3; ) {
      const before = this.scheduled;
      await new Promise((resolve) => setImmediate(resolve));
      quiet = before || this.scheduled ? 0 : quiet + 1;
    }
  }

  private drain(): void {
    // Tasks queued while draining wait for the next turn, so I/O (sockets, timers) interleaves.
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    runBatch(batch);
    if (!this.scheduled) for (const resolve of this.drained.splice(0)) resolve();
  }

  /**
   * Resolves once nothing is queued and a turn has passed without new work, adding as few turns
   * as it can: a harness that waits for everything one input set off pays for the delivery, not
   * for a fixed number of turns. (idle() waits three quiet turns, for hosts' own timers.)
   */
  async settled(): Promise<void> {
    for (;;) {
      if (this.scheduled) await new Promise<void>((resolve) => this.drained.push(resolve));
      // Hosts put some writes a few microtasks off (noble's ACL flush awaits before it writes):
      // one turn lets them land, and anything they schedule runs before this check.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.scheduled) return;
    }
  }
}

/**
 * Runs tasks in order. A host that throws from its data handler would crash on a real socket too:
 * surface it as an uncaught exception, after the rest of the batch has been delivered.
 */
export function runBatch(batch: ReadonlyArray<() => void>): void {
  let failure: unknown;
  for (const task of batch) {
    try {
      task();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) {
    process.nextTick(() => {
      throw failure;
    });
  }
}
