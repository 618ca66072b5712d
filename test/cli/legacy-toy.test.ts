// `plushlink toy --legacy` runs the open CloudPets-style toy in its own process: a stranger's
// phone on its air switches the microphone on and downloads what it heard, no questions asked.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchOutput } from './process-output';
import { LEGACY_NAME } from '../../firmware-sim/legacy-gatt-server';
import { AttackerPhone } from '../attacks/attacker-phone';
import { CloudPetsApp } from '../attacks/cloudpets-app';

const ROOT = join(__dirname, '..', '..');

describe('plushlink toy --legacy', () => {
  it('serves the open legacy profile, and says what happened to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plushlink-legacy-cli-'));
    const toy = spawn(process.execPath, ['cli/plushlink.js', 'toy', '--legacy', '--dir', dir, '--port', '0', '--record-seconds', '1'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const { line } = watchOutput(toy);
    try {
      const [, air] = await line(/is on the air at (tcp:\S+)/);
      // The warning follows the banner, possibly in a later write of the process's stdout.
      await line(/WARNING: this is the open CloudPets profile/);
      const stranger = new AttackerPhone(air!, 'stranger');
      const link = await stranger.connect(LEGACY_NAME);
      const app = await CloudPetsApp.start(link);
      await app.record();
      const heard = await app.download();
      await link.disconnect();
      expect(heard.subarray(0, 4).toString()).toBe('OggS');
      await line(/recorded slot 1 — switched on over the air, no paw press/);
      const exited = new Promise<number | null>((resolve) => toy.on('exit', resolve));
      toy.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      toy.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
