// `npm start` runs `plushlink demo`: a phone and a toy on the embedded virtual radio, with
// captures, ending by itself; usage errors are one line with exit code 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const run = (args: string[]): ReturnType<typeof spawnSync> =>
  spawnSync(process.execPath, ['cli/plushlink.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30000 });

describe('plushlink demo', () => {
  it('runs the phone and the toy on the virtual radio, writes captures, and exits by itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plushlink-cli-'));
    try {
      const result = run(['demo', '--capture', dir, '--seed', '3']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/read "hello from the toy"/);
      expect(readdirSync(dir).filter((f) => f.endsWith('.btsnoop'))).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains itself with --help, and rejects an unknown command in one line', () => {
    expect(run(['demo', '--help']).stdout).toMatch(/^usage: plushlink demo/);
    const bad = run(['fly']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('plushlink: unknown command "fly" (try plushlink --help)\n');
  });
});
