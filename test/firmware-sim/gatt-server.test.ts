// The toy's GATT server keeps advertising across any number of connections without piling up
// state, and advertises a pairing window that opened while a phone was connected.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToyFirmware } from '../../firmware-sim/firmware';
import { ToyGattServer } from '../../firmware-sim/gatt-server';
import { advertisedName, parseAdvert } from '../../firmware-sim/profile';
import { Air } from '../../radio/air';
import { loadBleno } from '../../radio/loaders';
import { AttackerPhone } from '../attacks/attacker-phone';

describe('the toy GATT server', () => {
  let air: Air;
  let dir: string;
  beforeEach(() => {
    air = new Air({ seed: 4 });
    dir = mkdtempSync(join(tmpdir(), 'plushlink-gatt-'));
  });
  afterEach(() => {
    air.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-advertises after every disconnection without leaking a listener per connection', async () => {
    const firmware = await ToyFirmware.boot({ dir });
    const { bleno } = loadBleno({ kind: 'virtual', air });
    await ToyGattServer.start(bleno, firmware);
    const phone = new AttackerPhone(air);
    const name = advertisedName(firmware.identity.toyId);
    for (let i = 0; i < 25; i++) {
      const peripheral = await phone.find(name);
      await peripheral.connectAsync();
      await peripheral.disconnectAsync();
    }
    expect(bleno.listenerCount('advertisingStart')).toBe(0);
    expect((await phone.find(name)).advertisement.localName).toBe(name);
  });

  it('logs, never throws, when a pairing window closes after its radio has gone', async () => {
    const lines: string[] = [];
    const firmware = await ToyFirmware.boot({ dir, log: (line) => lines.push(line) });
    const { bleno } = loadBleno({ kind: 'virtual', air });
    await ToyGattServer.start(bleno, firmware);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): number => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      air.close();
      // The socket notices the radio is gone at its next once-a-second poll.
      for (let i = 0; i < 300 && bleno.state === 'poweredOn'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      firmware.emit('pairing-window', false); // what the window's timer does when it runs out
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(lines.some((line) => line.startsWith('advertising failed'))).toBe(true);
  });

  it('advertises a pairing window opened while a phone was connected, once it has gone', async () => {
    const firmware = await ToyFirmware.boot({ dir });
    await ToyGattServer.start(loadBleno({ kind: 'virtual', air }).bleno, firmware);
    const phone = new AttackerPhone(air);
    const name = advertisedName(firmware.identity.toyId);
    const peripheral = await phone.find(name);
    expect(parseAdvert(peripheral.advertisement.manufacturerData)?.pairingWindowOpen).toBe(false);
    await peripheral.connectAsync();
    await firmware.pawPress();
    await peripheral.disconnectAsync();
    let open = false;
    for (let i = 0; i < 20 && !open; i++) open = parseAdvert((await phone.find(name)).advertisement.manufacturerData)?.pairingWindowOpen ?? false;
    expect(open).toBe(true);
  });
});
