// Group commit for a database with one connection and a synchronous driver (SQLite through
// better-sqlite3): each commit waits for an fsync that also blocks the event loop, so writes that
// arrive in the same turn of the loop share one transaction, and one fsync. Each write runs in
// its own savepoint, so one that is refused (a quota, a conflicting id) rolls back alone, and
// every caller hears its own outcome only after the shared commit is on disk.
import { type Kysely, type Transaction, sql } from 'kysely';

interface Job<DB> {
  readonly work: (tx: Transaction<DB>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export class GroupCommit<DB> {
  private queue: Job<DB>[] = [];
  private scheduled = false;

  constructor(private readonly db: Kysely<DB>) {}

  /** Runs `work` in the next shared transaction; resolves once that transaction committed. */
  run<T>(work: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After the loop's I/O phase: every request read in this turn has queued its write by then.
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    const outcomes: Outcome[] = [];
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const [i, job] of jobs.entries()) {
          const savepoint = sql.raw(`write_${i}`);
          await sql`SAVEPOINT ${savepoint}`.execute(tx);
          try {
            outcomes.push({ ok: true, value: await job.work(tx) });
          } catch (error) {
            await sql`ROLLBACK TO ${savepoint}`.execute(tx);
            outcomes.push({ ok: false, error });
          }
          await sql`RELEASE ${savepoint}`.execute(tx);
        }
      });
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}
