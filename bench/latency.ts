// Fast-clock latency, phase by phase, with the CPU each phase used beside its wall time (wall well
// above CPU means waiting: timers, or the process being descheduled on a shared machine): a toy
// powered on (its bleno stack loaded and initialised, advertising) to the phone's first GATT read,
// and a bonded phone reconnecting (discovery, GATT set-up, Noise KK) to a toy on the firmware
// simulator. Also the same reconnects under V8's sampling profiler, to show what profiling costs.
// Prints one JSON object. Run: npm run bench:latency [-- --runs N]
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
import { loadBleno, loadNoble } from '../radio/loaders';
import { find, poweredOn, READ_CHAR, SERVICE, startPeripheral } from '../radio/self-test';
import { fractions, profiled } from './e2e-attribution';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const round = (x: number): number => Math.round(x * 100) / 100;
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall and CPU milliseconds of each named phase, in order. */
interface PhaseTime {
  phase: string;
  wallMs: number;
  cpuMs: number;
  /** Times the kernel took the CPU away from this process (being descheduled, not waiting on a timer). */
  preempted: number;
}

class Phases {
  private readonly rows: PhaseTime[] = [];
  private wall = performance.now();
  private cpu = process.cpuUsage();
  private switches = process.resourceUsage().involuntaryContextSwitches;

  mark(phase: string): void {
    const used = process.cpuUsage(this.cpu);
    const now = performance.now();
    const switches = process.resourceUsage().involuntaryContextSwitches;
    this.rows.push({ phase, wallMs: now - this.wall, cpuMs: (used.user + used.system) / 1000, preempted: switches - this.switches });
    this.wall = now;
    this.cpu = process.cpuUsage();
    this.switches = switches;
  }

  get list(): readonly PhaseTime[] {
    return this.rows;
  }
}

/** Medians per phase over several runs, and of the totals. */
function summarise(runs: readonly (readonly PhaseTime[])[]) {
  const phases = runs[0]!.map((p) => p.phase);
  const total = (r: readonly { wallMs: number; cpuMs: number }[], key: 'wallMs' | 'cpuMs'): number => r.reduce((n, p) => n + p[key], 0);
  return {
    totalWallMs: round(median(runs.map((r) => total(r, 'wallMs')))),
    totalCpuMs: round(median(runs.map((r) => total(r, 'cpuMs')))),
    phases: phases.map((phase, i) => ({ phase, wallMs: round(median(runs.map((r) => r[i]!.wallMs))), cpuMs: round(median(runs.map((r) => r[i]!.cpuMs))), preempted: median(runs.map((r) => r[i]!.preempted)) })),
    runs: runs.map((r) => ({ wallMs: round(total(r, 'wallMs')), cpuMs: round(total(r, 'cpuMs')), preempted: r.reduce((n, p) => n + p.preempted, 0) })),
  };
}

async function firstRead(runs: number) {
  const results: (readonly PhaseTime[])[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const air = new Air({ seed: 3 + i });
    const radio = { kind: 'virtual' as const, air };
    const { noble } = loadNoble(radio, { name: 'phone' });
    await poweredOn(noble);
    const phases = new Phases();
    const { bleno } = loadBleno(radio, { name: 'toy' });
    phases.mark('load the toy\'s bleno (fresh module instance)');
    await startPeripheral(bleno, 'Latency', Buffer.from('ready'));
    phases.mark('bleno init over HCI, GATT services, advertising');
    const peripheral = await find(noble, 'Latency');
    phases.mark('phone scan: advert and scan response');
    await peripheral.connectAsync();
    phases.mark('connect');
    const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], [READ_CHAR]);
    phases.mark('GATT discovery (MTU exchange, services, characteristics)');
    await characteristics[0]!.readAsync();
    phases.mark('first read');
    air.close();
    if (i > 0) results.push(phases.list); // run 0 warms up the JIT and the module cache
  }
  return summarise(results);
}

async function reconnects(runs: number) {
  const sodium = await sodiumReady();
  const dir = mkdtempSync(join(os.tmpdir(), 'plushlink-bench-latency-'));
  const air = new Air({ seed: 9 });
  const radio = { kind: 'virtual' as const, air };
  const firmware = await ToyFirmware.boot({ dir, capacityBytes: 4 * 1024 * 1024 });
  await ToyGattServer.start(loadBleno(radio, { name: 'toy' }).bleno, firmware);
  const phone = await ToyClient.create({ radio, store: MemoryPhoneStore.create(sodium), label: 'latency' });
  await firmware.pawPress();
  const paired = new Promise((resolve) => firmware.once('paired', resolve));
  let session: ToySession = await phone.pair(firmware.identity.toyId, { code: firmware.identity.code });
  await paired;
  await session.disconnect();
  const toyId = firmware.identity.toyId;
  const results: (readonly PhaseTime[])[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const phases = new Phases();
    session = await phone.connect(toyId);
    phases.mark('reconnect: scan, connect, GATT set-up, Noise KK');
    await session.disconnect();
    phases.mark('disconnect');
    if (i >= 2) results.push(phases.list);
  }
  const unprofiled = summarise(results);
  const t0 = performance.now();
  const { attribution } = await profiled(async () => {
    for (let i = 0; i < runs; i++) {
      session = await phone.connect(toyId);
      await session.disconnect();
    }
  });
  const profiledMs = (performance.now() - t0) / runs;
  air.close();
  rmSync(dir, { recursive: true, force: true });
  return { unprofiled, underProfiler: { reconnectAndDisconnectMs: round(profiledMs), share: fractions(attribution) } };
}

async function main(): Promise<void> {
  const runs = arg('runs', 7);
  const again = await reconnects(runs);
  const first = await firstRead(runs);
  const result = {
    benchmark: 'latency (fast clock)',
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadavg: os.loadavg().map(round) },
    runs,
    // Wall time is what the goal is about; CPU time is what this machine's load cannot inflate.
    goals: {
      firstGattReadAfterPowerOn: {
        measuredWallMs: round(first.totalWallMs - first.phases[0]!.wallMs),
        measuredCpuMs: round(first.totalCpuMs - first.phases[0]!.cpuMs),
        goal: '<= 10 ms',
        met: first.totalWallMs - first.phases[0]!.wallMs <= 10,
        note: "from the toy's stack starting its HCI init (its module already loaded) to the value read by a phone already scanning-ready",
      },
      reconnect: {
        measuredWallMs: again.unprofiled.phases[0]!.wallMs,
        measuredCpuMs: again.unprofiled.phases[0]!.cpuMs,
        goal: '<= 10 ms',
        met: again.unprofiled.phases[0]!.wallMs <= 10,
      },
    },
    notes: [
      'Medians over the runs (after warm-up). Wall well above CPU in a phase means the process waited: on this shared machine that is being descheduled, as no timer lies on these paths (wall equals CPU when the machine is quiet).',
      'Reconnect wall time varies from run to run between its CPU time and three times it on this shared machine, with the CPU time steady: no timer lies on the path and no flash write (fsync) happens on a reconnect, so the gap is taken to be the process waiting for a CPU; compare CPU times across runs.',
      'underProfiler: the same reconnects under the in-process sampling profiler (bench/e2e-attribution.ts): it multiplies their time and its own work lands in "node_internals"; compare shares within a profile, never times with and without it.',
    ],
    firstRead: first,
    reconnect: again,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
