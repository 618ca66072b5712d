// The toy's GATT server keeps advertising across any number of connections without piling up
// state, advertises a pairing window that opened while a phone was connected, and stays quiet
// when the window closes after its radio has gone.
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

  it('stays quiet when its pairing window closes after its air has gone', async () => {
    const firmware = await ToyFirmware.boot({ dir });
    const { bleno } = loadBleno({ kind: 'virtual', air });
    await ToyGattServer.start(bleno, firmware);
    const off = new Promise((resolve) => bleno.once('stateChange', resolve));
    air.close();
    await off;
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): number => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    firmware.emit('pairing-window', false); // what the window's timer does when it runs out
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.off('unhandledRejection', onRejection);
    expect(rejections).toEqual([]);
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

  it('does not advertise when the pairing window closes after its radio went away, and leaves no unhandled rejection', async () => {
    const log: string[] = [];
    const firmware = await ToyFirmware.boot({ dir, log: (line) => log.push(line) });
    const { bleno } = loadBleno({ kind: 'virtual', air });
    await ToyGattServer.start(bleno, firmware);
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      air.close(); // the radio gone, as when a test's world closes with its toy still on
      // bleno polls its socket every second and then says it is powered off.
      await new Promise<void>((resolve) => bleno.once('stateChange', () => resolve()));
      firmware.emit('pairing-window', false); // what the window timer does 120 s after a paw press
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(rejections).toEqual([]);
      // A powered-off radio is not asked to advertise at all, so there is no failure to log either.
      expect(log.filter((l) => l.startsWith('advertising failed'))).toEqual([]);
      expect(bleno.state).not.toBe('poweredOn');
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
