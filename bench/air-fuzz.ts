// Benchmark of the air fuzz targets: inputs per second of `air-toy` and `air-toy-mutants` through
// the fuzz runner's own campaign (fast-check, the reset world, the real noble and bleno on the
// virtual radio), beside the goal of issue 16 (10k and 2k per second on an unloaded machine).
// The machine may be shared: the load average is printed, and so is the rate per CPU-second of
// this process, which a busy neighbour changes far less than the wall-clock rate.
// Prints one JSON object. Run: npm run bench:air-fuzz [-- --runs N --mutant-runs M --seed S]
import os from 'node:os';
import { resetCounts } from '../test/fuzz/air-world';
import { runCampaign } from '../test/fuzz/campaign';
import { AIR_GOALS, airTargets, disposeAirWorld } from '../test/fuzz/targets/air-toy';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

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
    const result = await runCampaign(target, { runs: runs[name], seed });
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
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
        note: 'inputsPerCpuSecond counts this process’s CPU time (its GC threads included): close to what an unloaded machine gives',
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
