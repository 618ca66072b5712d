// The toy's first screen fits a 80x24 terminal: its id and pairing code first, then a QR code
// that phone cameras read, then how to press the paw.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputWatcher, startPlushlink } from './run';

it('fits 80x24 with the id and code above the QR code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-screen-'));
  const toy = startPlushlink(['toy', '--dir', join(dir, 'toy'), '--port', '0']);
  try {
    const output = new OutputWatcher(toy);
    await output.waitFor(/^paw: .*$/m);
    const screen = output.output.slice(0, output.output.indexOf('\npaw: ')).split('\n');
    screen.push((/^paw: .*$/m.exec(output.output) ?? [''])[0]);
    expect(screen.length).toBeLessThanOrEqual(24);
    for (const line of screen) expect([...line].length).toBeLessThanOrEqual(80);
    expect(screen[0]).toMatch(/^toy [0-9a-f]{16} is on the air at tcp:/);
    expect(screen[1]).toMatch(/^pairing code: \d{5} \d{5}$/);
    const qr = screen.slice(2, -1);
    expect(qr.length).toBeGreaterThan(15);
    expect(qr.every((line) => /^[█▀▄ ]+$/u.test(line))).toBe(true);
  } finally {
    toy.kill('SIGINT');
    await new Promise((resolve) => toy.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});
