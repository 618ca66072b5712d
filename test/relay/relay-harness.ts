// What the relay tests share: a relay on loopback on SQLite (a temporary folder) or PostgreSQL
// (a schema of its own in the test database, dropped afterwards), phones with their own keys,
// and sealed envelopes made by audio/envelope.ts. PostgreSQL is at PLUSHLINK_TEST_PG (default
// the role and database .ci/postgres.sh creates); when it is unreachable the PostgreSQL cases
// are skipped, loudly, except under CI, where they fail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sealEnvelope } from '../../audio/envelope';
import { RelayClient } from '../../client/relay-client';
import { generatePartyKeys, publicKeys } from '../../pairing/identity';
import type { PartyKeys } from '../../pairing/keys';
import { type Sodium, sodiumReady } from '../../pairing/sodium';
import { DEFAULT_RELAY_CONFIG, type RelayConfig } from '../../relay/config';
import { toBase64Url } from '../../relay/ids';
import { type Relay, startRelay } from '../../relay/server';
import { type StoreConnection, openStore } from '../../relay/store/open-store';

export const TEST_PG_URL = process.env.PLUSHLINK_TEST_PG ?? 'postgres://plushlink:plushlink@127.0.0.1:5432/plushlink_relay_test';

export type Backend = 'sqlite' | 'postgres';

let reachable: Promise<boolean> | undefined;

/** Whether the test PostgreSQL answers; under CI an unreachable one is an error, not a skip. */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (error) {
      if (process.env.CI) throw new Error(`PostgreSQL at ${TEST_PG_URL} is unreachable under CI (.ci/postgres.sh should have started it): ${String(error)}`);
      process.stderr.write(`\n*** relay tests: PostgreSQL at ${TEST_PG_URL} is unreachable: the PostgreSQL cases are SKIPPED (run .ci/postgres.sh) ***\n\n`);
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

/** A place for one test's data on one backend; `drop()` removes it. */
export interface TestDatabase {
  readonly backend: Backend;
  readonly dir: string;
  readonly db?: string;
  readonly schema?: string;
  /** Opens the store, migrated to the newest version or no further than `upToMigration`. */
  open(upToMigration?: string): Promise<StoreConnection>;
  drop(): Promise<void>;
}

export function testDatabase(backend: Backend): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-relay-test-'));
  const schema = backend === 'postgres' ? `relay_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}` : undefined;
  const location = { dir, ...(backend === 'postgres' && { db: TEST_PG_URL, schema, poolSize: 4 }) };
  return {
    backend,
    dir,
    ...(backend === 'postgres' && { db: TEST_PG_URL, schema }),
    open: (upToMigration) => openStore({ ...location, ...(upToMigration !== undefined && { upToMigration }) }),
    drop: async () => {
      rmSync(dir, { recursive: true, force: true });
      if (schema === undefined) return;
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    },
  };
}

export function testConfig(overrides: Partial<RelayConfig> = {}): RelayConfig {
  return { ...DEFAULT_RELAY_CONFIG, port: 0, logLevel: 'silent', ...overrides };
}

/** A relay listening on loopback over `store`. */
export function startTestRelay(store: StoreConnection, overrides: Partial<RelayConfig> = {}, now?: () => number): Promise<Relay & { url: string }> {
  return startRelay(testConfig(overrides), { store, ...(now && { now }) });
}

export interface Phone {
  readonly keys: PartyKeys;
  client(url: string): RelayClient;
}

export function phone(sodium: Sodium): Phone {
  const keys: PartyKeys = generatePartyKeys(sodium);
  return { keys, client: (url) => new RelayClient({ url, key: keys.signing, sodium }) };
}

/** A sealed envelope from `sender` to `recipients`, with `audioBytes` of stand-in Ogg bytes. */
export function sealed(sodium: Sodium, sender: Phone, recipients: readonly Phone[], audioBytes = 2000): Uint8Array {
  return sealEnvelope(sodium, {
    audio: sodium.randombytes_buf(audioBytes),
    sender: sender.keys,
    recipients: recipients.map((r) => publicKeys(r.keys)),
    time: Date.now(),
  });
}

export { sodiumReady };

/** A relay on SQLite with one family: the parent owns a mailbox on which grandma is a member. */
export interface TestFamily {
  readonly relay: Relay & { url: string };
  readonly connection: StoreConnection;
  readonly parent: Phone;
  readonly grandma: Phone;
  readonly mailbox: string;
  close(): Promise<void>;
}

export async function sqliteFamily(sodium: Sodium): Promise<TestFamily> {
  const database = testDatabase('sqlite');
  const connection = await database.open();
  const relay = await startTestRelay(connection);
  const [parent, grandma] = [phone(sodium), phone(sodium)];
  const mailbox = toBase64Url(sodium.randombytes_buf(16));
  await parent.client(relay.url).putRoster(mailbox, 1, [grandma.client(relay.url).keyId]);
  return {
    relay,
    connection,
    parent,
    grandma,
    mailbox,
    close: async () => {
      await relay.close();
      await connection.close();
      await database.drop();
    },
  };
}

export interface RunningRelay {
  readonly relay: Relay & { url: string };
  readonly connection: StoreConnection;
}

/**
 * A relay on `backend` for a whole test file: started before the first test, gone after the last.
 * The getter gives undefined when PostgreSQL is unreachable outside CI (the skip is announced).
 */
export function useTestRelay(backend: Backend = 'sqlite'): () => RunningRelay | undefined {
  let database: TestDatabase | undefined;
  let running: RunningRelay | undefined;
  beforeAll(async () => {
    if (backend === 'postgres' && !(await postgresReachable())) return;
    database = testDatabase(backend);
    const connection = await database.open();
    running = { connection, relay: await startTestRelay(connection) };
  });
  afterAll(async () => {
    await running?.relay.close();
    await running?.connection.close();
    await database?.drop();
  });
  return () => running;
}
