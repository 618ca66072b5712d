// Fleet benchmark: many toys and phones on one air (fast clock), in one process and spread over
// several processes joining the air over TCP. For each fleet size, in a fresh child process so
// memory figures start clean: memory per device (resident and
// JS heap, after every toy is booted and advertising and every phone is up), pairings per second
// (every phone pairs with its own toy, all at once), and session requests per second (every
// phone asks its toy's status over the Noise session, all at once), so the JSON shows how each
// grows with the device count. Beside the pairing rate: the CPU each pairing took in the fleet,
// the CPU of the pairing protocol alone (CPace + Noise, both sides, no radio), and the rates
// those allow on this machine's cores, which bound what any fleet run here can reach.
// Prints one JSON object, each figure with its goal.
// Run: npm run bench:fleet [-- --sizes 100,400,1000 --requests 5 --processes 2 --spread 1000 --profile DIR]   (devices = toys + phones)
// --profile DIR writes each size's pairing phase as a V8 CPU profile (DIR/fleet-N.cpuprofile,
// for Chrome DevTools or speedscope) and adds where its CPU went to the JSON.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session as InspectorSession } from 'node:inspector/promises';
import os from 'node:os';
import { join } from 'node:path';
import { MemoryPhoneStore } from '../client/phone-store';
import { ToyClient } from '../client/toy-client';
import type { ToySession } from '../client/toy-session';
import { ToyFirmware } from '../firmware-sim/firmware';
import { ToyGattServer } from '../firmware-sim/gatt-server';
import { type Sodium, sodiumReady } from '../pairing/sodium';
import { Air } from '../radio/air';
import { serveH4OverTcp } from '../radio/h4-tcp-server';
import { loadBleno, type Radio } from '../radio/loaders';
import { poweredOn } from '../radio/self-test';
import { MemoryBondStore } from '../pairing/bond';
import type { Connection } from '../pairing/connection';
import { generatePartyKeys, provisionToy } from '../pairing/identity';
import { PhoneConnection } from '../pairing/phone';
import { Toy } from '../pairing/toy';
import { attribute, fractions, type Attribution } from './e2e-attribution';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
const mb = (bytes: number): number => round(bytes / 2 ** 20);

/**
 * Where the toys' flash folders live: on tmpfs when the machine has one. Each real toy writes its
 * own flash chip, in parallel with every other toy; here hundreds of toys would queue their fsyncs
 * on one host disk, on the one thread they share, and the figure would be the disk's. The flash
 * model still makes every file and system call (write, fsync, rename, read-back check).
 */
const FLASH_ROOT = arg('flash-root', existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());

/**
 * The toys' handshake timeout is wall time on the fast clock, and here hundreds of toys and phones
 * share a core: a handshake of a few milliseconds of CPU waits behind every other one started at
 * the same moment. The toys allow as long as the phones' pairing timeout.
 */
const HANDSHAKE_TIMEOUT_MS = 300_000;

/** CPU milliseconds (user + system) this process has used. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface SizeResult {
  readonly devices: number;
  readonly toys: number;
  readonly phones: number;
  readonly setUpSeconds: number;
  readonly memoryPerDeviceMB: Memory & { readonly goal: string; readonly met: boolean };
  readonly pairing: {
    readonly seconds: number;
    readonly perSecond: number;
    readonly goal: string;
    readonly met: boolean;
    /** CPU of the process (all toys, phones and the air; every thread, GC and libuv helpers too) per pairing. */
    readonly cpuMsPerPairing: number;
    /** Pairings per second of CPU: the rate one unshared core gives this fleet. */
    readonly perCpuSecond: number;
    /** With --profile: the pairing phase's CPU by part (fractions). */
    readonly cpuShares?: Record<string, number>;
  };
  readonly requests: { readonly count: number; readonly seconds: number; readonly perSecond: number; readonly cpuMsPerRequest: number };
}

interface PairingTimes {
  readonly pairingSeconds: number;
  readonly pairingCpuMs: number;
  readonly attribution?: Attribution;
}

interface RequestTimes {
  readonly requestSeconds: number;
  readonly requestCpuMs: number;
}

type Times = PairingTimes & RequestTimes;

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}

