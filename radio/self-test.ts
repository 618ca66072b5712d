// The radio's self-test: a minimal GATT peripheral on bleno and a central on noble that finds it,
// used to check an air end to end (the tests, the radio benchmark, and `plushlink demo --radio`).
// It is not the toy: firmware-sim/ and client/ define the product's GATT profile.
import type { Air } from './air';
import { Bleno, loadBleno, loadNoble, Noble } from './loaders';

export const SERVICE = '7e570001000000000000000000000000';
export const READ_CHAR = '7e570002000000000000000000000000';
export const WRITE_CHAR = '7e570003000000000000000000000000';
export const NOTIFY_CHAR = '7e570004000000000000000000000000';

export interface TestPeripheral {
  readonly written: Buffer[];
  notify(data: Buffer): void;
  readonly subscribed: Promise<void>;
}

/** Starts advertising `name` with a service of a read, a write-without-response and a notify characteristic. */
export function startPeripheral(bleno: Bleno, name: string, readValue: Buffer): Promise<TestPeripheral> {
  const written: Buffer[] = [];
  let notifier: ((data: Buffer) => void) | undefined;
  let onSubscribe: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (onSubscribe = resolve));
  const service = new bleno.PrimaryService({
    uuid: SERVICE,
    characteristics: [
      new bleno.Characteristic({
        uuid: READ_CHAR,
        properties: ['read'],
        onReadRequest: (offset, callback) => callback(0, readValue.subarray(offset)),
      }),
      new bleno.Characteristic({
        uuid: WRITE_CHAR,
        properties: ['writeWithoutResponse', 'write'],
        onWriteRequest: (data, _offset, _withoutResponse, callback) => {
          written.push(Buffer.from(data));
          callback(0);
        },
      }),
      new bleno.Characteristic({
        uuid: NOTIFY_CHAR,
        properties: ['notify'],
        onSubscribe: (_max, update) => {
          notifier = update;
          onSubscribe();
        },
        onUnsubscribe: () => (notifier = undefined),
      }),
    ],
  });
  return new Promise((resolve, reject) => {
    const start = (state: string): void => {
      if (state !== 'poweredOn') return;
      bleno.startAdvertising(name, [SERVICE], (error) => {
        if (error) return reject(error);
        bleno.setServices([service], (e) => (e ? reject(e) : resolve({ written, notify: (d) => notifier?.(d), subscribed })));
      });
    };
    if (bleno.state === 'poweredOn') start('poweredOn');
    else bleno.on('stateChange', start);
  });
}

export function poweredOn(noble: Noble): Promise<void> {
  return new Promise((resolve) => {
    if ((noble as unknown as { state: string }).state === 'poweredOn') return resolve();
    noble.on('stateChange', (state) => state === 'poweredOn' && resolve());
  });
}

/** Scans until a peripheral advertising `name` is found. */
export async function find(noble: Noble, name: string): Promise<import('@abandonware/noble').Peripheral> {
  await poweredOn(noble);
  const found = new Promise<import('@abandonware/noble').Peripheral>((resolve) => {
    const onDiscover = (p: import('@abandonware/noble').Peripheral): void => {
      if (p.advertisement.localName === name) {
        noble.removeListener('discover', onDiscover);
        resolve(p);
      }
    };
    noble.on('discover', onDiscover);
  });
  await noble.startScanningAsync([], false);
  const peripheral = await found;
  await noble.stopScanningAsync();
  return peripheral;
}

/** What one complete GATT session between a fresh phone and a fresh toy observed. */
export interface GattSession {
  readonly connectable: boolean;
  readonly serviceUuids: string[];
  readonly rssi: number;
  readonly acceptedAddress: string;
  readonly read: string;
  readonly written: Buffer[];
  readonly notified: string;
  readonly finalState: string;
  /** ATT MTU as noble and bleno each settled it. */
  readonly mtu: { readonly central: number | null; readonly peripheral: number };
  /** RSSI of the live connection as noble read it through HCI Read RSSI. */
  readonly connectedRssi: number;
}

/** A phone finds "Plush 1", connects, reads, writes both ways, gets a notification and hangs up. */
export async function exerciseGatt(air: Air): Promise<GattSession> {
  const { bleno } = loadBleno({ kind: 'virtual', air }, { name: 'toy' });
  const { noble } = loadNoble({ kind: 'virtual', air }, { name: 'phone' });
  const toy = await startPeripheral(bleno, 'Plush 1', Buffer.from('hello from the toy'));

  const peripheral = await find(noble, 'Plush 1');
  const accepted = new Promise<string>((resolve) => bleno.once('accept', resolve));
  const blenoMtu = new Promise<number>((resolve) => bleno.once('mtuChange', resolve));
  await peripheral.connectAsync();
  const acceptedAddress = await accepted;
  const connectedRssi = await peripheral.updateRssiAsync();

  const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], []);
  const byUuid = new Map(characteristics.map((c) => [c.uuid, c]));
  const read = (await byUuid.get(READ_CHAR)!.readAsync()).toString();
  await byUuid.get(WRITE_CHAR)!.writeAsync(Buffer.alloc(200, 7), true);
  await byUuid.get(WRITE_CHAR)!.writeAsync(Buffer.from('ack me'), false);

  const notify = byUuid.get(NOTIFY_CHAR)!;
  const received = new Promise<Buffer>((resolve) => notify.once('data', resolve));
  await notify.subscribeAsync();
  await toy.subscribed;
  toy.notify(Buffer.from('paw pressed'));
  const notified = (await received).toString();

  const blenoSaw = new Promise<string>((resolve) => bleno.once('disconnect', resolve));
  await peripheral.disconnectAsync();
  await blenoSaw;
  return {
    connectable: peripheral.connectable,
    serviceUuids: peripheral.advertisement.serviceUuids,
    rssi: peripheral.rssi,
    acceptedAddress,
    read,
    written: toy.written,
    notified,
    finalState: peripheral.state,
    mtu: { central: peripheral.mtu, peripheral: await blenoMtu },
    connectedRssi,
  };
}
