// Group commit: writes that arrive together share one transaction, one commit and (SQLite) one
// WAL sync, instead of a BEGIN, a COMMIT and a disk flush each (batch-queue.ts decides what
// "together" is). Writes run in the order of their lock key (the mailbox id), so that batches of
// several relay processes on one PostgreSQL take row locks in the same order and cannot
// deadlock one another. Every caller hears its own outcome: a write that
// is refused (a quota, a conflicting id) must leave nothing behind while the others commit. Such
// refusals are rare, so a batch first runs as one plain transaction; only if some write in it
// throws is the whole transaction rolled back and the batch run again with each write in its own
// savepoint, so that the refused one rolls back alone. (Savepoints around every write, always,
// would double the statements of an ordinary upload.) Writes must therefore be safe to run twice
// against the same starting state, which any function of the transaction alone is.
import { type Kysely, type Transaction, sql } from 'kysely';
import { BatchQueue, type Settled } from './batch-queue';

type Work<DB> = (tx: Transaction<DB>) => Promise<unknown>;

interface Job<DB> {
  readonly work: Work<DB>;
  readonly lockKey: string;
}

/** Runs `jobs` in lock-key order; the outcomes come back in the jobs' own order. */
async function inLockOrder<DB>(jobs: readonly Job<DB>[], run: (work: Work<DB>, i: number) => Promise<Settled<unknown>>): Promise<Settled<unknown>[]> {
  const order = jobs.map((_, i) => i).sort((a, b) => (jobs[a]!.lockKey < jobs[b]!.lockKey ? -1 : jobs[a]!.lockKey > jobs[b]!.lockKey ? 1 : a - b));
  const outcomes: Settled<unknown>[] = new Array(jobs.length);
  for (const i of order) outcomes[i] = await run(jobs[i]!.work, i);
  return outcomes;
}

export class GroupCommit<DB> {
  private readonly queue: BatchQueue<Job<DB>, unknown>;

  constructor(private readonly db: Kysely<DB>) {
    this.queue = new BatchQueue(async (jobs) => {
      try {
        return await db.transaction().execute((tx) => inLockOrder(jobs, async (work) => ({ ok: true, value: await work(tx) })));
      } catch (error) {
        // Nothing of the batch was committed. One write alone has its outcome already.
        if (jobs.length === 1) return [{ ok: false, error }];
        return this.oneByOne(jobs);
      }
    });
  }

  private oneByOne(jobs: readonly Job<DB>[]): Promise<Settled<unknown>[]> {
    return this.db.transaction().execute((tx) =>
      inLockOrder(jobs, async (work, i) => {
        const savepoint = sql.raw(`write_${i}`);
        await sql`SAVEPOINT ${savepoint}`.execute(tx);
        let outcome: Settled<unknown>;
        try {
          outcome = { ok: true, value: await work(tx) };
        } catch (error) {
          await sql`ROLLBACK TO ${savepoint}`.execute(tx);
          outcome = { ok: false, error };
        }
        await sql`RELEASE ${savepoint}`.execute(tx);
        return outcome;
      }),
    );
  }

  /**
   * Runs `work` in the next shared transaction; resolves once that transaction committed.
   * `lockKey` names the rows it locks (writes run in its order within a batch).
   */
  run<T>(work: (tx: Transaction<DB>) => Promise<T>, lockKey: string): Promise<T> {
    return this.queue.push({ work, lockKey }) as Promise<T>;
  }
}
