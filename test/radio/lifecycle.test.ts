// Several devices share one process and one air; a seed replays the same air; closing the air
// lets a plain Node process exit by itself; and the real adapter stays one switch away.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Air } from '../../radio/air';
import { loadBleno, loadNoble, radioFromEnvironment } from '../../radio/loaders';
import { find, READ_CHAR, startPeripheral } from '../../radio/self-test';

const ROOT = join(__dirname, '..', '..');

function runFixture(seed: number): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  const result = spawnSync(process.execPath, ['-r', 'tsx/cjs', 'test/radio/fixtures/several-devices.ts', String(seed)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

describe('devices, processes and seeds', () => {
  it('runs several toys and several phones in one jest process, each stack independent', async () => {
    const air = new Air({ seed: 9 });
    try {
      const radio = { kind: 'virtual' as const, air };
      const toyA = loadBleno(radio, { name: 'toy A' });
      const toyB = loadBleno(radio, { name: 'toy B' });
      expect(toyA.bleno).not.toBe(toyB.bleno);
      await startPeripheral(toyA.bleno, 'Plush A', Buffer.from('A'));
      await startPeripheral(toyB.bleno, 'Plush B', Buffer.from('B'));
      const phones = [loadNoble(radio), loadNoble(radio), loadNoble(radio)];
      const values = await Promise.all(
        phones.map(async ({ noble }, i) => {
          const peripheral = await find(noble, i === 1 ? 'Plush B' : 'Plush A');
          await peripheral.connectAsync();
          const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([], [READ_CHAR]);
          const value = (await characteristics[0]!.readAsync()).toString();
          await peripheral.disconnectAsync();
          return value;
        }),
      );
      // Phone 0 and phone 2 both reach toy A, one after the other (a toy takes one link at a time).
      expect(values).toEqual(['A', 'B', 'A']);
    } finally {
      air.close();
    }
  });

  it('gives the same addresses for the same seed, and other ones for another seed', () => {
    const addresses = (seed: number): string[] => {
      const air = new Air({ seed });
      const list = [air.addDevice(), air.addDevice(), air.addDevice()].map((d) => d.controller.address);
      air.close();
      return list;
    };
    expect(addresses(1)).toEqual(addresses(1));
    expect(addresses(1)).not.toEqual(addresses(2));
    expect(new Set(addresses(1)).size).toBe(3);
  });

  it('lets a plain Node process with toys and phones exit by itself once the air is closed', () => {
    const run = runFixture(4);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0); // a timeout would leave status null
    const out = JSON.parse(run.stdout.trim()) as { reads: string[]; addresses: string[] };
    expect(out.reads).toEqual(['I am Plush A', 'I am Plush B']);
    expect(runFixture(4).stdout).toBe(run.stdout);
  });

  it('leaves module resolution alone when the user selects a real adapter', () => {
    process.env.PLUSHLINK_RADIO = 'hardware';
    process.env.PLUSHLINK_HCI_DEVICE = '0';
    try {
      const air = new Air();
      expect(radioFromEnvironment(air)).toEqual({ kind: 'hardware', deviceId: 0 });
      air.close();
    } finally {
      delete process.env.PLUSHLINK_RADIO;
      delete process.env.PLUSHLINK_HCI_DEVICE;
    }
    // In a plain Node process the real native socket is loaded: this kernel has no Bluetooth, so
    // it fails the way the real one fails (EAFNOSUPPORT), which proves the virtual one was not used.
    const script = `
      const { loadNoble } = require('./radio/loaders');
      try { loadNoble({ kind: 'hardware', deviceId: 0 }); console.log('loaded'); }
      catch (e) { console.log(e.code || e.message); }
      process.exit(0);`;
    const result = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20000 });
    // Without the optional native package, the real module is looked for and not found: also untouched.
    expect(result.stdout.trim()).toMatch(/^(EAFNOSUPPORT|MODULE_NOT_FOUND|loaded)$/);
    expect(result.stdout).not.toContain('plushlink virtual radio');
  });
});
