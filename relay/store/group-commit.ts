// Group commit for a database with one connection and a synchronous driver (SQLite through
// better-sqlite3): each commit waits for an fsync that also blocks the event loop, so writes that
// arrive together share one transaction, and one fsync (batch-queue.ts decides what "together"
// is). Each write runs in its own savepoint, so one that is refused (a quota, a conflicting id)
// rolls back alone, and every caller hears its own outcome only after the shared commit is on disk.
import { type Kysely, type Transaction, sql } from 'kysely';
import { BatchQueue, type Settled } from './batch-queue';

type Work<DB> = (tx: Transaction<DB>) => Promise<unknown>;

export class GroupCommit<DB> {
  private readonly queue: BatchQueue<Work<DB>, unknown>;

  constructor(db: Kysely<DB>) {
    this.queue = new BatchQueue((jobs) =>
      db.transaction().execute(async (tx) => {
        const outcomes: Settled<unknown>[] = [];
        for (const [i, work] of jobs.entries()) {
          const savepoint = sql.raw(`write_${i}`);
          await sql`SAVEPOINT ${savepoint}`.execute(tx);
          try {
            outcomes.push({ ok: true, value: await work(tx) });
          } catch (error) {
            await sql`ROLLBACK TO ${savepoint}`.execute(tx);
            outcomes.push({ ok: false, error });
          }
          await sql`RELEASE ${savepoint}`.execute(tx);
        }
        return outcomes;
      }),
    );
  }

  /** Runs `work` in the next shared transaction; resolves once that transaction committed. */
  run<T>(work: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.queue.push(work) as Promise<T>;
  }
}