const MEMORY_GOAL_MB = 1;
const PAIRINGS_GOAL = 100;

interface Fleet {
  readonly toys: ToyFirmware[];
  readonly phones: ToyClient[];
  readonly setUpSeconds: number;
  readonly memoryPerDeviceMB: Memory;
  close(): void;
}

/** Boots `pairs` toys and as many phones on `radio`; memory is the growth per device. */
async function buildFleet(radio: Radio, pairs: number): Promise<Fleet> {
  const sodium = await sodiumReady();
  const dir = mkdtempSync(join(FLASH_ROOT, 'plushlink-bench-fleet-'));
  // A run that fails still leaves no flash folders behind (on tmpfs they hold memory).
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  global.gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const toys: ToyFirmware[] = [];
  for (let i = 0; i < pairs; i++) {
    const firmware = await ToyFirmware.boot({ dir: join(dir, `toy-${i}`), capacityBytes: 1024 * 1024, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
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
    close: () => {
      process.removeListener('exit', removeDir);
      removeDir();
    },
  };
}

/** Every phone pairs with its own toy, all at once (real pairings: CPace + Noise over the air). */
async function pairAll(fleet: Fleet, profilePath?: string): Promise<{ sessions: ToySession[]; times: PairingTimes }> {
  const profiler = profilePath ? await startProfiler() : undefined;
  const c1 = cpuMs();
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
  const pairingCpuMs = cpuMs() - c1;
  const profile = await profiler?.stop();
  if (profile && profilePath) writeFileSync(profilePath, JSON.stringify(profile));
  return { sessions, times: { pairingSeconds, pairingCpuMs, ...(profile ? { attribution: attribute(profile) } : {}) } };
}

/** Every phone asks its toy for status `requestsPerPhone` times over its session, all phones at once; then hangs up. */
async function requestAll(sessions: readonly ToySession[], requestsPerPhone: number): Promise<RequestTimes> {
  const c2 = cpuMs();
  const t2 = performance.now();
  await Promise.all(
    sessions.map(async (session) => {
      for (let r = 0; r < requestsPerPhone; r++) await session.status();
    }),
  );
  const requestSeconds = (performance.now() - t2) / 1000;
  const requestCpuMs = cpuMs() - c2;
  await Promise.all(sessions.map((s) => s.disconnect()));
  return { requestSeconds, requestCpuMs };
}

type Profile = Parameters<typeof attribute>[0];

/** V8's sampling profiler over this process (100 µs), started now. */
async function startProfiler(): Promise<{ stop(): Promise<Profile> }> {
  const session = new InspectorSession();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
      session.disconnect();
      return profile;
    },
  };
}

function sizeResult(pairs: number, requestsPerPhone: number, setUp: { setUpSeconds: number; memoryPerDeviceMB: Memory }, times: Times): SizeResult {
  const count = pairs * requestsPerPhone;
  const cpuMsPerPairing = times.pairingCpuMs / pairs;
  return {
    devices: 2 * pairs,
    toys: pairs,
    phones: pairs,
    setUpSeconds: setUp.setUpSeconds,
    memoryPerDeviceMB: { ...setUp.memoryPerDeviceMB, goal: `rss < ${MEMORY_GOAL_MB}`, met: setUp.memoryPerDeviceMB.rss < MEMORY_GOAL_MB },
    pairing: {
      seconds: round(times.pairingSeconds),
      perSecond: round(pairs / times.pairingSeconds, 1),
      goal: `>= ${PAIRINGS_GOAL}`,
      met: pairs / times.pairingSeconds >= PAIRINGS_GOAL,
      cpuMsPerPairing: round(cpuMsPerPairing),
      perCpuSecond: round(1000 / cpuMsPerPairing, 1),
      ...(times.attribution ? { cpuShares: fractions(times.attribution) } : {}),
    },
    requests: { count, seconds: round(times.requestSeconds), perSecond: round(count / times.requestSeconds, 1), cpuMsPerRequest: round(times.requestCpuMs / count, 3) },
  };
}

