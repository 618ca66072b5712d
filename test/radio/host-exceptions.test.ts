// A host's own bug is the host's failure, not the link's: an exception thrown inside noble's data
// handler leaves its virtual socket open (only bytes that are not H4 close it), and surfaces as
// the uncaught exception a kernel socket would give, so the app fails with an error instead of
// hanging.
import { Air } from '../../radio/air';
import { serveH4OverTcp, type H4TcpServer } from '../../radio/h4-tcp-server';
import { loadBleno } from '../../radio/loaders';
import { startPeripheral } from '../../radio/self-test';
import { runNode } from './run-node';

const PHONE = ['-r', 'tsx/cjs', '-r', './radio/preload.ts', 'test/radio/fixtures/rssi-after-disconnect-phone.ts', 'Plush 1'];

describe('an exception inside a host attached over TCP', () => {
  let air: Air;
  let server: H4TcpServer;
  beforeEach(async () => {
    air = new Air({ seed: 11 });
    await startPeripheral(loadBleno({ kind: 'virtual', air }, { name: 'toy' }).bleno, 'Plush 1', Buffer.from('still here'));
    server = await serveH4OverTcp(air);
  });
  afterEach(async () => {
    await server.close();
    air.close();
  });

  it('fails the app with the error (non-zero exit, the error on stderr) instead of hanging', async () => {
    const result = await runNode(PHONE, { PLUSHLINK_AIR: server.airSpec }, 20_000).exit;
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/RangeError|ERR_OUT_OF_RANGE|ERR_BUFFER_OUT_OF_BOUNDS/);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
  });

  it('keeps the socket open: an app that catches the exception goes on using the same radio', async () => {
    const result = await runNode([...PHONE, 'survive'], { PLUSHLINK_AIR: server.airSpec }, 20_000).exit;
    const line = JSON.parse(result.stdout.trim()) as { hostError?: string; again?: string };
    expect(line.hostError).toMatch(/RangeError/);
    expect(line.again).toBe('still here');
    expect(result.code).toBe(0);
  });
});
