// `npm run fuzz -- --target NAME|all --runs N --seed S [--time SECONDS] [--path P]`: long fuzz
// campaigns. Progress (executions, execs/s) goes to stderr every second; a JSON summary (per
// target: runs, executions, seconds, execs/s, peak heap, failure) to stdout. A failure prints
// its seed, path and counterexample, is saved to the regression corpus, and makes the exit
// status 1. `--list` prints the targets.
import fc from 'fast-check';
import { type CampaignResult, runCampaign } from './campaign';
import { saveEntry } from './corpus';
import { loadTargets } from './targets';

interface Args {
  readonly targets: string;
  readonly runs: number;
  readonly seed: number;
  readonly time?: number;
  readonly path?: string;
  readonly list: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const number = (flag: string): number | undefined => {
    const v = value(flag);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${flag} ${v} is not a number`);
    return n;
  };
  const known = new Set(['--target', '--runs', '--seed', '--time', '--path', '--list']);
  argv.forEach((a) => {
    if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a}`);
  });
  const time = number('--time');
  const path = value('--path');
  return {
    targets: value('--target') ?? 'all',
    runs: number('--runs') ?? (time !== undefined ? Number.MAX_SAFE_INTEGER : 10_000),
    // A seed that fits fast-check's 32-bit generator, printed so any campaign can be rerun.
    seed: number('--seed') ?? (Date.now() ^ (Math.random() * 2 ** 31)) | 0,
    ...(time !== undefined && { time }),
    ...(path !== undefined && { path }),
    list: argv.includes('--list'),
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  let unhandled: unknown;
  process.on('unhandledRejection', (reason) => {
    unhandled = reason;
    process.stderr.write(`unhandled rejection: ${String(reason)}\n`);
  });
  const all = await loadTargets();
  if (args.list) {
    for (const t of all) process.stdout.write(`${t.name.padEnd(26)} ${t.description}\n`);
    return 0;
  }
  const wanted = args.targets === 'all' ? all : args.targets.split(',').map((name) => {
    const t = all.find((x) => x.name === name);
    if (!t) throw new Error(`no target "${name}"; try --list`);
    return t;
  });
  process.stderr.write(`fuzz seed ${args.seed}\n`);
  const results: CampaignResult[] = [];
  for (const target of wanted) {
    const result = await runCampaign(target, {
      runs: args.runs,
      seed: args.seed,
      ...(args.path !== undefined && { path: args.path }),
      ...(args.time !== undefined && { timeLimitMs: args.time * 1000 }),
      onProgress: (p) => process.stderr.write(`[${target.name}] ${p.executions} execs in ${p.seconds.toFixed(0)} s, ${Math.round(p.execsPerSecond)} execs/s\n`),
    });
    results.push(result);
    const f = result.failure;
    process.stderr.write(`[${target.name}] ${f ? 'FAILED' : 'ok'}: ${result.runs} runs, ${Math.round(result.execsPerSecond)} execs/s\n`);
    if (f) {
      const file = saveEntry({ target: target.name, note: f.error.split('\n')[0] ?? 'failure', seed: f.seed, path: f.path, input: f.input });
      process.stderr.write(
        `\n[${target.name}] counterexample (seed ${f.seed}, path "${f.path}"):\n  ${fc.stringify(f.input)}\n${f.error}\n` +
          `replay: npm run fuzz -- --target ${target.name} --seed ${f.seed} --path ${f.path}\nsaved to ${file}\n\n`,
      );
    }
  }
  const summary = {
    seed: args.seed,
    totalExecutions: results.reduce((n, r) => n + r.executions, 0),
    targets: results.map((r) => ({
      target: r.target,
      runs: r.runs,
      executions: r.executions,
      seconds: Number(r.seconds.toFixed(2)),
      execsPerSecond: Math.round(r.execsPerSecond),
      peakHeapMB: r.peakHeapMB,
      failures: r.failure ? 1 : 0,
    })),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return results.some((r) => r.failure) || unhandled !== undefined ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);
