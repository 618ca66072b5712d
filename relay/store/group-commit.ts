// Group commit for a database with one connection and a synchronous driver (SQLite through
// better-sqlite3): writes that arrive together share one transaction and one WAL sync
// (batch-queue.ts decides what "together" is). Every caller hears its own outcome: a write that
// is refused (a quota, a conflicting id) must leave nothing behind while the others commit. Such
// refusals are rare, so a batch first runs as one plain transaction; only if some write in it
// throws is the whole transaction rolled back and the batch run again with each write in its own
// savepoint, so that the refused one rolls back alone. (Savepoints around every write, always,
// would double the statements of an ordinary upload.) Writes must therefore be safe to run twice
// against the same starting state, which any function of the transaction alone is.
import { type Kysely, type Transaction, sql } from 'kysely';
import { BatchQueue, type Settled } from './batch-queue';

type Work<DB> = (tx: Transaction<DB>) => Promise<unknown>;

export class GroupCommit<DB> {
  private readonly queue: BatchQueue<Work<DB>, unknown>;

  constructor(private readonly db: Kysely<DB>) {
    this.queue = new BatchQueue(async (jobs) => {
      try {
        return await db.transaction().execute(async (tx) => {
          const outcomes: Settled<unknown>[] = [];
          for (const work of jobs) outcomes.push({ ok: true, value: await work(tx) });
          return outcomes;
        });
      } catch (error) {
        // Nothing of the batch was committed. One write alone has its outcome already.
        if (jobs.length === 1) return [{ ok: false, error }];
        return this.oneByOne(jobs);
      }
    });
  }

  private oneByOne(jobs: readonly Work<DB>[]): Promise<Settled<unknown>[]> {
    return this.db.transaction().execute(async (tx) => {
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
    });
  }

  /** Runs `work` in the next shared transaction; resolves once that transaction committed. */
  run<T>(work: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.queue.push(work) as Promise<T>;
  }
}
