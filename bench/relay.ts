// bench:relay: uploads and fetches per second of 16 kB padded sealed envelopes through a relay
// in its own process, with 1, 16 and 256 concurrent clients (autocannon), p50/p99 latency, and
// bytes stored per envelope byte; on SQLite, on PostgreSQL with one relay process and with two;
// and a bare Fastify route taking the same body, as the ratio's denominator; then where one
// request's time goes, in process (relay-costs.ts). Prints JSON.
// Every relay request is genuinely signed (fresh nonce each), made before the timed run, as a
// phone could sign ahead; each way a phone signs is measured in the same run (BENCH_AUTH):
// "ed25519" (every request signed with the phone key) and "session" (each phone opens one session
// and HMAC-signs with it). A run with C clients has C phones, each in its own mailbox with the
// owner (so every upload is delivered once, as before); their requests are interleaved over the
// C connections (autocannon cannot tie a request to a connection), each with its own nonce.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { sealEnvelope } from '../audio/envelope';
import { RelayClient, newRelayId } from '../client/relay-client';
import { generatePartyKeys, publicKeys } from '../pairing/identity';
import { sodiumReady } from '../pairing/sodium';
import { padToBucket } from '../relay/padding';
import type { SigningKeyPair } from '../pairing/keys';
import { type RequestSigner, ed25519Signer, signRequest } from '../relay/request-signing';
import { relayCosts } from './relay-costs';
import { remotePlayTimes } from './relay-remote-play';
import { openStore } from '../relay/store/open-store';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = (process.env.BENCH_CLIENTS ?? '1,16,256').split(',').map(Number);
/** The issue's goal: a relay upload at least half as fast as a bare route taking the same body. */
const GOAL_RATIO = 0.5;
const BARE = 'bare fastify route';
const FLOOR = 'floor: bare route + HMAC + hash + one non-durable SQLite statement';
const PG_URL = process.env.PLUSHLINK_TEST_PG ?? 'postgres://plushlink:plushlink@127.0.0.1:5432/plushlink_relay_test';
/** How each phone signs (BENCH_AUTH, default both, in the same run). */
const AUTHS = (process.env.BENCH_AUTH ?? 'ed25519,session').split(',') as ('ed25519' | 'session')[];
/**
 * The ways of signing in the order of the k-th client count, reversed every other time: the
 * tables grow as the runs go, so neither way always meets the larger store.
 */
const inTurn = <T>(items: readonly T[], k: number): readonly T[] => (k % 2 === 0 ? items : [...items].reverse());
/** Requests per second a pool is signed for, by auth: more than a relay answers, so no nonce is reused. */
const POOL_RATE = { ed25519: { upload: 3000, fetch: 5000 }, session: { upload: 8000, fetch: 15000 } };
/** For profiling: extra node flags for the relay processes (e.g. "--cpu-prof --cpu-prof-dir=prof"). */
const RELAY_NODE_ARGS = (process.env.BENCH_RELAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** Which setups to run, e.g. "sqlite" or "postgres-1,postgres-2" (default all). */
const ONLY = process.env.BENCH_SETUPS?.split(',');

interface Proc {
  readonly url: string;
  readonly child: ChildProcess;
}

function spawnServer(args: readonly string[]): Promise<Proc> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const url = /listening on (http:\/\/\S+)/.exec(err)?.[1];
      if (url) resolve({ url, child });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

async function stop(p: Proc): Promise<void> {
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGTERM');
  await exited;
}

const relayArgs = (extra: string[]): string[] => [...RELAY_NODE_ARGS, join(__dirname, '..', 'cli', 'plushlink.js'), 'relay', '--port', '0', '--log-level', 'error', '--rate', '100000000', '--quota-envelopes', '100000000', '--quota-mb', '1000000', ...extra];

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere.
 * Per request it is the server's cost whatever else runs on the machine, which a throughput on
 * shared cores is not.
 */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}

