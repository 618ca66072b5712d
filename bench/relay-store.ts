// bench:relay-store: the relay's store alone, in one process, without HTTP or signatures: CPU and
// wall time per stored 16 kB upload (RelayStore.putEnvelope with its signature nonce, 16 at a
// time, as a loaded relay batches them), per fetch of one of them (envelopeFor) and per listing
// of what awaits (pending, 100 at a time), and the SQL statements each sends to the database
// (BEGIN and COMMIT included); the CPU both in all of this process's threads and on its event
// loop alone, and in PostgreSQL's server processes; on SQLite in a temporary folder and on PostgreSQL when reachable.
// What the query layer costs, apart from everything else bench:relay measures.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type StoreLocation } from '../relay/store/open-store';
import { RelayStore } from '../relay/store/relay-store';

const PG_URL = process.env.PLUSHLINK_TEST_PG ?? 'postgres://plushlink:plushlink@127.0.0.1:5432/plushlink_relay_test';
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 4000);
const TOGETHER = 16;
const WARMUP = 320;
const FETCHES = Math.min(UPLOADS, 4000);
const LISTINGS = 400;
/** Which stores to measure: "sqlite", "postgres" or both (the default), comma-separated. */
const STORES = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(',');

// Every statement either database is sent: better-sqlite3 runs each through a prepared
// statement's run() or all(); pg sends each through Client.query().
let statements = 0;
function countStatements(): void {
  const probe = new Database(':memory:');
  const prototype = Object.getPrototypeOf(probe.prepare('select 1')) as Record<'run' | 'all', (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of ['run', 'all'] as const) {
    const original = prototype[method];
    prototype[method] = function (this: unknown, ...args: unknown[]) {
      statements++;
      return original.apply(this, args);
    };
  }
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
}

/**
 * CPU time (ms) used so far by every PostgreSQL server process on this machine (backends, WAL
 * writer, checkpointer), from /proc; undefined where there is none. Other people's queries on
 * the same server count too, so it is a ceiling on what the bench's own queries cost there.
 */
function postgresServerCpuMs(): number | undefined {
  let total = 0;
  let seen = false;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes(' (postgres) ')) continue;
      const fields = stat.split(') ')[1]!.split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ
      seen = true;
    } catch {
      // The process ended meanwhile.
    }
  }
  return seen ? total : undefined;
}

/** CPU time (ms) of this process's main thread (the event loop) so far, from /proc; 10 ms ticks. */
function mainThreadCpuMs(): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

interface Cost {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly statements: number;
  readonly mainThreadCpuMs?: number;
  readonly serverCpuMs?: number;
}

/** CPU (here, and in PostgreSQL's processes), wall time and statements per operation of `n` operations run by `work`. */
async function cost(n: number, work: () => Promise<void>): Promise<Cost> {
  const [started, cpu, sent, server, loop] = [performance.now(), process.cpuUsage(), statements, postgresServerCpuMs(), mainThreadCpuMs()];
  await work();
  const used = process.cpuUsage(cpu);
  const [serverAfter, loopAfter] = [postgresServerCpuMs(), mainThreadCpuMs()];
  const per = (x: number, digits = 3): number => Number((x / n).toFixed(digits));
  return {
    cpuMs: per((used.user + used.system) / 1000),
    wallMs: per(performance.now() - started),
    statements: per(statements - sent, 2),
    ...(loop !== undefined && loopAfter !== undefined && { mainThreadCpuMs: per(loopAfter - loop) }),
    ...(server !== undefined && serverAfter !== undefined && { serverCpuMs: per(serverAfter - server) }),
  };
}

async function measure(location: StoreLocation): Promise<Record<string, number | undefined>> {
  const connection = await openStore(location);
  try {
    const store = new RelayStore(connection);
    const mailbox = 'bench-mailbox';
    await store.putRoster(mailbox, 'owner', { version: 1, members: ['member'], signature: 'signature' }, 1);
    const body = randomBytes(16_384);
    const quotas = { bytes: 2 ** 45, envelopes: 1e9 };
    let n = 0;
    const batch = () =>
      Promise.all(
        Array.from({ length: TOGETHER }, () => {
          const id = `envelope-${n++}`;
          return Promise.all([
            store.useNonce('member', id, 2e9),
            store.putEnvelope({ mailbox, id, digest: id, body, hour: 1, expiresHour: 1e6, rosterVersion: 1 }, ['owner'], quotas),
          ]);
        }),
      );
    while (n < WARMUP) await batch();
    const upload = await cost(UPLOADS, async () => {
      while (n < WARMUP + UPLOADS) await batch();
    });
    // Fetches of envelopes spread over what was stored, 16 at a time.
    const fetch = await cost(FETCHES, async () => {
      for (let i = 0; i < FETCHES; i += TOGETHER) {
        const ids = Array.from({ length: TOGETHER }, (_, j) => `envelope-${WARMUP + Math.floor(((i + j) * UPLOADS) / FETCHES)}`);
        const bodies = await Promise.all(ids.map((id) => store.envelopeFor(mailbox, id, 'owner', 1)));
        if (bodies.some((b) => b?.length !== body.length)) throw new Error('a stored envelope did not come back');
      }
    });
    const list = await cost(LISTINGS, async () => {
      for (let i = 0; i < LISTINGS; i++) if ((await store.pending(mailbox, 'owner', 1, 100)).length !== 100) throw new Error('the listing came back short');
    });
    return {
      cpuMsPerUpload: upload.cpuMs,
      // Of that, on the event loop (the rest ran on other threads: libuv's pool, a checkpointer).
      mainThreadCpuMsPerUpload: upload.mainThreadCpuMs,
      wallMsPerUpload: upload.wallMs,
      statementsPerUpload: upload.statements,
      ...(location.db !== undefined && { postgresServerCpuMsPerUpload: upload.serverCpuMs, postgresServerCpuMsPerFetch: fetch.serverCpuMs }),
      cpuMsPerFetch: fetch.cpuMs,
      wallMsPerFetch: fetch.wallMs,
      statementsPerFetch: fetch.statements,
      cpuMsPerListingOf100: list.cpuMs,
      wallMsPerListingOf100: list.wallMs,
    };
  } finally {
    await connection.close();
  }
}

async function main(): Promise<void> {
  countStatements();
  const results: Record<string, unknown>[] = [];
  if (STORES.includes('sqlite')) {
    const dir = mkdtempSync(join(tmpdir(), 'plushlink-bench-store-'));
    try {
      results.push({ store: 'sqlite', ...(await measure({ dir })) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!STORES.includes('postgres')) return print(results);
  const schema = `bench_store_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch (error) {
    results.push({ store: 'postgres', skipped: `PostgreSQL unreachable at ${PG_URL}: ${String(error)}` });
  }
  if (!results.some((r) => r.skipped)) {
    try {
      // The relay's side only: PostgreSQL's backends run in their own processes.
      results.push({ store: 'postgres', ...(await measure({ db: PG_URL, dir: '', schema })) });
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  }
  await admin.end().catch(() => undefined);
  print(results);
}

function print(results: Record<string, unknown>[]): void {
  console.log(JSON.stringify({ uploadBytes: 16_384, uploads: UPLOADS, fetches: FETCHES, together: TOGETHER, loadAverage: loadavg().map((l) => Number(l.toFixed(1))), results }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
