// `plushlink air --serve ... --toy DIR --clock realistic`: a toy on an air served over TCP, on the
// realistic clock with an iPhone's link; a phone app in another process (`plushlink pair`)
// attaches over H4/TCP and pairs with it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchOutput } from './process-output';

const ROOT = join(__dirname, '..', '..');

describe('plushlink air --toy', () => {
  it('serves a toy on a realistic air that a phone in another process pairs with', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plushlink-air-toy-'));
    const air = spawn(process.execPath, ['cli/plushlink.js', 'air', '--serve', 'tcp:127.0.0.1:0', '--toy', join(dir, 'toy'), '--clock', 'realistic', '--phone', 'ios'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const { line } = watchOutput(air);
    try {
      const [, toyId, code] = await line(/toy ([0-9a-f]{16}) is on this air \(pairing code ([0-9 -]+);/);
      const [, spec] = await line(/serving a realistic air at (tcp:\S+) /);
      air.kill('SIGUSR1'); // the paw: open the pairing window
      await line(/pairing window open/);
      const pair = spawnSync(
        process.execPath,
        ['cli/plushlink.js', 'pair', '--air', spec!, '--toy', toyId!, '--code', code!.replace(/\D/g, ''), '--phone', join(dir, 'phone.json')],
        { cwd: ROOT, encoding: 'utf8', timeout: 30000 },
      );
      expect(pair.stderr).toBe('');
      expect(pair.status).toBe(0);
      expect(pair.stdout).toMatch(/owner/);
      const exited = new Promise<number | null>((resolve) => air.on('exit', resolve));
      air.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      air.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses --phone without the realistic clock, in one line', () => {
    const result = spawnSync(process.execPath, ['cli/plushlink.js', 'air', '--serve', 'tcp:127.0.0.1:0', '--phone', 'ios'], { cwd: ROOT, encoding: 'utf8', timeout: 20000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('plushlink: --phone needs --clock realistic\n');
  });
});
