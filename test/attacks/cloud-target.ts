// The two clouds under attack, behind one interface so each breach is written once: the legacy
// CloudPets cloud (firmware-sim/legacy-cloud/) and plushlink's family relay (relay/), each with
// the same family (a parent at home with the toy, a grandmother far away, a child) using it the
// way its product intends. Also the thief's way into each database and what a dump holds.
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_TABLES_QUERY, type SqlRow, runSql, sqliteColumnsQuery } from '../../firmware-sim/legacy-cloud/database';

export type CloudKind = 'legacy' | 'relay-sqlite' | 'relay-postgres';

/** What the family put into its cloud or its devices: what a thief should not get. */
export interface FamilyFacts {
  readonly names: readonly string[];
  readonly birthdates: readonly string[];
  readonly relations: readonly string[];
  readonly emails: readonly string[];
}

/** What a family's message delivery did on the toy. */
export interface Delivery {
  /** Messages the toy played. */
  readonly played: number;
  /** Why the others were not played (the toy's or the relay's reason). */
  readonly refused: readonly string[];
}

/** A thief's way into a cloud's database, with read and write access. */
export interface DatabaseAccess {
  /** How the thief got in, for the report. */
  readonly how: string;
  tables(): Promise<string[]>;
  columns(table: string): Promise<string[]>;
  /** Any SQL text; rows for a query. */
  query(text: string): Promise<SqlRow[]>;
  close(): Promise<void>;
}

/** A message as the server holds it, and what an insider can do with what it holds. */
export interface Insider {
  held(): Promise<Array<{ readonly key: string; readonly bytes: Buffer }>>;
  overwrite(key: string, bytes: Buffer): Promise<void>;
  /** Queues bytes as a new message for the family's toy, as if a member had sent it. */
  enqueue(bytes: Buffer): Promise<void>;
  /** The insider's best forgery of a message with `ogg` in it, given a message the server holds. */
  forge(ogg: Uint8Array, sample: Buffer | undefined): Buffer;
}

export interface CloudTarget {
  readonly kind: CloudKind;
  readonly facts: FamilyFacts;
  /** The thief's access: the open database port, or the relay's SQLite file or PostgreSQL. */
  database(): Promise<DatabaseAccess>;
  /** An attacker with an account (or key) of their own sends a message and gets its address. */
  attackerOwnMessageUrl(): Promise<string>;
  /** Fetches an address with the best credentials the attacker has of their own. */
  attackerFetch(url: string): Promise<{ status: number; body: Buffer }>;
  /** Grandma, far away, sends a voice message through the cloud. */
  grandmaSends(ogg: Uint8Array): Promise<void>;
  /** The parent's phone at home moves what waits in the cloud to the toy. */
  deliver(): Promise<Delivery>;
  /** Voice messages the family still has (on its devices, or listed by its app). */
  messagesHeld(): Promise<number>;
  /** The parent sends a message to the toy in Bluetooth range, as the product allows. */
  sendInRange(ogg: Uint8Array): Promise<{ played: boolean; detail: string }>;
  /** The family moves to another server (a new relay, self-hosted or not), when it can. */
  moveToNewServer(): Promise<{ ok: boolean; detail: string }>;
  readonly insider: Insider;
  /** The company goes bust: its servers vanish. */
  shutDown(): Promise<void>;
  close(): Promise<void>;
}

/** Access to SQLite through something that runs SQL text (an open port, a copied file). */
export function sqliteAccess(how: string, run: (text: string) => Promise<SqlRow[]>, close: () => Promise<void> = async () => undefined): DatabaseAccess {
  return {
    how,
    tables: async () => (await run(SQLITE_TABLES_QUERY)).map((r) => String(r.name)),
    columns: async (table) => (await run(sqliteColumnsQuery(table))).map((r) => String(r.name)),
    query: run,
    close,
  };
}

/** The open database port: SQL over HTTP with no credentials. */
export function openPortAccess(url: string): DatabaseAccess {
  return sqliteAccess(`the open database port ${url} (no credentials)`, async (text) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text });
    const answer = (await response.json()) as { rows?: SqlRow[]; error?: string };
    if (!response.ok) throw new Error(`the database refused: ${answer.error}`);
    return answer.rows ?? [];
  });
}

/** The relay's SQLite file, opened by whoever copied or reached it. */
export function sqliteFileAccess(file: string): DatabaseAccess {
  const db = new Database(file);
  return sqliteAccess(`the relay's SQLite file (${file})`, async (text) => runSql(db, text), async () => void db.close());
}

/** The relay's PostgreSQL, with the relay's own credentials. */
export async function postgresAccess(url: string, schema: string | undefined): Promise<DatabaseAccess> {
  const client = new pg.Client({ connectionString: url, ...(schema !== undefined && { options: `-c search_path=${schema}` }) });
  await client.connect();
  const run = async (text: string, values: unknown[] = []): Promise<SqlRow[]> => (await client.query(text, values)).rows as SqlRow[];
  return {
    how: "the relay's PostgreSQL database, with the relay's credentials",
    tables: async () => (await run("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1")).map((r) => String(r.name)),
    columns: async (table) =>
      (await run('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position', [table])).map((r) => String(r.name)),
    query: (text) => run(text),
    close: () => client.end(),
  };
}

export interface DumpedTable {
  readonly name: string;
  readonly columns: readonly string[];
  readonly rows: readonly SqlRow[];
}

/** Everything in the database: every table, every column, every row. */
export async function dumpDatabase(access: DatabaseAccess): Promise<DumpedTable[]> {
  const tables: DumpedTable[] = [];
  for (const name of await access.tables()) {
    tables.push({ name, columns: await access.columns(name), rows: await access.query(`SELECT * FROM "${name}"`) });
  }
  return tables;
}

/** Every value in a dump, as text (binary values as Latin-1, so embedded text shows). */
export function dumpValues(dump: readonly DumpedTable[]): string[] {
  return dump.flatMap((t) => t.rows.flatMap((row) => Object.values(row).map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v)))));
}

/** Every binary value in a dump. */
export function dumpBlobs(dump: readonly DumpedTable[]): Buffer[] {
  return dump.flatMap((t) => t.rows.flatMap((row) => Object.values(row).filter((v): v is Buffer => Buffer.isBuffer(v))));
}

/** A dump as a file a person can open: JSON, binary values in base64. */
export function dumpToJson(dump: readonly DumpedTable[]): string {
  return JSON.stringify(dump, (_key, value: unknown) => (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' ? { base64: Buffer.from((value as { data: number[] }).data).toString('base64') } : value), 2);
}
