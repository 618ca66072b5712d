// The fuzzing that runs on every `npm test`: the whole regression corpus replayed, then a short
// campaign per target from a fixed seed (FUZZ_SEED varies it, e.g. per CI build; a failure
// prints the seed and path to replay with `npm run fuzz`), measured with V8 coverage that must
// stay above each target's floor (coverage-floors.json), so a change that stops a target from
// reaching the code it is meant to fuzz fails here. Long campaigns: `npm run fuzz`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { runCampaign, runOnce } from './campaign';
import { CORPUS_DIR, loadEntries } from './corpus';
import { type CoverageReport, CoverageRecorder } from './coverage';
import { loadTargets } from './targets';
import { disposeAirWorld, ownerStillServed } from './targets/air-toy';
import type { FuzzTarget } from './target';

const SEED = process.env.FUZZ_SEED === undefined ? 20261123 : Number(process.env.FUZZ_SEED);
const DEFAULT_CI_RUNS = 500;
const FLOORS_FILE = join(__dirname, 'coverage-floors.json');

/**
 * Per target: the fuzzed lines (pairing/, audio/, firmware-sim/) and V8 branch blocks reached, as
 * counts: a share of the whole tree would fall whenever code the target never reaches is added.
 */
interface Floor {
  readonly linesCovered: number;
  readonly branchesCovered: number;
}
const floors = JSON.parse(readFileSync(FLOORS_FILE, 'utf8')) as Record<string, Floor>;

let targets: FuzzTarget[] = [];
let coverage: CoverageRecorder;
beforeAll(async () => {
  // Before any fuzzed code runs: V8 counts blocks only in functions compiled after this.
  coverage = await CoverageRecorder.start();
  targets = await loadTargets();
});
afterAll(async () => {
  await coverage.stop();
  await disposeAirWorld();
});

const byName = (name: string): FuzzTarget => {
  const target = targets.find((t) => t.name === name);
  if (!target) throw new Error(`corpus entry for unknown target ${name}`);
  return target;
};

describe('the fuzz regression corpus', () => {
  const entries = loadEntries();

  it('holds entries for every target, each in its own target folder', async () => {
    const names = new Set(entries.map((e) => e.entry.target));
    for (const t of targets) expect(names).toContain(t.name);
    for (const { file, entry } of entries) expect(file.startsWith(join(CORPUS_DIR, entry.target))).toBe(true);
  });

  it.each(entries.map((e) => [e.file.slice(CORPUS_DIR.length + 1), e.entry] as const))('replays %s', async (_file, entry) => {
    await runOnce(byName(entry.target), entry.input);
  });
});

describe(`bounded campaigns (seed ${SEED})`, () => {
  it('has a corpus folder to save finds in', () => {
    expect(existsSync(CORPUS_DIR)).toBe(true);
  });

  it('every target keeps its invariants on a short campaign, and reaches at least its coverage floor', async () => {
    const failures: string[] = [];
    const reached: Record<string, CoverageReport> = {};
    for (const target of targets) {
      await target.prepare?.();
      await coverage.reset();
      const result = await runCampaign(target, { runs: target.ciRuns ?? DEFAULT_CI_RUNS, seed: SEED });
      reached[target.name] = await coverage.report();
      expect(result.runs).toBeGreaterThan(0);
      const f = result.failure;
      if (f) {
        failures.push(
          `${target.name}: ${f.error}\n  input ${fc.stringify(f.input)}\n  replay: npm run fuzz -- --target ${target.name} --seed ${f.seed} --path ${f.path}`,
        );
      }
    }
    expect(failures).toEqual([]);
    // FUZZ_WRITE_FLOORS=1 rewrites the floors at 90% of what this campaign reached (after a
    // deliberate change to a target); they are meant to be raised, not lowered to pass.
    if (process.env.FUZZ_WRITE_FLOORS === '1') {
      const measured = Object.fromEntries(Object.entries(reached).map(([name, r]) => [name, { linesCovered: Math.floor(r.lines.covered * 0.9), branchesCovered: Math.floor(r.branches.covered * 0.9) }]));
      writeFileSync(FLOORS_FILE, `${JSON.stringify(measured, null, 2)}\n`);
    }
    const below = Object.entries(reached).flatMap(([name, r]) => {
      const floor = floors[name];
      // A target added without a floor must still reach some fuzzed code.
      if (!floor) return r.lines.covered > 0 ? [] : [`${name}: reached no line of pairing/, audio/ or firmware-sim/`];
      return r.lines.covered >= floor.linesCovered && r.branches.covered >= floor.branchesCovered
        ? []
        : [`${name}: lines ${r.lines.covered} (floor ${floor.linesCovered}), branch blocks ${r.branches.covered} (floor ${floor.branchesCovered})`];
    });
    expect(below).toEqual([]);
  });
});

describe('after the hostile central', () => {
  it('the owner still opens a session and fetches a recording from the fuzzed toy', async () => {
    expect(await ownerStillServed()).toBe(true);
  });
});
