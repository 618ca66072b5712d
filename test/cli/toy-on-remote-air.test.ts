// `plushlink toy --air tcp:HOST:PORT` runs the toy on a controller another process serves as H4
// over TCP: here `plushlink air` serves the air, the toy attaches from a second process and a
// phone from a third, and they pair. `--capture DIR` creates DIR.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchOutput } from './process-output';
import { plushlink, plushlinkAsync, startPlushlink } from './run';

describe('plushlink toy --air', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-toy-air-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a toy on an air another process serves, which a phone in a third process pairs with', async () => {
    const air = startPlushlink(['air', '--serve', 'tcp:127.0.0.1:0']);
    const toyDir = join(dir, 'toy');
    let toy: ReturnType<typeof startPlushlink> | undefined;
    try {
      const [, spec] = await watchOutput(air).line(/serving a fast air at (tcp:\S+) /);
      toy = startPlushlink(['toy', '--dir', toyDir, '--air', spec!, '--no-qr']);
      const toyOut = watchOutput(toy);
      await toyOut.line(new RegExp(`is on the air at ${spec!.replace(/\./g, '\\.')}$`, 'm'));
      const [, code] = await toyOut.line(/^pairing code: (\d{5} \d{5})$/m);
      expect(plushlink(['paw', '--dir', toyDir]).status).toBe(0);
      await toyOut.line(/pairing window open/);
      // The phone finds the toy through its folder, which names the air the toy joined.
      const paired = await plushlinkAsync(['pair', '--toy-dir', toyDir, '--code', code!, '--phone', join(dir, 'phone.json')]);
      expect(paired.stderr).toBe('');
      expect(paired.status).toBe(0);
      expect(paired.stdout).toMatch(/as owner/);

      const toyExit = new Promise<number | null>((resolve) => toy!.once('exit', resolve));
      toy.kill('SIGINT');
      expect(await toyExit).toBe(0);
      expect(existsSync(join(toyDir, 'pid'))).toBe(false);
    } finally {
      toy?.kill('SIGKILL');
      const airExit = new Promise((resolve) => air.once('exit', resolve));
      air.kill('SIGINT');
      await airExit;
    }
  });

  it('ends with an error in one line when the air it runs on goes away', async () => {
    const air = startPlushlink(['air', '--serve', 'tcp:127.0.0.1:0']);
    const [, spec] = await watchOutput(air).line(/serving a fast air at (tcp:\S+) /);
    const toyDir = join(dir, 'orphan');
    const toy = startPlushlink(['toy', '--dir', toyDir, '--air', spec!, '--no-qr']);
    let stderr = '';
    toy.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const toyExit = new Promise<number | null>((resolve) => toy.once('exit', resolve));
    try {
      await watchOutput(toy).line(/^pairing code: /m);
      air.kill('SIGINT');
      expect(await toyExit).toBe(1);
      expect(stderr).toBe(`plushlink: the air at ${spec} went away\n`);
      expect(existsSync(join(toyDir, 'pid'))).toBe(false);
    } finally {
      toy.kill('SIGKILL');
      air.kill('SIGKILL');
    }
  });

  it('fails in one line, without hanging, when nothing serves the air it names', async () => {
    const port = await freePort();
    const result = await plushlinkAsync(['toy', '--dir', join(dir, 'lonely'), '--air', `tcp:127.0.0.1:${port}`, '--no-qr']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`plushlink: no Bluetooth controller answered at tcp:127.0.0.1:${port} (is an air served there?)\n`);
  });

  it('refuses the options that only make sense for an air it serves itself', () => {
    const result = plushlink(['toy', '--dir', join(dir, 'x'), '--air', 'tcp:127.0.0.1:7357', '--port', '0']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('plushlink: --air joins an air served elsewhere: --port and --host do not apply\n');
    expect(plushlink(['toy', '--dir', join(dir, 'x'), '--air', 'udp:somewhere']).stderr).toBe('plushlink: --air udp:somewhere: expected tcp:HOST:PORT\n');
  });
});

describe('plushlink toy --capture', () => {
  it('creates the capture folder and writes a btsnoop file per device into it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plushlink-toy-capture-'));
    const captures = join(dir, 'not', 'there', 'yet');
    const toy = startPlushlink(['toy', '--dir', join(dir, 'toy'), '--port', '0', '--no-qr', '--capture', captures]);
    try {
      await watchOutput(toy).line(/is on the air at tcp:/);
      expect(readdirSync(captures).some((file) => file.endsWith('.btsnoop'))).toBe(true);
    } finally {
      const exited = new Promise((resolve) => toy.once('exit', resolve));
      toy.kill('SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A loopback port nobody listens on (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
