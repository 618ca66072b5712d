// A few rounds of the SIGKILL soak (storage-soak.ts) on every `npm test`: the real toy process
// killed during a send, a fetch, a paw recording or a reset, then booted again, with nothing
// acknowledged lost and nothing half-written left. `npm run soak:storage` runs the long version.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStorageSoak } from './storage-soak';

const SEED = process.env.SOAK_SEED === undefined ? 20261129 : Number(process.env.SOAK_SEED);

describe('the toy process killed with SIGKILL at random moments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-soak-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`loses nothing acknowledged and leaves nothing half-written (seed ${SEED}, one round per operation)`, async () => {
    const report = await runStorageSoak({ runs: 4, seed: SEED, dir, operations: ['record', 'send', 'fetch', 'reset'] });
    expect(report.violations).toEqual([]);
    expect(report.lost).toBe(0);
    expect(report.boots).toBe(5);
    expect(report.killsBy).toEqual({ send: 1, fetch: 1, record: 1, reset: 1 });
  }, 180_000);
});
