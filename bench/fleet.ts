// Fleet benchmark: many toys and phones on one air in one process (fast clock). For each fleet
// size, in a fresh child process so memory figures start clean: memory per device (resident and
// JS heap, after every toy is booted and advertising and every phone is up), pairings per second
// (every phone pairs with its own toy, all at once), and session requests per second (every
// phone asks its toy's status over the Noise session, all at once), so the JSON shows how each
// grows with the device count. Prints one JSON object.
// Run: npm run bench:fleet [-- --sizes 100,400,1000 --requests 5]   (devices = toys + phones)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { MemoryPhoneStore } from '../client/phone-store';
import { ToyClient } from '../client/toy-client';
import type { ToySession } from '../client/toy-session';
import { ToyFirmware } from '../firmware-sim/firmware';
import { ToyGattServer } from '../firmware-sim/gatt-server';
import { sodiumReady } from '../pairing/sodium';
import { Air } from '../radio/air';
import { loadBleno } from '../radio/loaders';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
const mb = (bytes: number): number => round(bytes / 2 ** 20);

interface SizeResult {
  readonly devices: number;
  readonly toys: number;
  readonly phones: number;
  readonly setUpSeconds: number;
  readonly memoryPerDeviceMB: { readonly rss: number; readonly heapUsed: number; readonly external: number };
  readonly pairing: { readonly seconds: number; readonly perSecond: number };
  readonly requests: { readonly count: number; readonly seconds: number; readonly perSecond: number };
}

/** One fleet size, measured in this process (the child). */
async function measureSize(pairs: number, requestsPerPhone: number): Promise<SizeResult> {
  const sodium = await sodiumReady();
  const dir = mkdtempSync(join(os.tmpdir(), 'plushlink-bench-fleet-'));
  const air = new Air({ seed: 5 });
  const radio = { kind: 'virtual' as const, air };
  global.gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const toys: ToyFirmware[] = [];
  for (let i = 0; i < pairs; i++) {
    const firmware = await ToyFirmware.boot({ dir: join(dir, `toy-${i}`), capacityBytes: 1024 * 1024 });
    await ToyGattServer.start(loadBleno(radio, { name: `toy-${i}` }).bleno, firmware);
    toys.push(firmware);
  }
  const phones: ToyClient[] = [];
  for (let i = 0; i < pairs; i++) phones.push(await ToyClient.create({ radio, store: MemoryPhoneStore.create(sodium), label: `phone-${i}` }));
  const setUpSeconds = (performance.now() - t0) / 1000;
  global.gc?.();
  const after = process.memoryUsage();
  const devices = 2 * pairs;

  for (const toy of toys) await toy.pawPress();
  const t1 = performance.now();
  const sessions: ToySession[] = await Promise.all(
    phones.map(async (phone, i) => {
      const toy = toys[i]!;
      const paired = new Promise((resolve) => toy.once('paired', resolve));
      const session = await phone.pair(toy.identity.toyId, { code: toy.identity.code }, { timeoutMs: 120_000 });
      await paired;
      return session;
    }),
  );
  const pairingSeconds = (performance.now() - t1) / 1000;

  const t2 = performance.now();
  await Promise.all(
    sessions.map(async (session) => {
      for (let r = 0; r < requestsPerPhone; r++) await session.status();
    }),
  );
  const requestSeconds = (performance.now() - t2) / 1000;
  const count = pairs * requestsPerPhone;

  await Promise.all(sessions.map((s) => s.disconnect()));
  air.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    devices,
    toys: pairs,
    phones: pairs,
    setUpSeconds: round(setUpSeconds),
    memoryPerDeviceMB: { rss: mb((after.rss - before.rss) / devices), heapUsed: mb((after.heapUsed - before.heapUsed) / devices), external: mb((after.external - before.external) / devices) },
    pairing: { seconds: round(pairingSeconds), perSecond: round(pairs / pairingSeconds, 1) },
    requests: { count, seconds: round(requestSeconds), perSecond: round(count / requestSeconds, 1) },
  };
}

async function main(): Promise<void> {
  const child = arg('child', '');
  const requests = Number(arg('requests', '5'));
  if (child !== '') {
    process.stdout.write(`${JSON.stringify(await measureSize(Number(child) / 2, requests))}\n`);
    process.exit(0);
  }
  const sizes = arg('sizes', '100,400,1000').split(',').map(Number);
  const results: SizeResult[] = [];
  for (const devices of sizes) {
    process.stderr.write(`fleet of ${devices} devices...\n`);
    const out = execFileSync(process.execPath, ['--expose-gc', require.resolve('tsx/cli'), __filename, '--child', String(devices), '--requests', String(requests)], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
    results.push(JSON.parse(out.trim().split('\n').pop()!) as SizeResult);
  }
  const largest = results[results.length - 1]!;
  const goal = (measured: number, bound: number, kind: 'max' | 'min') => ({ measured, goal: `${kind === 'max' ? '<' : '>='} ${bound}`, met: kind === 'max' ? measured < bound : measured >= bound });
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'fleet (one air, one process, fast clock)',
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadavg: os.loadavg().map((l) => round(l)) },
        goals: {
          devices: { measured: largest.devices, goal: '1000 (500 toys, 500 phones)', met: largest.devices >= 1000 },
          memoryPerDeviceMB: goal(largest.memoryPerDeviceMB.rss, 1, 'max'),
          pairingsPerSecond: goal(largest.pairing.perSecond, 100, 'min'),
        },
        sizes: results,
        notes: [
          'Each size runs in its own child process (node --expose-gc), so memory is measured from a clean start: resident and JS heap growth after every toy is booted (flash folder, bleno, GATT server, advertising) and every phone is up (noble), divided by toys + phones.',
          'pairing: every phone pairs with its own toy (paw pressed first), all at once over the one air; requests: every phone asks its toy for status over its Noise session, one request at a time per phone, all phones at once.',
          'Not measured here: a fleet spread over several processes on one air over TCP (radio/h4-tcp-server.ts).',
        ],
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
