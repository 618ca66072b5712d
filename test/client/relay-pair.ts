// Relays for the family end to end, one per backend: on SQLite, one relay in this process; on
// PostgreSQL, two relay processes (`plushlink relay --db`, as an operator runs them) on one
// database, so grandma far away and the bridge at home talk to different processes and only the
// database (rows, and LISTEN/NOTIFY for the long polls) joins them. PostgreSQL unreachable
// outside CI: the getter gives undefined and the harness has said so.
import pg from 'pg';
import { type Backend, postgresReachable, TEST_PG_URL, useTestRelay } from '../relay/relay-harness';
import { type RelayProcess, spawnRelay } from '../relay/relay-process';

export interface RelayPair {
  /** The relay grandma's phone uses. */
  readonly far: string;
  /** The relay the phone at home (the bridge, the owner) uses. */
  readonly home: string;
  /** How many relay processes serve the two URLs. */
  readonly processes: number;
}

export function useRelayPair(backend: Backend): () => RelayPair | undefined {
  if (backend === 'sqlite') {
    const running = useTestRelay('sqlite');
    return () => {
      const url = running()?.relay.url;
      return url === undefined ? undefined : { far: url, home: url, processes: 1 };
    };
  }
  const schema = `relay_e2e_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  let relays: RelayProcess[] = [];
  let reachable = false;
  beforeAll(async () => {
    reachable = await postgresReachable();
    if (!reachable) return;
    await adminQuery(`CREATE SCHEMA "${schema}"`);
    const db = `${TEST_PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    // One after the other: both would run the migrations on start.
    relays.push(await spawnRelay(['--db', db]));
    relays.push(await spawnRelay(['--db', db]));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(relays.map((r) => r.stop()));
    relays = [];
    if (reachable) await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  return () => (relays.length === 2 ? { far: relays[0]!.url, home: relays[1]!.url, processes: 2 } : undefined);
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  await client.query(text).finally(() => client.end());
}
