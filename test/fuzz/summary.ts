// The fuzz runner's JSON: one summary per run (a shard, or everything), and the merge of shard
// summaries a CI job makes at the end, which says whether the shards between them ran every
// planned unit exactly once and lists every failure with what replays it.
import fc from 'fast-check';
import type { CampaignResult } from './campaign';
import type { CoverageReport } from './coverage';
import type { Shard } from './options';
import { planShard, type WorkUnit } from './shard';

export const SUMMARY_FORMAT = 'plushlink-fuzz-summary/1';

export interface FailureRecord {
  readonly target: string;
  readonly seed: number;
  readonly path: string;
  /** The shrunk counterexample, as fast-check prints it. */
  readonly input: string;
  readonly error: string;
  /** Where the runner saved it in the corpus (the regression test replays it from there). */
  readonly corpusFile: string;
  readonly replay: string;
}

/** A campaign's figures (rounded for reading), its place in the shard plan, and what it reached. */
export interface TargetRecord extends Omit<CampaignResult, 'failure'> {
  readonly replica: number;
  /** The target's goal in inputs per second, beside execsPerSecond (targets that have one). */
  readonly goalExecsPerSecond?: number;
  readonly failures: number;
  readonly coverage?: CoverageReport;
}

export interface RunSummary {
  readonly format: typeof SUMMARY_FORMAT;
  readonly status: 'clean' | 'failed';
  readonly seed: number;
  readonly shard: Shard | null;
  /** The targets the run was asked for (before sharding): what a merge checks coverage against. */
  readonly requested: readonly string[];
  readonly budget: { readonly seconds: number | null; readonly runs: number | null };
  readonly seconds: number;
  readonly totalRuns: number;
  readonly totalExecutions: number;
  readonly targets: readonly TargetRecord[];
  readonly failures: readonly FailureRecord[];
  /** Promise rejections nobody handled during the run (each one fails the run). */
  readonly unhandled: readonly string[];
}

export function replayCommand(target: string, seed: number, path: string): string {
  return `npm run fuzz -- --target ${target} --seed ${seed} --path ${path}`;
}

export function failureRecord(result: CampaignResult, corpusFile: string): FailureRecord | undefined {
  const f = result.failure;
  if (!f) return undefined;
  return { target: result.target, seed: f.seed, path: f.path, input: fc.stringify(f.input), error: f.error, corpusFile, replay: replayCommand(result.target, f.seed, f.path) };
}

export function targetRecord(unit: WorkUnit, result: CampaignResult, coverage?: CoverageReport, goalExecsPerSecond?: number): TargetRecord {
  return {
    target: unit.target,
    replica: unit.replica,
    seed: unit.seed,
    runs: result.runs,
    executions: result.executions,
    seconds: Number(result.seconds.toFixed(2)),
    execsPerSecond: Math.round(result.execsPerSecond),
    ...(goalExecsPerSecond !== undefined && { goalExecsPerSecond }),
    peakHeapMB: result.peakHeapMB,
    failures: result.failure ? 1 : 0,
    ...(coverage && { coverage }),
  };
}

export interface MergedSummary {
  readonly format: 'plushlink-fuzz-merged/1';
  readonly status: 'clean' | 'failed' | 'incomplete';
  readonly summaries: number;
  readonly shardCount: number | null;
  readonly shards: readonly number[];
  readonly seeds: readonly number[];
  /** True when the shards ran every planned unit (every requested target) exactly once. */
  readonly everyTargetCovered: boolean;
  readonly missing: readonly string[];
  readonly duplicated: readonly string[];
  readonly runsPerTarget: Record<string, number>;
  readonly seconds: number;
  readonly totalRuns: number;
  readonly totalExecutions: number;
  readonly failures: readonly FailureRecord[];
  readonly unhandled: readonly string[];
}

const unitKey = (u: { target: string; replica: number }): string => `${u.target}#${u.replica}`;

/** Combines shard summaries; throws on summaries that cannot belong to one CI run. */
export function mergeSummaries(summaries: readonly RunSummary[]): MergedSummary {
  if (summaries.length === 0) throw new Error('nothing to merge');
  for (const s of summaries) if (s.format !== SUMMARY_FORMAT) throw new Error(`not a fuzz summary (format ${String(s.format)})`);
  const requested = [...summaries[0]!.requested].sort().join(',');
  if (summaries.some((s) => [...s.requested].sort().join(',') !== requested)) throw new Error('the summaries were asked for different targets');
  const counts = new Set(summaries.map((s) => s.shard?.count ?? 1));
  if (counts.size !== 1) throw new Error('the summaries come from different shard counts');
  const shardCount = [...counts][0]!;
  // The plan of the whole matrix, from the same rule each shard used.
  const planned = Array.from({ length: shardCount }, (_, i) => planShard(summaries[0]!.requested, 0, { index: i + 1, count: shardCount })).flat();
  const ran = new Map<string, number>();
  for (const s of summaries) for (const t of s.targets) ran.set(unitKey(t), (ran.get(unitKey(t)) ?? 0) + 1);
  const missing = planned.filter((u) => !ran.has(unitKey(u))).map(unitKey);
  const duplicated = [...ran].filter(([, n]) => n > 1).map(([k]) => k);
  const runsPerTarget: Record<string, number> = {};
  for (const s of summaries) for (const t of s.targets) runsPerTarget[t.target] = (runsPerTarget[t.target] ?? 0) + t.runs;
  const failures = summaries.flatMap((s) => s.failures);
  const unhandled = summaries.flatMap((s) => s.unhandled);
  const everyTargetCovered = missing.length === 0 && duplicated.length === 0;
  const sum = (f: (s: RunSummary) => number): number => summaries.reduce((n, s) => n + f(s), 0);
  return {
    format: 'plushlink-fuzz-merged/1',
    status: failures.length > 0 || unhandled.length > 0 ? 'failed' : everyTargetCovered ? 'clean' : 'incomplete',
    summaries: summaries.length,
    shardCount,
    shards: summaries.map((s) => s.shard?.index ?? 1).sort((a, b) => a - b),
    seeds: [...new Set(summaries.map((s) => s.seed))],
    everyTargetCovered,
    missing,
    duplicated,
    runsPerTarget,
    seconds: Number(Math.max(...summaries.map((s) => s.seconds)).toFixed(2)),
    totalRuns: sum((s) => s.totalRuns),
    totalExecutions: sum((s) => s.totalExecutions),
    failures,
    unhandled,
  };
}
