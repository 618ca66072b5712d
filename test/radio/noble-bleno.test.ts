// The virtual radio carries the real, unmodified noble and bleno: a phone finds a toy, connects,
// uses GATT both ways, and either side can hang up.
import { Air } from '../../radio/air';
import { loadBleno, loadNoble } from '../../radio/loaders';
import { find, NOTIFY_CHAR, READ_CHAR, SERVICE, startPeripheral, WRITE_CHAR } from './stacks';

describe('noble and bleno on one virtual air', () => {
  let air: Air;
  beforeEach(() => {
    air = new Air({ seed: 7 });
  });
  afterEach(() => air.close());

  it('lets a central discover, connect, read, write, subscribe and disconnect', async () => {
    const { bleno } = loadBleno({ kind: 'virtual', air }, { name: 'toy' });
    const { noble } = loadNoble({ kind: 'virtual', air }, { name: 'phone' });
    const toy = await startPeripheral(bleno, 'Plush 1', Buffer.from('hello from the toy'));

    const peripheral = await find(noble, 'Plush 1');
    expect(peripheral.connectable).toBe(true);
    expect(peripheral.advertisement.serviceUuids).toContain(SERVICE);
    expect(peripheral.rssi).toBeLessThan(0);

    const accepted = new Promise<string>((resolve) => bleno.once('accept', resolve));
    await peripheral.connectAsync();
    expect(await accepted).toBe(air.controllers.find((c) => c.name === 'phone')!.address);

    const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], []);
    const byUuid = new Map(characteristics.map((c) => [c.uuid, c]));
    expect((await byUuid.get(READ_CHAR)!.readAsync()).toString()).toBe('hello from the toy');

    const payload = Buffer.alloc(200, 7);
    await byUuid.get(WRITE_CHAR)!.writeAsync(payload, true);
    await byUuid.get(WRITE_CHAR)!.writeAsync(Buffer.from('ack me'), false);
    expect(toy.written).toEqual([payload, Buffer.from('ack me')]);

    const notify = byUuid.get(NOTIFY_CHAR)!;
    const received = new Promise<Buffer>((resolve) => notify.once('data', resolve));
    await notify.subscribeAsync();
    await toy.subscribed;
    toy.notify(Buffer.from('paw pressed'));
    expect((await received).toString()).toBe('paw pressed');

    const blenoSaw = new Promise<string>((resolve) => bleno.once('disconnect', resolve));
    await peripheral.disconnectAsync();
    await blenoSaw;
    expect(peripheral.state).toBe('disconnected');
  });
});
