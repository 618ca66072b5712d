// The fuzzing that runs on every `npm test`: the whole regression corpus replayed, then a short
// campaign per target from a fixed seed (FUZZ_SEED varies it, e.g. per CI build; a failure
// prints the seed and path to replay with `npm run fuzz`). Long campaigns: `npm run fuzz`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { runCampaign, runOnce } from './campaign';
import { CORPUS_DIR, loadEntries } from './corpus';
import { loadTargets } from './targets';
import { disposeAirWorld, ownerStillServed } from './targets/air-toy';
import type { FuzzTarget } from './target';

const SEED = process.env.FUZZ_SEED === undefined ? 20261123 : Number(process.env.FUZZ_SEED);
const DEFAULT_CI_RUNS = 500;

let targets: FuzzTarget[] = [];
beforeAll(async () => {
  targets = await loadTargets();
});
afterAll(() => disposeAirWorld());

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

  it('every target keeps its invariants on a short campaign', async () => {
    const failures: string[] = [];
    for (const target of targets) {
      const result = await runCampaign(target, { runs: target.ciRuns ?? DEFAULT_CI_RUNS, seed: SEED });
      expect(result.runs).toBeGreaterThan(0);
      const f = result.failure;
      if (f) {
        failures.push(
          `${target.name}: ${f.error}\n  input ${fc.stringify(f.input)}\n  replay: npm run fuzz -- --target ${target.name} --seed ${f.seed} --path ${f.path}`,
        );
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('after the hostile central', () => {
  it('the owner still opens a session and fetches a recording from the fuzzed toy', async () => {
    expect(await ownerStillServed()).toBe(true);
  });
});
