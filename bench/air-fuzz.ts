// Benchmark of the air fuzz targets: inputs per second of `air-toy` and `air-toy-mutants` through
// the fuzz runner's own campaign (fast-check, the reset world, the real noble and bleno on the
// virtual radio), beside the goal of issue 16 (10k and 2k per second on an unloaded machine).
// The machine may be shared: the load average is printed, and so are the rates per CPU-second of
// this process and of its main thread, which a busy neighbour changes far less than the
// wall-clock rate. The main thread runs the event loop, which these targets keep busy: on an
// unloaded machine its CPU time is the wall time, so its rate is what such a machine gives.
// Prints one JSON object. Run: npm run bench:air-fuzz [-- --runs N --mutant-runs M --seed S]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resetCounts } from '../test/fuzz/air-world';
import { runCampaign } from '../test/fuzz/campaign';
import { AIR_GOALS, airTargets, disposeAirWorld } from '../test/fuzz/targets/air-toy';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** CPU seconds of the main thread so far (Linux: /proc; undefined elsewhere). */
function mainThreadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const seed = arg('seed', 7);
  const runs: Record<keyof typeof AIR_GOALS, number> = { 'air-toy': arg('runs', 30_000), 'air-toy-mutants': arg('mutant-runs', 8_000) };
  const loadBefore = os.loadavg()[0]!;
  const results = [];
  for (const target of airTargets()) {
    const name = target.name as keyof typeof AIR_GOALS;
    await target.prepare?.();
    const resetsBefore = { ...resetCounts };
    const cpu = process.cpuUsage();
    const mainBefore = mainThreadCpuSeconds();
    const result = await runCampaign(target, { runs: runs[name], seed });
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    const mainAfter = mainThreadCpuSeconds();
    const mainSeconds = mainBefore === undefined || mainAfter === undefined ? undefined : mainAfter - mainBefore;
    const goal = AIR_GOALS[name];
    results.push({
      target: name,
      inputs: result.runs,
      failed: result.failure !== undefined,
      seconds: round(result.seconds),
      inputsPerSecond: Math.round(result.execsPerSecond),
      goalInputsPerSecond: goal,
      ratioToGoal: round(result.execsPerSecond / goal),
      inputsPerCpuSecond: Math.round(result.executions / cpuSeconds),
      cpuRatioToGoal: round(result.executions / cpuSeconds / goal),
      inputsPerMainThreadCpuSecond: mainSeconds ? Math.round(result.executions / mainSeconds) : null,
      mainThreadRatioToGoal: mainSeconds ? round(result.executions / mainSeconds / goal) : null,
      resets: Object.fromEntries(Object.entries(resetCounts).map(([kind, n]) => [kind, n - resetsBefore[kind as keyof typeof resetCounts]])),
    });
  }
  await disposeAirWorld();
  process.stdout.write(
    `${JSON.stringify(
      {
        bench: 'air-fuzz',
        seed,
        machine: { cpus: os.cpus().length, loadAverage1mBefore: round(loadBefore), loadAverage1mAfter: round(os.loadavg()[0]!), node: process.version },
        note: 'inputsPerCpuSecond counts the whole process (GC threads included); inputsPerMainThreadCpuSecond the event loop’s thread alone, which is what bounds the wall-clock rate on an unloaded machine',
        targets: results,
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