/** One fleet size, all in this process (the child). */
async function measureSize(pairs: number, requestsPerPhone: number, profileDir: string): Promise<SizeResult> {
  const air = new Air({ seed: 5 });
  const fleet = await buildFleet({ kind: 'virtual', air }, pairs);
  const paired = await pairAll(fleet, profileDir ? join(profileDir, `fleet-${2 * pairs}.cpuprofile`) : undefined);
  const requested = await requestAll(paired.sessions, requestsPerPhone);
  air.close();
  fleet.close();
  return sizeResult(pairs, requestsPerPhone, fleet, { ...paired.times, ...requested });
}

/** Carries frames between two sans-IO connections until both are quiet. */
function converse(phone: Connection, toy: Connection, first: Uint8Array): void {
  let queue: { to: Connection; frame: Uint8Array }[] = [{ to: toy, frame: first }];
  while (queue.length > 0) {
    const next: typeof queue = [];
    for (const { to, frame } of queue) {
      const out = to.receive(frame, 0);
      for (const e of out.events) if (e.type === 'rejected') throw e.error;
      for (const reply of out.send) next.push({ to: to === toy ? phone : toy, frame: reply });
    }
    queue = next;
  }
}

/**
 * The pairing protocol's own CPU: full pairings (CPace + Noise XXpsk3, both sides, the toy's bond
 * stored in memory) run back to back with no radio, no stacks and no flash. Provisioning the toy
 * and the phone's keys is set-up, not timed.
 */
function protocolCpuMsPerPairing(sodium: Sodium, runs: number): number {
  let spent = 0;
  for (let i = 0; i < runs; i++) {
    const identity = provisionToy(sodium);
    const keys = generatePartyKeys(sodium);
    const toy = new Toy(sodium, { identity, bonds: new MemoryBondStore() });
    toy.powerOn(0);
    toy.pawPress(0);
    const c0 = cpuMs();
    const { connection, frame } = PhoneConnection.pair(sodium, { keys, toyId: identity.toyId, code: identity.code, label: 'bench' });
    converse(connection, toy.connect(), frame);
    spent += cpuMs() - c0;
  }
  return spent / runs;
}

/**
 * A worker of a multi-process fleet: builds its share on the remote air, says "ready" with its
 * memory; pairs when the parent writes a line and prints its times; asks for status when it
 * writes another and prints those.
 */
async function worker(pairs: number, air: string, requestsPerPhone: number): Promise<void> {
  const fleet = await buildFleet({ kind: 'remote', air }, pairs);
  const nextLine = lineReader();
  process.stdout.write(`${JSON.stringify({ ready: true, setUpSeconds: fleet.setUpSeconds, memoryPerDeviceMB: fleet.memoryPerDeviceMB })}\n`);
  await nextLine();
  const { sessions, times } = await pairAll(fleet);
  process.stdout.write(`${JSON.stringify(times)}\n`);
  await nextLine();
  process.stdout.write(`${JSON.stringify(await requestAll(sessions, requestsPerPhone))}\n`);
  fleet.close();
  process.exit(0);
}

/** Resolves with each line written to stdin, in order. */
function lineReader(): () => Promise<void> {
  let pending = 0;
  const waiting: (() => void)[] = [];
  let buffer = '';
  process.stdin.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      buffer = buffer.slice(nl + 1);
      const next = waiting.shift();
      if (next) next();
      else pending++;
    }
  });
  return () =>
    new Promise<void>((resolve) => {
      if (pending > 0) {
        pending--;
        resolve();
      } else waiting.push(resolve);
    });
}

interface SpreadResult extends SizeResult {
  readonly processes: number;
  /** CPU of the process serving the air (relaying every packet over TCP) per pairing. */
  readonly airProcessCpuMsPerPairing: number;
}

