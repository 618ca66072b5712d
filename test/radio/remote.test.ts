// Another process attaches to an air over HCI H4 on TCP: an unmodified noble app, started with
// the radio preload and PLUSHLINK_AIR, talks to a toy simulated here, and exits by itself.
import { connect } from 'node:net';
import { Air } from '../../radio/air';
import { serveH4OverTcp } from '../../radio/h4-tcp-server';
import { loadBleno } from '../../radio/loaders';
import { Op } from '../../radio/hci';
import { startPeripheral } from '../../radio/self-test';
import { runNode } from './run-node';

describe('attaching from another process', () => {
  let air: Air;
  let logged: string[];
  beforeEach(() => {
    logged = [];
    air = new Air({ seed: 5 });
  });
  afterEach(() => air.close());

  it('serves a controller per TCP connection that an unmodified noble app uses, until the air shuts down', async () => {
    const { bleno } = loadBleno({ kind: 'virtual', air }, { name: 'toy' });
    await startPeripheral(bleno, 'Plush 1', Buffer.from('over tcp'));
    const server = await serveH4OverTcp(air, { log: (l) => logged.push(l) });
    const run = runNode(['-r', 'tsx/cjs', '-r', './radio/preload.ts', 'test/radio/fixtures/remote-phone.ts', 'Plush 1'], { PLUSHLINK_AIR: server.airSpec }, 20000);
    const line = JSON.parse(await run.firstLine) as { address: string; read: string };
    expect(line.read).toBe('over tcp');
    expect(line.address).toBe(air.controllers.find((c) => c.name === 'toy')!.address);
    // The app has nothing left to do but stays attached; shutting the air down lets it exit.
    await server.close();
    const result = await run.exit;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('serves a realistic-clock air too: the remote session takes simulated connection events', async () => {
    const realistic = new Air({ seed: 5, clock: 'realistic', quietTurns: 3, link: { intervalMs: 30 } });
    try {
      const { bleno } = loadBleno({ kind: 'virtual', air: realistic }, { name: 'toy' });
      await startPeripheral(bleno, 'Plush 1', Buffer.from('on time'));
      const server = await serveH4OverTcp(realistic, { log: (l) => logged.push(l) });
      const run = runNode(['-r', 'tsx/cjs', '-r', './radio/preload.ts', 'test/radio/fixtures/remote-phone.ts', 'Plush 1'], { PLUSHLINK_AIR: server.airSpec }, 20000);
      expect((JSON.parse(await run.firstLine) as { read: string }).read).toBe('on time');
      // Discovery and the read are request/response round trips of one 30 ms event each at least.
      expect(realistic.clock.now()).toBeGreaterThan(5 * 30);
      await server.close();
      expect((await run.exit).code).toBe(0);
    } finally {
      realistic.close();
    }
  });

  it('closes a connection that sends bytes which are not H4, and keeps serving others', async () => {
    const server = await serveH4OverTcp(air, { log: (l) => logged.push(l) });
    try {
      const bad = connect(server.port, server.host);
      await new Promise((resolve) => bad.once('connect', resolve));
      const closed = new Promise((resolve) => bad.once('close', resolve));
      bad.write(Buffer.from([0x09, 0xde, 0xad]));
      await closed;
      expect(logged.some((l) => /unknown H4 packet type 0x09/.test(l))).toBe(true);

      const good = connect(server.port, server.host);
      const reply = new Promise<Buffer>((resolve) => good.once('data', resolve));
      good.write(Buffer.from([0x01, Op.readBdAddr & 0xff, Op.readBdAddr >> 8, 0]));
      const event = await reply;
      expect([event[0], event[1], event.readUInt16LE(4), event[6]]).toEqual([0x04, 0x0e, Op.readBdAddr, 0]);
      good.destroy();
    } finally {
      await server.close();
    }
  });
});
