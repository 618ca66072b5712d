// What a thief gets from a cloud's database: every table, every column, every row, through
// whatever way in they found (an open database port, a copied SQLite file, PostgreSQL with the
// server's credentials), and the same dump written as files a person can open (JSON, one CSV
// per table). The attack suite's breach rows (test/attacks/cloud-attacks.ts) and `plushlink demo`
// dump both clouds with this one piece of code.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { oggToPcm } from '../audio/voice-message';
import { SQLITE_TABLES_QUERY, type SqlRow, runSql, sqliteColumnsQuery } from '../firmware-sim/legacy-cloud/database';

export type { SqlRow };

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

/** Opens `access`, dumps everything, closes it. */
export async function dumpThrough(access: DatabaseAccess): Promise<{ how: string; tables: DumpedTable[] }> {
  try {
    return { how: access.how, tables: await dumpDatabase(access) };
  } finally {
    await access.close();
  }
}

/** Every value in a dump, as text (binary values as Latin-1, so embedded text shows). */
export function dumpValues(dump: readonly DumpedTable[]): string[] {
  return dump.flatMap((t) => t.rows.flatMap((row) => Object.values(row).map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v)))));
}

/** Every binary value in a dump. */
export function dumpBlobs(dump: readonly DumpedTable[]): Buffer[] {
  return dump.flatMap((t) => t.rows.flatMap((row) => Object.values(row).filter((v): v is Buffer => Buffer.isBuffer(v))));
}

/** A dump as a file a person can open: JSON, binary values as { "base64": ... }. */
export function dumpToJson(dump: readonly DumpedTable[]): string {
  return JSON.stringify(dump, (_key, value: unknown) => (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' ? { base64: Buffer.from((value as { data: number[] }).data).toString('base64') } : value), 2);
}

/** Reads back what dumpToJson wrote, binary values as Buffers again. */
export function dumpFromJson(text: string): DumpedTable[] {
  return JSON.parse(text, (_key, value: unknown) => {
    const base64 = value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 ? (value as { base64?: unknown }).base64 : undefined;
    return typeof base64 === 'string' ? Buffer.from(base64, 'base64') : value;
  }) as DumpedTable[];
}

/** One table as CSV (RFC 4180 quoting; binary values as "base64:..."). */
export function tableToCsv(table: DumpedTable): string {
  const cell = (value: unknown): string => {
    const text = value === null || value === undefined ? '' : Buffer.isBuffer(value) ? `base64:${value.toString('base64')}` : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [table.columns.map(cell).join(','), ...table.rows.map((row) => table.columns.map((c) => cell(row[c])).join(','))].map((line) => `${line}\r\n`).join('');
}

/** Writes `dump.json` and one `TABLE.csv` per table into `dir`; returns the files written. */
export function writeDump(dir: string, dump: readonly DumpedTable[]): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'dump.json')];
  writeFileSync(files[0]!, dumpToJson(dump));
  for (const table of dump) {
    const file = join(dir, `${table.name.replace(/[^A-Za-z0-9_-]/g, '_')}.csv`);
    writeFileSync(file, tableToCsv(table));
    files.push(file);
  }
  return files;
}

/** A bcrypt hash as it sits in a database: crackable offline with a dictionary. */
export const BCRYPT_HASH = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

/** Whether bytes are a playable voice message: the Opus decoder turns them into sound. */
export async function playsAsAudio(bytes: Uint8Array): Promise<boolean> {
  try {
    return (await oggToPcm(bytes)).channels[0]!.length > 0;
  } catch {
    return false;
  }
}

/** What a dump (and any files its URLs led to) gives a thief, against what a family put in. */
export interface Appraisal {
  /** The facts found anywhere in it. */
  readonly leaked: readonly string[];
  readonly passwordHashes: number;
  /** Binary values and files, and how many of them play as audio. */
  readonly blobs: readonly Buffer[];
  readonly playable: number;
}

export async function appraiseDump(tables: readonly DumpedTable[], facts: readonly string[], files: readonly Buffer[] = []): Promise<Appraisal> {
  const values = [...dumpValues(tables), ...files.map((f) => f.toString('latin1'))];
  const blobs = [...dumpBlobs(tables), ...files];
  return {
    leaked: facts.filter((fact) => values.some((v) => v.includes(fact))),
    passwordHashes: values.filter((v) => BCRYPT_HASH.test(v)).length,
    blobs,
    playable: (await Promise.all(blobs.map(playsAsAudio))).filter(Boolean).length,
  };
}