/** The same fleet spread over `processes` workers on one air this process serves over TCP. */
async function measureSpread(devices: number, processes: number, requestsPerPhone: number): Promise<SpreadResult> {
  const air = new Air({ seed: 6 });
  const server = await serveH4OverTcp(air);
  const pairs = Math.floor(devices / 2 / processes);
  const workers = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['--expose-gc', require.resolve('tsx/cli'), __filename, '--worker', String(pairs), '--air', server.airSpec, '--requests', String(requestsPerPhone), '--flash-root', FLASH_ROOT], {
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
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
  const all = async <T>(): Promise<T[]> => (await Promise.all(lines.map((next) => next()))).map((l) => parse<T>(l));
  const ready = await all<{ setUpSeconds: number; memoryPerDeviceMB: Memory }>();
  const c0 = cpuMs();
  for (const w of workers) w.stdin!.write('pair\n');
  const paired = await all<PairingTimes>();
  const airCpuMs = cpuMs() - c0;
  for (const w of workers) w.stdin!.write('request\n');
  const requested = await all<RequestTimes>();
  await server.close();
  air.close();
  const mean = (f: (r: (typeof ready)[number]) => number): number => round(ready.reduce((n, r) => n + f(r), 0) / ready.length);
  const sum = <T>(list: readonly T[], f: (t: T) => number): number => list.reduce((n, t) => n + f(t), 0);
  return {
    processes,
    ...sizeResult(
      pairs * processes,
      requestsPerPhone,
      { setUpSeconds: Math.max(...ready.map((r) => r.setUpSeconds)), memoryPerDeviceMB: { rss: mean((r) => r.memoryPerDeviceMB.rss), heapUsed: mean((r) => r.memoryPerDeviceMB.heapUsed), external: mean((r) => r.memoryPerDeviceMB.external) } },
      // Pairing ends when the slowest worker's last phone has paired; requests likewise. CPU is
      // every worker's plus the air process's.
      {
        pairingSeconds: Math.max(...paired.map((d) => d.pairingSeconds)),
        pairingCpuMs: sum(paired, (d) => d.pairingCpuMs) + airCpuMs,
        requestSeconds: Math.max(...requested.map((d) => d.requestSeconds)),
        requestCpuMs: sum(requested, (d) => d.requestCpuMs),
      },
    ),
    airProcessCpuMsPerPairing: round(airCpuMs / (pairs * processes)),
  };
}

/** largest / smallest, and the exponent k in figure ~ devices^k between them (0: flat per device or pairing). */
function growth(first: SizeResult, last: SizeResult, figure: (r: SizeResult) => number): { readonly ratio: number; readonly exponent: number } {
  const ratio = figure(last) / figure(first);
  return { ratio: round(ratio), exponent: round(Math.log(ratio) / Math.log(last.devices / first.devices)) };
}

async function main(): Promise<void> {
  const child = arg('child', '');
  const requests = Number(arg('requests', '5'));
  const profileDir = arg('profile', '');
  const workerPairs = arg('worker', '');
  if (workerPairs !== '') return worker(Number(workerPairs), arg('air', ''), requests);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  if (child !== '') {
    process.stdout.write(`${JSON.stringify(await measureSize(Number(child) / 2, requests, profileDir))}\n`);
    process.exit(0);
  }
  const sizes = arg('sizes', '100,400,1000').split(',').map(Number);
  const results: SizeResult[] = [];
  for (const devices of sizes) {
    process.stderr.write(`fleet of ${devices} devices...\n`);
    const args = ['--expose-gc', require.resolve('tsx/cli'), __filename, '--child', String(devices), '--requests', String(requests), '--flash-root', FLASH_ROOT, ...(profileDir ? ['--profile', profileDir] : [])];
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
    results.push(JSON.parse(out.trim().split('\n').pop()!) as SizeResult);
  }
  const processes = Number(arg('processes', '2'));
  const spreadDevices = Number(arg('spread', String(sizes[sizes.length - 1])));
  process.stderr.write(`fleet of ${spreadDevices} devices over ${processes} processes...\n`);
  const spread = await measureSpread(spreadDevices, processes, requests);
  process.stderr.write('the pairing protocol alone...\n');
  const sodium = await sodiumReady();
  protocolCpuMsPerPairing(sodium, 20); // warm-up: JIT and libsodium's first calls
  const protocolMs = protocolCpuMsPerPairing(sodium, Number(arg('protocol-pairings', '200')));
  const cores = os.cpus().length;
  const first = results[0]!;
  const largest = results[results.length - 1]!;
  const goal = (measured: number, bound: number, kind: 'max' | 'min') => ({ measured, goal: `${kind === 'max' ? '<' : '>='} ${bound}`, met: kind === 'max' ? measured < bound : measured >= bound });
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'fleet (one air, fast clock): one process, and spread over processes joining the air over TCP',
        machine: { cpus: cores, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadavg: os.loadavg().map((l) => round(l)) },
        goals: {
          devices: { measured: largest.devices, goal: '1000 (500 toys, 500 phones)', met: largest.devices >= 1000 },
          memoryPerDeviceMB: goal(largest.memoryPerDeviceMB.rss, MEMORY_GOAL_MB, 'max'),
          pairingsPerSecond: { ...goal(largest.pairing.perSecond, PAIRINGS_GOAL, 'min'), spreadOverProcesses: goal(spread.pairing.perSecond, PAIRINGS_GOAL, 'min') },
          messagesPerSecond: { measured: largest.requests.perSecond, spreadOverProcesses: spread.requests.perSecond, goal: 'none set: reported (status requests answered over the Noise session)' },
        },
        pairingBound: {
          cores,
          protocolCpuMsPerPairing: round(protocolMs, 3),
          protocolBoundPerSecond: round((cores * 1000) / protocolMs),
          fleetCpuMsPerPairing: largest.pairing.cpuMsPerPairing,
          oneCorePerSecond: round(1000 / largest.pairing.cpuMsPerPairing, 1),
          allCoresBoundPerSecond: round((cores * 1000) / largest.pairing.cpuMsPerPairing, 1),
          protocolShareOfFleetCpu: round(protocolMs / largest.pairing.cpuMsPerPairing),
        },
        growth: {
          devices: [first.devices, largest.devices],
          memoryPerDeviceRss: growth(first, largest, (r) => r.memoryPerDeviceMB.rss),
          cpuMsPerPairing: growth(first, largest, (r) => r.pairing.cpuMsPerPairing),
          pairingsPerSecond: growth(first, largest, (r) => r.pairing.perSecond),
          requestsPerSecond: growth(first, largest, (r) => r.requests.perSecond),
        },
        sizes: results,
        spreadOverProcesses: spread,
        notes: [
          'Each size runs in its own child process (node --expose-gc), so memory is measured from a clean start: resident and JS heap growth after every toy is booted (flash folder, bleno, GATT server, advertising) and every phone is up (noble), divided by toys + phones.',
          'pairing: every phone pairs with its own toy (paw pressed first), all at once over the one air: each a full CPace + Noise XXpsk3 pairing through noble, the virtual radio and bleno, with the bond written to the toy\'s flash. perSecond is pairings over wall time; cpuMsPerPairing is the process\'s CPU (user + system) over the pairings, perCpuSecond its inverse: what one unshared core gives, whatever else loads the machine.',
          'A phone looking for its toy has its controller filter advertisements on the toy\'s manufacturer data (radio/advertisement-monitor.ts, the Microsoft-defined HCI extension\'s LE_Monitor_Advertisement, as an OS does for an app scanning for one device), so it is not told of the other toys; a controller that cannot filter leaves it to the host.',
          `Toys keep their flash under ${FLASH_ROOT} (tmpfs where present: every toy has its own flash chip, and one host disk shared by every simulated toy is not a cost any toy pays); handshake timeout ${HANDSHAKE_TIMEOUT_MS / 1000} s, since hundreds of toys share a core.`,
          'pairingBound: protocolCpuMsPerPairing is the pairing protocol alone (pairing/, both sides, no radio, no stacks, no flash), so no fleet on this machine pairs faster than cores x 1000 / it per second; allCoresBoundPerSecond is what the fleet\'s whole CPU per pairing allows with every core busy, oneCorePerSecond with one core. CPU counts every thread of the process: its GC and libuv helper threads run on the other core beside the main thread, so one process on an idle machine can pair somewhat faster than oneCorePerSecond.',
          'requests: every phone asks its toy for status over its Noise session, one request at a time per phone, all phones at once (a request and its answer are a message each way).',
          'growth: largest size over smallest, and the exponent k in figure ~ devices^k (0 means the figure does not change with the fleet size).',
          'spreadOverProcesses: the largest fleet again, its toys and phones split over worker processes that join one air this process serves over TCP (radio/h4-tcp-server.ts); each worker pairs its own phones with its own toys, all workers starting together; memory is the mean per device of the workers, rates use the slowest worker, CPU is every worker\'s plus the air process\'s.',
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
