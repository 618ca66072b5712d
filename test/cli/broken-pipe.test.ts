// `plushlink demo | head`: when the reader of its output goes away, the command stops at once
// with 141 (128 + SIGPIPE, what a shell reports for a Unix tool killed by SIGPIPE), and prints
// no stack trace.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlushlink } from './run';

describe('a plushlink command whose reader goes away', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-broken-pipe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 141 without a stack trace, like a Unix tool on SIGPIPE', async () => {
    const child = startPlushlink(['demo', '--out', join(dir, 'demo')]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
    // Read the first line, then hang up, as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    expect(await exited).toBe(141);
    expect(stderr).not.toMatch(/EPIPE|at .*\(.*:\d+:\d+\)/);
  }, 60_000);
});
