// The legacy cloud's database, as CloudPets kept it in 2017 (their MongoDB, here SQLite through
// better-sqlite3): accounts by e-mail with a bcrypt hash and a session token, children with names
// and birthdates, who is a child's parent or "friend", and voice messages as rows pointing at
// plain audio files in the bucket. Rebuilt on purpose for the attack suite; never a product.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const LEGACY_DATABASE_FILE = 'cloudpets.sqlite';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL, token TEXT, created_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS children (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, birthdate TEXT NOT NULL, toy_model TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS relationships (
    account_id INTEGER NOT NULL, child_id INTEGER NOT NULL, relation TEXT NOT NULL,
    PRIMARY KEY (account_id, child_id));
  CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, child_id INTEGER NOT NULL, from_account INTEGER NOT NULL,
    direction TEXT NOT NULL, url TEXT NOT NULL, created_at TEXT NOT NULL);
`;

export type SqlRow = Record<string, unknown>;

/** Opens (and creates) the legacy cloud's database in `dir`. */
export function openLegacyDatabase(dir: string): Database.Database {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, LEGACY_DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  return db;
}

/**
 * Runs any SQL text on a SQLite database: rows for a query, nothing for a statement. What an open
 * database port does for anyone who connects, and what a thief does with a copied file.
 */
export function runSql(db: Database.Database, text: string): SqlRow[] {
  const statement = db.prepare(text);
  if (statement.reader) return statement.all() as SqlRow[];
  statement.run();
  return [];
}

/** Lists a SQLite database's tables (rows of `name`), as anyone holding it can. */
export const SQLITE_TABLES_QUERY = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";

/** Lists a SQLite table's columns (rows of `name`). */
export const sqliteColumnsQuery = (table: string): string => `SELECT name FROM pragma_table_info('${table.replace(/'/g, "''")}')`;
