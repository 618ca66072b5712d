// bench:relay-store: the relay's store alone, in one process, without HTTP or signatures: CPU and
// wall time per stored 16 kB upload (RelayStore.putEnvelope with its signature nonce, 16 at a
// time, as a loaded relay batches them), on SQLite in a temporary folder and on PostgreSQL when
// reachable. What the query layer costs per upload, apart from everything else bench:relay measures.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type StoreLocation } from '../relay/store/open-store';
import { RelayStore } from '../relay/store/relay-store';

const PG_URL = process.env.PLUSHLINK_TEST_PG ?? 'postgres://plushlink:plushlink@127.0.0.1:5432/plushlink_relay_test';
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 4000);
const TOGETHER = 16;
const WARMUP = 320;

async function measure(location: StoreLocation): Promise<{ cpuMsPerUpload: number; wallMsPerUpload: number }> {
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
    const [started, cpu] = [performance.now(), process.cpuUsage()];
    while (n < WARMUP + UPLOADS) await batch();
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - started;
    return { cpuMsPerUpload: Number(((used.user + used.system) / 1000 / UPLOADS).toFixed(3)), wallMsPerUpload: Number((wall / UPLOADS).toFixed(3)) };
  } finally {
    await connection.close();
  }
}

async function main(): Promise<void> {
  const results: Record<string, unknown>[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-bench-store-'));
  try {
    results.push({ store: 'sqlite', ...(await measure({ dir })) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  console.log(JSON.stringify({ uploadBytes: 16_384, uploads: UPLOADS, together: TOGETHER, results }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
