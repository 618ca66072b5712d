// The realistic clock: a discrete-event simulation of the air's time. Hosts (noble, bleno, apps)
// run on real Node turns and take no simulated time; the air's timed events (advertising events,
// connection events, supervision timeouts) run one at a time in simulated-time order, each only
// once the hosts have finished reacting to the previous one. So a 40 s transfer takes as long as
// the hosts need to compute it, and `now()` reports what the radio would have taken.
import { Clock, Drives, runBatch } from './fast-clock';

interface Timed {
  readonly atUs: number;
  readonly seq: number;
  readonly task: () => void;
  readonly drives: Drives;
  cancelled: boolean;
}

export interface RealisticClockOptions {
  /**
   * Node turns without any host activity after which the hosts count as done reacting. Two are
   * enough for hosts in this process; raise it when hosts attached over TCP answer slowly.
   */
  readonly quietTurns?: number;
}

const always: Drives = () => true;

export class RealisticClock implements Clock {
  readonly kind = 'realistic' as const;
  private nowUs = 0;
  private seq = 0;
  private queue: Array<() => void> = [];
  /** Timed tasks in (time, sequence) order. Few at once (a handful per device), so an array is enough. */
  private timed: Timed[] = [];
  private turnScheduled = false;
  private quiet = 0;
  private readonly quietTurns: number;
  private idleWaiters: Array<() => void> = [];

  constructor(options: RealisticClockOptions = {}) {
    this.quietTurns = Math.max(1, options.quietTurns ?? 2);
  }

  now(): number {
    return this.nowUs / 1000;
  }

  /** Simulated microseconds since the clock started. */
  nowMicros(): number {
    return this.nowUs;
  }

  defer(task: () => void): void {
    this.queue.push(task);
    this.noteActivity();
  }

  noteActivity(): void {
    this.quiet = 0;
    this.wake();
  }

  /**
   * Runs `task` at simulated time `atUs` (never earlier than now). `drives` says whether the task
   * is worth moving time for: time only moves towards a task that drives, and tasks that do not
   * (an advertising event nobody listens to) run only when time passes them anyway.
   */
  atMicros(atUs: number, task: () => void, drives: Drives = always): () => void {
    const entry: Timed = { atUs: Math.max(this.nowUs, Math.round(atUs)), seq: this.seq++, task, drives, cancelled: false };
    let lo = 0;
    let hi = this.timed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.timed[mid]!;
      if (other.atUs < entry.atUs || (other.atUs === entry.atUs && other.seq < entry.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.timed.splice(lo, 0, entry);
    this.wake();
    return () => {
      entry.cancelled = true;
    };
  }

  after(ms: number, task: () => void, drives: Drives = always): () => void {
    return this.atMicros(this.nowUs + ms * 1000, task, drives);
  }

  every(ms: number, task: () => void, drives: Drives = always): () => void {
    let cancelled = false;
    let cancelNext: () => void = () => undefined;
    const step = (): void => {
      if (cancelled) return;
      cancelNext = this.after(ms, step, drives);
      task();
    };
    cancelNext = this.after(ms, step, drives);
    return () => {
      cancelled = true;
      cancelNext();
    };
  }

  /** Resolves when nothing left moves time: every transfer is done and every host has reacted. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake();
    });
  }

  /** Lets simulated time pass for `ms` (a test's or a bench's pause), running everything due on the way. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  private wake(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.turnScheduled = false;
    if (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      this.quiet = 0;
      runBatch(batch);
      this.wake();
      return;
    }
    if (++this.quiet < this.quietTurns) {
      this.wake();
      return;
    }
    const next = this.nextDue();
    if (!next) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    this.timed.splice(this.timed.indexOf(next), 1);
    this.nowUs = Math.max(this.nowUs, next.atUs);
    this.quiet = 0;
    runBatch([next.task]);
    this.wake();
  }

  /** The first live task, if some live task at or after it drives time; drops cancelled ones. */
  private nextDue(): Timed | undefined {
    this.timed = this.timed.filter((t) => !t.cancelled);
    if (!this.timed.some((t) => t.drives())) return undefined;
    return this.timed[0];
  }
}
