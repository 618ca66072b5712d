// Signature nonces recorded in batches: every nonce that arrives in one turn of the event loop
// goes into one multi-row INSERT (one statement, one commit) instead of a transaction each. The
// database's unique key is still what refuses a replay, across batches and across relay
// processes; a nonce repeated inside one batch is refused here, before the INSERT.
import type { Kysely } from 'kysely';
import { BatchQueue, type Settled } from './batch-queue';
import type { CompiledQueries } from './compiled-queries';
import type { RelayDatabase } from './schema';

interface Nonce {
  readonly key: string;
  readonly nonce: string;
  readonly expiresAt: number;
}

/** Rows per INSERT: 3 parameters each stays far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_STATEMENT = 500;

const slot = (n: { key: string; nonce: string }): string => `${n.key} ${n.nonce}`;

/** One shape per number of rows: values `k0`, `n0`, `e0` (key, nonce, expiry), `k1`, ... */
const insertNonces = (count: number) => (db: Kysely<RelayDatabase>, p: Record<string, string | number>) =>
  db
    .insertInto('nonces')
    .values(Array.from({ length: count }, (_, i) => ({ key_id: p[`k${i}`] as string, nonce: p[`n${i}`] as string, expires_at: p[`e${i}`] as number })))
    .onConflict((oc) => oc.columns(['key_id', 'nonce']).doNothing())
    .returning(['key_id', 'nonce']);

export class NonceBatch {
  private readonly queue: BatchQueue<Nonce, boolean>;

  constructor(write: <T>(fn: (db: Kysely<RelayDatabase>) => Promise<T>) => Promise<T>, queries: CompiledQueries<RelayDatabase>) {
    this.queue = new BatchQueue(async (nonces) => {
      const firsts = new Map<string, Nonce>();
      for (const n of nonces) if (!firsts.has(slot(n))) firsts.set(slot(n), n);
      const rows = [...firsts.values()];
      const inserted = new Set<string>();
      await write(async (db) => {
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
          const values: Record<string, string | number> = {};
          chunk.forEach((n, j) => {
            values[`k${j}`] = n.key;
            values[`n${j}`] = n.nonce;
            values[`e${j}`] = n.expiresAt;
          });
          const returned = await queries.run(db, `insert nonces ${chunk.length}`, insertNonces(chunk.length), values);
          for (const r of returned.rows) inserted.add(slot({ key: r.key_id, nonce: r.nonce }));
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
