// One fuzz run as the CLI and the tests drive it: plan this shard's units, share the budget out
// among them, run each campaign (measuring its coverage when asked), save every failure to the
// corpus, and return the summary. Progress and failure reports go to `log` (stderr in the CLI);
// nothing here writes to stdout, so the summary is the only thing there.
import { Budget } from './budget';
import { runCampaign } from './campaign';
import { CORPUS_DIR, saveEntry } from './corpus';
import { CoverageRecorder } from './coverage';
import { UsageError, type RunOptions } from './options';
import { planShard } from './shard';
import { failureRecord, type FailureRecord, type RunSummary, SUMMARY_FORMAT, type TargetRecord, targetRecord } from './summary';
import type { FuzzTarget } from './target';

export interface RunContext {
  readonly log: (line: string) => void;
  /** Unhandled rejections seen so far (the CLI collects them process-wide). */
  readonly unhandled: () => readonly string[];
  /** Started before the targets were loaded, so every loaded file is known (--coverage). */
  readonly coverage?: CoverageRecorder;
}

/** The targets `--target` names, in registry order; unknown names are a usage error. */
export function selectTargets(all: readonly FuzzTarget[], wanted: RunOptions['targets']): FuzzTarget[] {
  if (wanted === 'all') return [...all];
  return wanted.map((name) => {
    const t = all.find((x) => x.name === name);
    if (!t) throw new UsageError(`no target "${name}"; try: npm run fuzz -- list`);
    return t;
  });
}

export async function runFuzz(options: RunOptions, all: readonly FuzzTarget[], ctx: RunContext): Promise<RunSummary> {
  const selected = selectTargets(all, options.targets);
  const units = planShard(
    selected.map((t) => t.name),
    options.seed,
    options.shard,
  );
  const byName = new Map(selected.map((t) => [t.name, t]));
  const budget = new Budget({
    ...(options.budgetMs !== undefined && { totalMs: options.budgetMs }),
    ...(options.budgetRuns !== undefined && { totalRuns: options.budgetRuns }),
    ...(options.timeMs !== undefined && { perTargetMs: options.timeMs }),
    ...(options.runs !== undefined && { perTargetRuns: options.runs }),
  });
  const started = performance.now();
  const shardNote = options.shard ? ` shard ${options.shard.index}/${options.shard.count}:` : '';
  ctx.log(`fuzz seed ${options.seed}${shardNote} ${units.map((u) => (u.replica ? `${u.target}#${u.replica}` : u.target)).join(', ') || 'nothing to do'}`);
  const records: TargetRecord[] = [];
  const failures: FailureRecord[] = [];
  for (const [i, unit] of units.entries()) {
    const target = byName.get(unit.target)!;
    await target.prepare?.();
    const share = budget.allot(units.length - i);
    await ctx.coverage?.reset();
    const result = await runCampaign(target, {
      runs: share.runs,
      seed: unit.seed,
      ...(options.path !== undefined && { path: options.path }),
      ...(share.timeLimitMs !== undefined && { timeLimitMs: share.timeLimitMs }),
      ...(!options.quiet && {
        onProgress: (p: { executions: number; seconds: number; execsPerSecond: number }) =>
          ctx.log(`[${unit.target}] ${p.executions} execs in ${p.seconds.toFixed(0)} s, ${Math.round(p.execsPerSecond)} execs/s`),
      }),
    });
    budget.spend(result.runs);
    const coverage = await ctx.coverage?.report();
    records.push(targetRecord(unit, result, coverage, target.goalExecsPerSecond));
    ctx.log(`[${unit.target}] ${result.failure ? 'FAILED' : 'ok'}: ${result.runs} runs, ${Math.round(result.execsPerSecond)} execs/s${target.goalExecsPerSecond ? ` (goal ${target.goalExecsPerSecond})` : ''}${coverage ? `, lines ${coverage.lines.pct}%` : ''}`);
    const f = result.failure;
    if (f) {
      const corpusFile = saveEntry({ target: unit.target, note: f.error.split('\n')[0] ?? 'failure', seed: f.seed, path: f.path, input: f.input }, options.corpusDir ?? CORPUS_DIR);
      const record = failureRecord(result, corpusFile)!;
      failures.push(record);
      ctx.log(`\n[${unit.target}] counterexample (seed ${f.seed}, path "${f.path}"):\n  ${record.input}\n${f.error}\nreplay: ${record.replay}\nsaved to ${corpusFile}\n`);
    }
  }
  const unhandled = ctx.unhandled();
  return {
    format: SUMMARY_FORMAT,
    status: failures.length > 0 || unhandled.length > 0 ? 'failed' : 'clean',
    seed: options.seed,
    shard: options.shard ?? null,
    requested: selected.map((t) => t.name),
    budget: { seconds: options.budgetMs === undefined ? null : options.budgetMs / 1000, runs: options.budgetRuns ?? null },
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    totalRuns: records.reduce((n, r) => n + r.runs, 0),
    totalExecutions: records.reduce((n, r) => n + r.executions, 0),
    targets: records,
    failures,
    unhandled,
  };
}
