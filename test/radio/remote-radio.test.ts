// A stack loaded with a 'remote' radio joins an air served over TCP, exactly as a stack in
// another process would (the CLI's phone commands reach `plushlink toy` this way).
import { Air } from '../../radio/air';
import { serveH4OverTcp } from '../../radio/h4-tcp-server';
import { loadBleno, loadNoble } from '../../radio/loaders';
import { find, READ_CHAR, startPeripheral } from '../../radio/self-test';

describe('a remote radio', () => {
  it('puts a noble on an air another process serves, leaving PLUSHLINK_AIR as it was', async () => {
    const air = new Air({ seed: 2 });
    const server = await serveH4OverTcp(air);
    try {
      await startPeripheral(loadBleno({ kind: 'virtual', air }).bleno, 'Plush R', Buffer.from('remote'));
      const before = process.env.PLUSHLINK_AIR;
      const { noble, device } = loadNoble({ kind: 'remote', air: server.airSpec });
      expect(device).toBeUndefined();
      expect(process.env.PLUSHLINK_AIR).toBe(before);
      const peripheral = await find(noble, 'Plush R');
      await peripheral.connectAsync();
      const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([], [READ_CHAR]);
      expect((await characteristics[0]!.readAsync()).toString()).toBe('remote');
      await peripheral.disconnectAsync();
      expect(air.controllers.map((c) => c.name)).toContain('tcp-1');
    } finally {
      await server.close();
      air.close();
    }
  });

  it('has the controller filter advertisements for it over TCP too, until the filter is cancelled', async () => {
    const air = new Air({ seed: 3 });
    const server = await serveH4OverTcp(air);
    let loaded: ReturnType<typeof loadNoble> | undefined;
    try {
      await startPeripheral(loadBleno({ kind: 'virtual', air }).bleno, 'Plush R', Buffer.from('r'));
      await startPeripheral(loadBleno({ kind: 'virtual', air }).bleno, 'Plush S', Buffer.from('s'));
      loaded = loadNoble({ kind: 'remote', air: server.airSpec });
      const heard = new Set<string>();
      loaded.noble.on('discover', (p) => heard.add(p.advertisement.localName));
      // bleno puts the name in its scan response as a Shortened Local Name (AD type 0x08).
      const filter = await loaded.scanFilters!.monitor([{ adType: 0x08, start: 0, pattern: Buffer.from('Plush S') }]);
      expect(filter).toBeDefined();
      await find(loaded.noble, 'Plush S');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect([...heard]).toEqual(['Plush S']);
      await filter!.cancel();
      await find(loaded.noble, 'Plush R');
    } finally {
      loaded?.release();
      await server.close();
      air.close();
    }
  });
});
