// Opens the relay's database: embedded SQLite in one file (the default, no setup) or PostgreSQL
// (`postgres://...`, several relay processes on one database). Both go through one Kysely query
// layer; migrations run here, before the relay takes a request.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { FileSync } from './file-sync';
import { type Dialect, migrateToLatest } from './migrations';
import { LocalNotifier, type Notifier, PostgresNotifier } from './notifier';
import type { RelayDatabase } from './schema';
import { withPreparedStatements } from './prepared-statements';
import { withStatementCache } from './statement-cache';
import { WalCheckpointer } from './wal-checkpointer';

export interface StoreConnection {
  readonly db: Kysely<RelayDatabase>;
  readonly dialect: Dialect;
  readonly notifier: Notifier;
  /**
   * Runs writes that need not wait for the disk (signature nonces): they survive a relay process
   * kill but may be lost if the database machine itself crashes, which at worst reopens a
   * replay window of minutes for requests that are idempotent anyway.
   */
  unsynced<T>(fn: (db: Kysely<RelayDatabase>) => Promise<T>): Promise<T>;
  /**
   * Resolves once every transaction committed before the call is on disk; a write is
   * acknowledged only after it. SQLite commits without waiting for the disk and syncs its WAL
   * here, off the event loop and shared by every commit made meanwhile (file-sync.ts);
   * PostgreSQL's COMMIT already waited for its WAL flush.
   */
  durable(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreLocation {
  /** A postgres:// URL; absent for SQLite. */
  readonly db?: string;
  /** Folder of the SQLite file (created if needed); ':memory:' for a throwaway database. */
  readonly dir: string;
  /** PostgreSQL only: a schema to use (and create), so tests can share one database. */
  readonly schema?: string;
  /** PostgreSQL only: connections per process (default 10). */
  readonly poolSize?: number;
  /** Migrate no further than this migration (tests of a migration); default the newest. */
  readonly upToMigration?: string;
}

export const SQLITE_FILE = 'relay.sqlite';

function openSqlite(dir: string): Database.Database {
  const file = dir === ':memory:' ? ':memory:' : (mkdirSync(dir, { recursive: true, mode: 0o700 }), join(dir, SQLITE_FILE));
  const sqlite = new Database(file);
  // WAL: readers never block the writer. synchronous=NORMAL: a commit writes its WAL frames and
  // does not wait for the disk (a process kill loses nothing committed: the frames are in the
  // kernel); what makes a write survive a power cut too is the WAL sync every acknowledgement
  // waits for (StoreConnection.durable), which is what synchronous=FULL would do inside COMMIT,
  // blocking the event loop for one fsync per transaction. SQLite still syncs the WAL before
  // each checkpoint and the database file after it.
  // secure_delete: deleted envelopes are overwritten with zeros, not left in free pages.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

// PostgreSQL's bigint comes back as text by default; every bigint here fits a double exactly.
const INT8_OID = 20;
const numericTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export async function openStore(location: StoreLocation): Promise<StoreConnection> {
  if (location.db === undefined) {
    const sqlite = openSqlite(location.dir);
    const db = new Kysely<RelayDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    await migrateToLatest(db as Kysely<unknown>, 'sqlite', location.upToMigration);
    const notifier = new LocalNotifier();
    const onDisk = location.dir !== ':memory:';
    const wal = onDisk ? new FileSync(join(location.dir, `${SQLITE_FILE}-wal`)) : undefined;
    const checkpointer = onDisk ? new WalCheckpointer(sqlite, join(location.dir, SQLITE_FILE)) : undefined;
    const close = async (): Promise<void> => {
      await notifier.close();
      await wal?.close();
      await checkpointer?.close();
      await db.destroy();
    };
    return { db, dialect: 'sqlite', notifier, unsynced: (fn) => fn(db), durable: () => wal?.sync() ?? Promise.resolve(), close };
  }
  if (!/^postgres(ql)?:\/\//.test(location.db)) throw new Error(`--db ${location.db.split('@').pop()} is not a postgres:// URL`);
  const options = location.schema === undefined ? {} : { options: `-c search_path=${location.schema}` };
  const config: pg.ClientConfig = { connectionString: location.db, types: numericTypes, ...options };
  if (location.schema !== undefined) {
    const admin = new pg.Client({ connectionString: location.db });
    await admin.connect();
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${location.schema.replace(/"/g, '')}"`).finally(() => admin.end());
  }
  const pool = new pg.Pool({ ...config, max: location.poolSize ?? 10 });
  // An idle client that loses its server emits on the pool; the next query reports the failure.
  pool.on('error', () => undefined);
  const db = new Kysely<RelayDatabase>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool) }) });
  const asyncPool = new pg.Pool({ ...config, options: `${config.options ?? ''} -c synchronous_commit=off`.trim(), max: 4 });
  asyncPool.on('error', () => undefined);
  const asyncDb = new Kysely<RelayDatabase>({ dialect: new PostgresDialect({ pool: withPreparedStatements(asyncPool) }) });
  try {
    await migrateToLatest(db as Kysely<unknown>, 'postgres', location.upToMigration);
    const notifier = await PostgresNotifier.connect(config, pool);
    const close = async (): Promise<void> => {
      await notifier.close();
      await asyncDb.destroy();
      await db.destroy();
    };
    return { db, dialect: 'postgres', notifier, unsynced: (fn) => fn(asyncDb), durable: () => Promise.resolve(), close };
  } catch (error) {
    await asyncDb.destroy();
    await db.destroy();
    throw error;
  }
}