interface Run {
  readonly requestsPerSecond: number;
  /** The server processes' CPU time per 2xx answer, in ms. */
  readonly serverCpuMsPerRequest?: number;
  readonly loadGeneratorCpuMsPerRequest?: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

type Req = { method: string; path: string; headers: Record<string, string>; body?: Buffer };

/** Runs autocannon on each URL at once (connections split between them); sums throughput. */
async function cannon(servers: readonly Proc[], connections: number, pools: readonly Req[][]): Promise<Run> {
  const cpuBefore = servers.map((p) => cpuMs(p.child.pid));
  const generatorBefore = process.cpuUsage();
  const results = await Promise.all(
    servers.map(({ url }, i) => {
      const pool = pools[i]!;
      let next = 0;
      return autocannon({
        url,
        connections: Math.max(1, Math.round(connections / servers.length)),
        duration: SECONDS,
        requests: [
          {
            setupRequest: (request: autocannon.Request) => {
              const r = pool[next++ % pool.length]!;
              return { ...request, method: r.method as 'GET', path: r.path, headers: r.headers, ...(r.body && { body: r.body }) };
            },
          },
        ],
      });
    }),
  );
  const generator = process.cpuUsage(generatorBefore);
  const total = results.reduce((n, r) => n + r.requests.total, 0);
  const ok = results.reduce((n, r) => n + r['2xx'], 0);
  const cpu = servers.reduce<number | undefined>((sum, p, i) => {
    const [before, after] = [cpuBefore[i], cpuMs(p.child.pid)];
    return sum === undefined || before === undefined || after === undefined ? undefined : sum + after - before;
  }, 0);
  return {
    ...(cpu !== undefined && ok > 0 && { serverCpuMsPerRequest: Number((cpu / ok).toFixed(3)) }),
    // autocannon runs in this process: what the load generator itself takes per request.
    ...(total > 0 && { loadGeneratorCpuMsPerRequest: Number(((generator.user + generator.system) / 1000 / total).toFixed(3)) }),
    // Only answers that did the work count: a refusal (say a nonce reused because the pool ran out) is not throughput.
    requestsPerSecond: Math.round(results.reduce((n, r) => n + r['2xx'] / r.duration, 0)),
    p50Ms: Math.max(...results.map((r) => r.latency.p50)),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    errors: results.reduce((n, r) => n + r.errors + r.timeouts, 0) + (total === 0 ? 1 : 0),
  };
}

async function main(): Promise<void> {
  const sodium = await sodiumReady();
  const owner = generatePartyKeys(sodium);
  const member = generatePartyKeys(sodium);
  // 16,000 sealed bytes pad to the 16,384-byte bucket.
  const template = sealEnvelope(sodium, { audio: sodium.randombytes_buf(16_000 - 291), sender: member, recipients: [publicKeys(owner)], time: Date.now() });
  const sealedBytes = template.length;

  const poolSize = (rate: number, connections: number): number => Math.min(60_000, SECONDS * rate + connections * 40);
  /** `n` uploads, the i-th by phone i % phones.length to its own mailbox, each a fresh envelope id and nonce. */
  const uploads = async (base: string, n: number, phones: { box: string; signer: RequestSigner }[]): Promise<Req[]> => {
    const out: Req[] = [];
    for (let i = 0; i < n; i++) {
      const phone = phones[i % phones.length]!;
      const sealed = template.slice();
      sealed.set(sodium.randombytes_buf(16), 6); // a fresh envelope id (the header's id field)
      const body = Buffer.from(padToBucket(sodium, sealed));
      const path = `/v1/mailboxes/${phone.box}/envelopes`;
      const headers = await signRequest(sodium, phone.signer, { method: 'POST', url: `${base}${path}`, body });
      out.push({ method: 'POST', path, headers: { ...headers, 'content-type': 'application/octet-stream' }, body });
    }
    return out;
  };
  const fetches = async (base: string, n: number, signers: RequestSigner[], targets: { box: string; id: string }[]): Promise<Req[]> => {
    const out: Req[] = [];
    for (let i = 0; i < n; i++) {
      const t = targets[i % targets.length]!;
      const path = `/v1/mailboxes/${t.box}/envelopes/${t.id}`;
      out.push({ method: 'GET', path, headers: await signRequest(sodium, signers[i % signers.length]!, { method: 'GET', url: `${base}${path}` }) });
    }
    return out;
  };
  const bareSigner = ed25519Signer(sodium, member.signing);
  /** Each phone's signer on the relay at `url`: its key itself, or a session it opened there. */
  const signersAt = (url: string, keys: readonly SigningKeyPair[], auth: 'ed25519' | 'session'): Promise<RequestSigner[]> =>
    Promise.all(keys.map((key) => new RelayClient({ url, key, sodium, sessions: auth === 'session' }).signer()));
  const phoneKeys = Array.from({ length: Math.max(...CONCURRENCY) }, () => generatePartyKeys(sodium).signing);

  const results: Record<string, unknown>[] = [];
  // The bare route (the goal's denominator), then the floor (relay-floor.ts: the bare route plus
  // an HMAC, the body's hash and one non-durable SQLite statement): an upper bound for any relay.
  for (const [store, file] of [[BARE, 'relay-bare.ts'], [FLOOR, 'relay-floor.ts']] as const) {
    const server = await spawnServer(['--require', 'tsx/cjs', join(__dirname, file)]);
    try {
      for (const c of CONCURRENCY) {
        const pool = await uploads(server.url, 200, [{ box: 'AAAAAAAAAAAAAAAAAAAAAA', signer: bareSigner }]);
        results.push({ store, processes: 1, operation: 'upload', clients: c, ...(await cannon([server], c, [pool])) });
      }
      for (const c of CONCURRENCY) {
        const pool = await fetches(server.url, 200, [bareSigner], [{ box: 'AAAAAAAAAAAAAAAAAAAAAA', id: 'AAAAAAAAAAAAAAAAAAAAAA' }]);
        results.push({ store, processes: 1, operation: 'fetch', clients: c, ...(await cannon([server], c, [pool])) });
      }
    } finally {
      await stop(server);
    }
  }

  const setups: { store: string; processes: number }[] = [{ store: 'sqlite', processes: 1 }, { store: 'postgres', processes: 1 }, { store: 'postgres', processes: 2 }];
  for (const setup of setups.filter((s) => !ONLY || ONLY.includes(s.store === 'sqlite' ? 'sqlite' : `postgres-${s.processes}`))) {
    const dir = mkdtempSync(join(tmpdir(), 'plushlink-bench-relay-'));
    const schema = `bench_${process.pid}_${setup.processes}`;
    let admin: pg.Client | undefined;
    const extra = setup.store === 'sqlite' ? ['--dir', dir] : ['--db', `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`];
    if (setup.store === 'postgres') {
      admin = new pg.Client({ connectionString: PG_URL });
      try {
        await admin.connect();
      } catch (error) {
        results.push({ store: 'postgres', processes: setup.processes, skipped: `PostgreSQL unreachable at ${PG_URL}: ${String(error)}` });
        continue;
      }
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    }
    const relays: Proc[] = [];
    try {
      relays.push(await spawnServer(relayArgs(extra)));
      if (setup.processes === 2) relays.push(await spawnServer(relayArgs(extra)));
      const urls = relays.map((r) => r.url);
      // One mailbox per phone, the owner's and its own: every upload is delivered once (to the owner).
      const boxes = phoneKeys.map(() => newRelayId(sodium));
      const ownerClient = new RelayClient({ url: urls[0]!, key: owner.signing, sodium });
      for (const [i, box] of boxes.entries()) await ownerClient.putRoster(box, 1, [new RelayClient({ url: urls[0]!, key: phoneKeys[i]!, sodium }).keyId]);
      let uploaded = 0;
      for (const [k, c] of CONCURRENCY.entries()) {
        for (const auth of inTurn(AUTHS, k)) {
          const pools = await Promise.all(
            urls.map(async (u) => {
              const signers = await signersAt(u, phoneKeys.slice(0, c), auth);
              return uploads(u, poolSize(POOL_RATE[auth].upload, c), signers.map((signer, i) => ({ box: boxes[i]!, signer })));
            }),
          );
          const run = await cannon(relays, c, pools);
          uploaded += run.requestsPerSecond * SECONDS;
          results.push({ ...setup, auth, operation: 'upload', clients: c, ...run });
        }
      }
      const stored = await ownerClient.pending(boxes[0]!);
      const targets = stored.map((e) => ({ box: boxes[0]!, id: e.id }));
      for (const [k, c] of CONCURRENCY.entries()) {
        for (const auth of inTurn(AUTHS, k)) {
          // The owner fetches, one session per client (as if from c devices with its key).
          const pools = await Promise.all(urls.map(async (u) => fetches(u, poolSize(POOL_RATE[auth].fetch, c), await signersAt(u, Array<SigningKeyPair>(c).fill(owner.signing), auth), targets)));
          results.push({ ...setup, auth, operation: 'fetch', clients: c, ...(await cannon(relays, c, pools)) });
        }
      }
      // Bytes on disk per byte of sealed envelope held.
      let diskBytes = 0;
      let count = 0;
      if (setup.store === 'sqlite') {
        for (const f of ['relay.sqlite', 'relay.sqlite-wal']) diskBytes += statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0;
      }
      for (const r of relays) await stop(r);
      relays.length = 0;
      if (setup.store === 'sqlite') {
        const s = await openStore({ dir });
        count = Number((await s.db.selectFrom('envelopes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
        await s.close();
        diskBytes = statSync(join(dir, 'relay.sqlite')).size;
      } else {
        const row = await admin!.query(
          `select (select count(*) from ${schema}.envelopes) as n, pg_total_relation_size('${schema}.envelopes') + coalesce(pg_total_relation_size(to_regclass('${schema}.envelope_bodies')), 0) + pg_total_relation_size('${schema}.deliveries') + pg_total_relation_size('${schema}.mailboxes') as bytes`,
        );
        count = Number(row.rows[0].n);
        diskBytes = Number(row.rows[0].bytes);
      }
      results.push({ ...setup, operation: 'storage', envelopes: count, sealedBytesPerEnvelope: sealedBytes, paddedBytesPerEnvelope: 16_384, bytesStoredPerEnvelopeByte: Number((diskBytes / (count * sealedBytes)).toFixed(3)), approxUploaded: Math.round(uploaded) });
    } finally {
      for (const r of relays) await stop(r);
      rmSync(dir, { recursive: true, force: true });
      if (admin) {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    }
  }

  const bareRun = (operation: unknown, c: number) => results.find((r) => r.store === BARE && r.operation === operation && r.clients === c) as Run | undefined;
  for (const r of results) {
    if ((r.operation !== 'upload' && r.operation !== 'fetch') || r.store === BARE) continue;
    const denominator = bareRun(r.operation, r.clients as number);
    if (!denominator) continue;
    r.ratioToBareRoute = Number(((r.requestsPerSecond as number) / denominator.requestsPerSecond).toFixed(3));
    r.goalRatio = GOAL_RATIO;
    r.meetsGoal = (r.ratioToBareRoute as number) >= GOAL_RATIO;
    // The same ratio by CPU cost (bare route's CPU per request over the relay processes'): what
    // the throughput ratio would be if the server were CPU-bound alone on its cores.
    const [mine, theirs] = [r.serverCpuMsPerRequest as number | undefined, denominator.serverCpuMsPerRequest];
    if (mine && theirs) r.cpuCostRatioToBareRoute = Number((theirs / mine).toFixed(3));
    // Against the floor (relay-floor.ts): how close the relay comes to what any relay here could.
    const floor = results.find((f) => f.store === FLOOR && f.operation === r.operation && f.clients === r.clients) as Run | undefined;
    if (floor && r.store !== FLOOR) r.ratioToFloor = Number(((r.requestsPerSecond as number) / floor.requestsPerSecond).toFixed(3));
  }
  const inProcessCostsMs = await relayCosts(sodium);
  const remotePlay = await remotePlayTimes(sodium);
  const { cpus, loadavg } = await import('node:os');
  process.stdout.write(`${JSON.stringify({ seconds: SECONDS, envelopeBytes: 16_384, cpus: cpus().length, loadAverage: loadavg().map((l) => Number(l.toFixed(1))), results, inProcessCostsMs, remotePlay }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
