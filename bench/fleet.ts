// Fleet benchmark: many toys and phones on one air (fast clock), in one process and spread over
// several processes joining the air over TCP. For each fleet size, in a fresh child process so
// memory figures start clean: memory per device (resident and
// JS heap, after every toy is booted and advertising and every phone is up), pairings per second
// (every phone pairs with its own toy, all at once), and session requests per second (every
// phone asks its toy's status over the Noise session, all at once), so the JSON shows how each
// grows with the device count. Prints one JSON object.
// Run: npm run bench:fleet [-- --sizes 100,400,1000 --requests 5 --processes 4 --spread 1000]   (devices = toys + phones)
import { execFileSync, spawn } from 'node:child_process';
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
import { serveH4OverTcp } from '../radio/h4-tcp-server';
import { loadBleno, type Radio } from '../radio/loaders';
import { poweredOn } from '../radio/self-test';

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

interface Fleet {
  readonly toys: ToyFirmware[];
  readonly phones: ToyClient[];
  readonly setUpSeconds: number;
  readonly memoryPerDeviceMB: SizeResult['memoryPerDeviceMB'];
  close(): void;
}

/** Boots `pairs` toys and as many phones on `radio`; memory is the growth per device. */
async function buildFleet(radio: Radio, pairs: number): Promise<Fleet> {
  const sodium = await sodiumReady();
  const dir = mkdtempSync(join(os.tmpdir(), 'plushlink-bench-fleet-'));
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
  for (let i = 0; i < pairs; i++) {
    const phone = await ToyClient.create({ radio, store: MemoryPhoneStore.create(sodium), label: `phone-${i}` });
    // Set-up includes the phone's stack initialising (over TCP it is not instant), so pairing
    // below measures pairing only.
    await poweredOn(phone.noble);
    phones.push(phone);
  }
  const setUpSeconds = (performance.now() - t0) / 1000;
  global.gc?.();
  const after = process.memoryUsage();
  const devices = 2 * pairs;
  for (const toy of toys) await toy.pawPress();
  return {
    toys,
    phones,
    setUpSeconds: round(setUpSeconds),
    memoryPerDeviceMB: { rss: mb((after.rss - before.rss) / devices), heapUsed: mb((after.heapUsed - before.heapUsed) / devices), external: mb((after.external - before.external) / devices) },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Every phone pairs with its own toy, all at once, then asks it for status `requests` times. */
async function exercise(fleet: Fleet, requestsPerPhone: number): Promise<{ pairingSeconds: number; requestSeconds: number }> {
  const t1 = performance.now();
  const sessions: ToySession[] = await Promise.all(
    fleet.phones.map(async (phone, i) => {
      const toy = fleet.toys[i]!;
      const paired = new Promise((resolve) => toy.once('paired', resolve));
      const session = await phone.pair(toy.identity.toyId, { code: toy.identity.code }, { timeoutMs: 300_000 });
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
  await Promise.all(sessions.map((s) => s.disconnect()));
  return { pairingSeconds, requestSeconds };
}

function sizeResult(pairs: number, requestsPerPhone: number, setUp: { setUpSeconds: number; memoryPerDeviceMB: SizeResult['memoryPerDeviceMB'] }, times: { pairingSeconds: number; requestSeconds: number }): SizeResult {
  const count = pairs * requestsPerPhone;
  return {
    devices: 2 * pairs,
    toys: pairs,
    phones: pairs,
    setUpSeconds: setUp.setUpSeconds,
    memoryPerDeviceMB: setUp.memoryPerDeviceMB,
    pairing: { seconds: round(times.pairingSeconds), perSecond: round(pairs / times.pairingSeconds, 1) },
    requests: { count, seconds: round(times.requestSeconds), perSecond: round(count / times.requestSeconds, 1) },
  };
}

/** One fleet size, all in this process (the child). */
async function measureSize(pairs: number, requestsPerPhone: number): Promise<SizeResult> {
  const air = new Air({ seed: 5 });
  const fleet = await buildFleet({ kind: 'virtual', air }, pairs);
  const times = await exercise(fleet, requestsPerPhone);
  air.close();
  fleet.close();
  return sizeResult(pairs, requestsPerPhone, fleet, times);
}

/**
 * A worker of a multi-process fleet: builds its share on the remote air, says "ready" with its
 * memory, starts when the parent writes a line, and prints its times.
 */
async function worker(pairs: number, air: string, requestsPerPhone: number): Promise<void> {
  const fleet = await buildFleet({ kind: 'remote', air }, pairs);
  process.stdout.write(`${JSON.stringify({ ready: true, setUpSeconds: fleet.setUpSeconds, memoryPerDeviceMB: fleet.memoryPerDeviceMB })}\n`);
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const times = await exercise(fleet, requestsPerPhone);
  fleet.close();
  process.stdout.write(`${JSON.stringify(times)}\n`);
  process.exit(0);
}

/** The same fleet spread over `processes` workers on one air this process serves over TCP. */
async function measureSpread(devices: number, processes: number, requestsPerPhone: number): Promise<SizeResult & { readonly processes: number; readonly wallSeconds: number }> {
  const air = new Air({ seed: 6 });
  const server = await serveH4OverTcp(air);
  const pairs = Math.floor(devices / 2 / processes);
  const workers = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['--expose-gc', require.resolve('tsx/cli'), __filename, '--worker', String(pairs), '--air', server.airSpec, '--requests', String(requestsPerPhone)], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const lines = workers.map((w) => {
    const queue: string[] = [];
    const waiting: ((line: string) => void)[] = [];
    let buffer = '';
    let errors = '';
    w.stderr!.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
    // A worker that dies must fail the benchmark, not leave it waiting for a line.
    w.on('exit', (code) => {
      for (const next of waiting.splice(0)) next(JSON.stringify({ workerExited: code, stderr: errors }));
      queue.push(JSON.stringify({ workerExited: code, stderr: errors }));
    });
    w.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const next = waiting.shift();
        if (next) next(line);
        else queue.push(line);
      }
    });
    return (): Promise<string> => new Promise((resolve) => (queue.length > 0 ? resolve(queue.shift()!) : waiting.push(resolve)));
  });
  const parse = <T>(line: string): T => {
    const value = JSON.parse(line) as T & { workerExited?: number; stderr?: string };
    if (value.workerExited !== undefined) throw new Error(`a fleet worker exited (${value.workerExited}):\n${value.stderr}`);
    return value;
  };
  const ready = (await Promise.all(lines.map((next) => next()))).map((l) => parse<{ setUpSeconds: number; memoryPerDeviceMB: SizeResult['memoryPerDeviceMB'] }>(l));
  const t0 = performance.now();
  for (const w of workers) w.stdin!.write('go\n');
  const done = (await Promise.all(lines.map((next) => next()))).map((l) => parse<{ pairingSeconds: number; requestSeconds: number }>(l));
  const wall = (performance.now() - t0) / 1000;
  await server.close();
  air.close();
  const mean = (f: (r: (typeof ready)[number]) => number): number => round(ready.reduce((n, r) => n + f(r), 0) / ready.length);
  return {
    processes,
    ...sizeResult(
      pairs * processes,
      requestsPerPhone,
      { setUpSeconds: Math.max(...ready.map((r) => r.setUpSeconds)), memoryPerDeviceMB: { rss: mean((r) => r.memoryPerDeviceMB.rss), heapUsed: mean((r) => r.memoryPerDeviceMB.heapUsed), external: mean((r) => r.memoryPerDeviceMB.external) } },
      // Pairing ends when the slowest worker's last phone has paired; requests likewise.
      { pairingSeconds: Math.max(...done.map((d) => d.pairingSeconds)), requestSeconds: Math.max(...done.map((d) => d.requestSeconds)) },
    ),
    wallSeconds: round(wall),
  };
}

async function main(): Promise<void> {
  const child = arg('child', '');
  const requests = Number(arg('requests', '5'));
  const workerPairs = arg('worker', '');
  if (workerPairs !== '') return worker(Number(workerPairs), arg('air', ''), requests);
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
  const processes = Number(arg('processes', '4'));
  const spreadDevices = Number(arg('spread', String(sizes[sizes.length - 1])));
  process.stderr.write(`fleet of ${spreadDevices} devices over ${processes} processes...\n`);
  const spread = await measureSpread(spreadDevices, processes, requests);
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
        spreadOverProcesses: spread,
        notes: [
          'Each size runs in its own child process (node --expose-gc), so memory is measured from a clean start: resident and JS heap growth after every toy is booted (flash folder, bleno, GATT server, advertising) and every phone is up (noble), divided by toys + phones.',
          'pairing: every phone pairs with its own toy (paw pressed first), all at once over the one air; requests: every phone asks its toy for status over its Noise session, one request at a time per phone, all phones at once.',
          'spreadOverProcesses: the largest fleet again, its toys and phones split over worker processes that join one air this process serves over TCP (radio/h4-tcp-server.ts); each worker pairs its own phones with its own toys, all workers starting together; memory is the mean per device of the workers, rates use the slowest worker.',
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
