// The fuzz runner at CI scale: shards split the work so N machines do it once between them, a
// budget bounds the whole run, every failure is reported with what replays it and where it was
// saved, merges say whether the shards covered every target, and the command line answers
// --help and refuses bad usage with its documented exit status.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Budget } from './budget';
import { loadEntries, saveEntry } from './corpus';
import { mergeCorpus } from './corpus-merge';
import { parseCommand, parseDuration, type RunOptions, UsageError } from './options';
import { runFuzz } from './runner';
import { planShard } from './shard';
import { mergeSummaries, type RunSummary } from './summary';
import { defineTarget, type FuzzTarget, invariant } from './target';
import { loadTargets } from './targets';

const quiet = { log: () => undefined, unhandled: () => [] };
const run = (argv: string[]): RunOptions => parseCommand(argv, () => 1) as RunOptions;

/** A target with a planted bug: any byte 0x42 breaks it (so campaigns find it fast). */
const planted: FuzzTarget = defineTarget<Uint8Array>({
  name: 'planted-bug',
  description: 'test only: fails on any byte 0x42',
  arbitrary: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  run: (bytes) => invariant(!bytes.includes(0x42), 'found the planted 0x42'),
  isExpected: () => false,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'plushlink-fuzz-runner-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sharding', () => {
  const names = Array.from({ length: 21 }, (_, i) => `t${String(i).padStart(2, '0')}`);

  it.each([1, 2, 4, 7, 21, 30, 64])('%i shards run every target, none twice, and agree on the plan', (count) => {
    const shards = Array.from({ length: count }, (_, i) => planShard(names, 7, { index: i + 1, count }));
    const units = shards.flat();
    expect(new Set(units.filter((u) => u.replica === 0).map((u) => u.target))).toEqual(new Set(names));
    expect(new Set(units.map((u) => `${u.target}#${u.replica}`)).size).toBe(units.length);
    expect(units.length).toBe(Math.max(count, names.length));
    expect(Math.max(...shards.map((s) => s.length)) - Math.min(...shards.map((s) => s.length))).toBeLessThanOrEqual(1);
    expect(planShard([...names].reverse(), 7, { index: 1, count })).toEqual(shards[0]);
  });

  it('with more shards than targets, the extra shards run the same targets from other seeds', () => {
    const units = Array.from({ length: 6 }, (_, i) => planShard(['a', 'b'], 7, { index: i + 1, count: 6 })).flat();
    const seedsOfA = units.filter((u) => u.target === 'a').map((u) => u.seed);
    expect(seedsOfA).toHaveLength(3);
    expect(new Set(seedsOfA).size).toBe(3);
    expect(seedsOfA[0]).toBe(7);
  });
});

describe('the budget', () => {
  it('shares time left equally among the targets still to run, within per-target limits', () => {
    let now = 0;
    const budget = new Budget({ totalMs: 60_000, perTargetMs: 25_000 }, () => now);
    expect(budget.allot(4).timeLimitMs).toBe(15_000);
    now = 5_000; // the first target finished early: the rest share what it left
    expect(budget.allot(3).timeLimitMs).toBeCloseTo(18_333, -1);
    expect(budget.allot(1).timeLimitMs).toBe(25_000);
  });

  it('shares inputs likewise, and without limits runs the default', () => {
    const budget = new Budget({ totalRuns: 1000 });
    expect(budget.allot(4).runs).toBe(250);
    budget.spend(100);
    expect(budget.allot(3).runs).toBe(300);
    expect(new Budget({}).allot(1)).toEqual({ runs: 10_000 });
  });
});

describe('the command line', () => {
  it('reads durations with units, and the options of a CI shard', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(run(['--shard', '2/4', '--budget', '60s', '--seed', '7', '--json', 'out.json'])).toMatchObject({ shard: { index: 2, count: 4 }, budgetMs: 60_000, seed: 7, jsonFile: 'out.json' });
  });

  it.each([
    [['--shard', '0/4']],
    [['--shard', '5/4']],
    [['--budget', 'soon']],
    [['--runs', '-3']],
    [['--seed', 'x']],
    [['--path', '1:2']],
    [['--frobnicate']],
    [['--target']],
    [['merge']],
    [['merge', 'a.json', '--shard', '1/2']],
    [['unknown-command']],
  ])('refuses %j as a usage error', (argv) => {
    expect(() => parseCommand(argv, () => 1)).toThrow(UsageError);
  });

  const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'run.ts'), ...args], (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

  it('answers --help with exit status 0 and usage error with 2', async () => {
    const [help, bad] = await Promise.all([cli(['--help']), cli(['--shard', '3'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run fuzz/);
    expect(help.stdout).toContain('Exit status: 0 clean, 1 a failure was found');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('--shard 3');
  });
});

describe('a run', () => {
  it('reports every failure with its target, seed, path and saved corpus file, and the path replays it', async () => {
    const summary = await runFuzz({ ...run(['--runs', '2000', '--seed', '5']), corpusDir: dir }, [planted], quiet);
    expect(summary.status).toBe('failed');
    const [failure] = summary.failures;
    expect(failure).toMatchObject({ target: 'planted-bug', seed: 5 });
    expect(failure!.input).toMatch(/^Uint8Array.from\(\[.*\b66\b/);
    expect(existsSync(failure!.corpusFile)).toBe(true);
    expect(loadEntries(dir)[0]!.entry).toMatchObject({ target: 'planted-bug', seed: 5, path: failure!.path });
    expect(failure!.replay).toBe(`npm run fuzz -- --target planted-bug --seed 5 --path ${failure!.path}`);
    const replay = await runFuzz({ ...run(['--target', 'planted-bug', '--seed', '5', '--path', failure!.path]), corpusDir: dir }, [planted], quiet);
    expect(replay.failures[0]?.input).toBe(failure!.input);
  });

  it('is clean when nothing breaks, and stops at its budget of inputs', async () => {
    const summary = await runFuzz(run(['--target', 'frame-decoder,records', '--budget-runs', '300', '--seed', '3']), await loadTargets(), quiet);
    expect(summary).toMatchObject({ status: 'clean', failures: [], totalRuns: 300, requested: ['frame-decoder', 'records'] });
  });
});

describe('a CI-shaped run: four shards, then a merge', () => {
  const sansIo = ['frame-decoder', 'fragment-reassembler', 'session-message-decoder', 'records', 'qr-payload', 'pairing-code', 'wav-reader', 'replay-guard-json', 'transfer-wire'];
  let shards: RunSummary[];

  beforeAll(async () => {
    const all = await loadTargets();
    shards = [];
    for (let i = 1; i <= 4; i++) shards.push(await runFuzz(run(['--target', sansIo.join(','), '--shard', `${i}/4`, '--budget-runs', '200', '--budget', '20s', '--seed', '11']), all, quiet));
  });

  it('covers every target exactly once between the shards, and the merge says so', () => {
    expect(shards.flatMap((s) => s.targets.map((t) => t.target)).sort()).toEqual([...sansIo].sort());
    expect(mergeSummaries(shards)).toMatchObject({ status: 'clean', everyTargetCovered: true, missing: [], duplicated: [], shards: [1, 2, 3, 4], totalRuns: 800 });
  });

  it('a merge missing a shard names the targets nobody ran', () => {
    const merged = mergeSummaries(shards.slice(0, 3));
    expect(merged.status).toBe('incomplete');
    expect(merged.missing).toEqual(shards[3]!.targets.map((t) => `${t.target}#0`));
  });

  it('a merge of summaries from different matrices is refused', () => {
    expect(() => mergeSummaries([shards[0]!, { ...shards[1]!, shard: { index: 2, count: 3 } }])).toThrow(/shard counts/);
  });
});

describe('merging corpora', () => {
  it('adds new finds, collapses copies, and refuses entries for unknown targets', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const into = join(dir, 'into');
    const find = { target: 'records', note: 'a find', seed: 1, path: '0', input: new Uint8Array([1, 2, 3]) };
    saveEntry(find, a);
    saveEntry(find, b);
    saveEntry({ ...find, input: new Uint8Array([4]) }, b);
    saveEntry({ ...find, target: 'no-such-target' }, b);
    const result = mergeCorpus([a, b], ['records'], into);
    expect(result.added).toHaveLength(2);
    expect(result.alreadyPresent).toBe(1);
    expect(result.refused).toEqual([expect.objectContaining({ reason: 'unknown target "no-such-target"' })]);
    expect(loadEntries(into).map((e) => e.entry.input)).toEqual(expect.arrayContaining([new Uint8Array([1, 2, 3]), new Uint8Array([4])]));
  });
});
