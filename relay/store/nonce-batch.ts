// Signature nonces recorded in batches: every nonce that arrives in one turn of the event loop
// goes into one multi-row INSERT (one statement, one commit) instead of a transaction each. The
// database's unique key is still what refuses a replay, across batches and across relay
// processes; a nonce repeated inside one batch is refused here, before the INSERT.
import type { Kysely } from 'kysely';
import { BatchQueue, type Settled } from './batch-queue';
import type { RelayDatabase } from './schema';

interface Nonce {
  readonly key: string;
  readonly nonce: string;
  readonly expiresAt: number;
}

/** Rows per INSERT: 3 parameters each stays far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_STATEMENT = 500;

const slot = (n: { key: string; nonce: string }): string => `${n.key} ${n.nonce}`;

export class NonceBatch {
  private readonly queue: BatchQueue<Nonce, boolean>;

  constructor(write: <T>(fn: (db: Kysely<RelayDatabase>) => Promise<T>) => Promise<T>) {
    this.queue = new BatchQueue(async (nonces) => {
      const firsts = new Map<string, Nonce>();
      for (const n of nonces) if (!firsts.has(slot(n))) firsts.set(slot(n), n);
      const rows = [...firsts.values()].map((n) => ({ key_id: n.key, nonce: n.nonce, expires_at: n.expiresAt }));
      const inserted = new Set<string>();
      await write(async (db) => {
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          const returned = await db
            .insertInto('nonces')
            .values(rows.slice(i, i + ROWS_PER_STATEMENT))
            .onConflict((oc) => oc.columns(['key_id', 'nonce']).doNothing())
            .returning(['key_id', 'nonce'])
            .execute();
          for (const r of returned) inserted.add(slot({ key: r.key_id, nonce: r.nonce }));
        }
      });
      return nonces.map((n): Settled<boolean> => ({ ok: true, value: firsts.get(slot(n)) === n && inserted.has(slot(n)) }));
    });
  }

  /** Records `nonce` for `key`; false when it was already used (a replay). */
  use(key: string, nonce: string, expiresAt: number): Promise<boolean> {
    return this.queue.push({ key, nonce, expiresAt });
  }
}
