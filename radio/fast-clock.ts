// The fast clock: everything the air does is delivered as soon as the event loop allows, in the
// order it was scheduled, so a run is deterministic and as quick as the hosts can go.

export interface Clock {
  /** Runs a task after the current one, in FIFO order with every other deferred task. */
  defer(task: () => void): void;
  /** Repeats a task every `ms` until cancelled; never keeps the process alive by itself. */
  every(ms: number, task: () => void): () => void;
  /** Milliseconds since the clock started. */
  now(): number;
}

export class FastClock implements Clock {
  private queue: Array<() => void> = [];
  private scheduled = false;
  private readonly started = performance.now();

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

  now(): number {
    return performance.now() - this.started;
  }

  private drain(): void {
    // Tasks queued while draining wait for the next turn, so I/O (sockets, timers) interleaves.
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    let failure: unknown;
    for (const task of batch) {
      try {
        task();
      } catch (error) {
        failure ??= error;
      }
    }
    // A host that throws from its data handler would crash on a real socket too: surface it as
    // an uncaught exception, after the rest of the batch has been delivered.
    if (failure !== undefined) {
      process.nextTick(() => {
        throw failure;
      });
    }
  }
}
