// `npm run soak:storage [-- --runs N --seed S]`: the SIGKILL soak of the real toy process, long
// (60 rounds by default). Progress on stderr, a JSON report on stdout; exit status 1 on any lost
// item or broken promise. The seed replays the same kill points.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runStorageSoak } from './storage-soak';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' } } });
  const runs = Number(values.runs ?? 60);
  const seed = Number(values.seed ?? (Date.now() & 0x7fffffff));
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) throw new Error('--runs and --seed take integers');
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-soak-'));
  process.stderr.write(`storage soak: ${runs} rounds, seed ${seed}\n`);
  try {
    const started = Date.now();
    const report = await runStorageSoak({ runs, seed, dir, progress: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${JSON.stringify({ ...report, seconds: Math.round((Date.now() - started) / 1000) }, null, 2)}\n`);
    return report.violations.length === 0 && report.lost === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`storage soak failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
