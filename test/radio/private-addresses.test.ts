// Each central's own address reaches its peer as the central chose it (Own_Address_Type, LE Set
// Random Address; Core Vol 4 Part E 7.8.12 and 7.7.65.1), and a phone loaded by the client shows
// the air a resolvable private address, never its identity address.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Peripheral } from '@abandonware/noble';
import { ToyClient } from '../../client/toy-client';
import { ToyFirmware } from '../../firmware-sim/firmware';
import { ToyGattServer } from '../../firmware-sim/gatt-server';
import { addressToBytes } from '../../radio/address';
import { Air } from '../../radio/air';
import type { Controller } from '../../radio/controller';
import { LeEv, Op, Status } from '../../radio/hci';
import { randomAddressHash, resolvablePrivateAddress, resolves } from '../../radio/host-privacy';
import { loadBleno, loadNoble } from '../../radio/loaders';
import { startPeripheral } from '../../radio/self-test';
import { RawHost, settle } from './raw-host';

const u16 = (n: number): number[] => [n & 0xff, n >> 8];
const addr = (text: string): number[] => [...addressToBytes(text)];
const RANDOM = 1;
const PUBLIC = 0;

function advertise(host: RawHost, ownAddressType = PUBLIC): void {
  host.command(Op.leSetAdvertisingParameters, [...u16(0x20), ...u16(0x20), 0, ownAddressType, 0, 0, 0, 0, 0, 0, 0, 7, 0]);
  const data = [2, 1, 6, 6, 9, ...Buffer.from('Plush')];
  host.command(Op.leSetAdvertisingData, [data.length, ...data, ...new Array(31 - data.length).fill(0)]);
  host.command(Op.leSetScanResponseData, [data.length, ...data, ...new Array(31 - data.length).fill(0)]);
  host.command(Op.leSetAdvertiseEnable, [1]);
}

function createConnection(central: RawHost, peer: string, peerType: number, ownAddressType: number): void {
  central.command(Op.leCreateConnection, [...u16(0x60), ...u16(0x30), 0, peerType, ...addr(peer), ownAddressType, ...u16(6), ...u16(12), ...u16(0), ...u16(200), ...u16(0), ...u16(0)]);
}

/** Peer address type and address of the LE Connection Completes a controller reports to its host. */
function connectionPeers(controller: Controller): Array<[number, string]> {
  const peers: Array<[number, string]> = [];
  controller.tap((direction, packet) => {
    if (direction !== 'toHost' || packet[1] !== 0x3e || packet[3] !== LeEv.connectionComplete || packet[4] !== Status.success) return;
    peers.push([packet[8]!, [...packet.subarray(9, 15)].reverse().map((b) => b.toString(16).padStart(2, '0')).join(':')]);
  });
  return peers;
}

describe('resolvable private addresses (Vol 3 Part H 2.2.2, Vol 6 Part B 1.3.2.2)', () => {
  it('hash with ah as the specification\'s sample data does (Vol 3 Part H, D.7)', () => {
    expect(randomAddressHash(Buffer.from('ec0234a357c8ad05341010a60a397d9b', 'hex'), Buffer.from('708194', 'hex')).toString('hex')).toBe('0dfbaa');
  });

  it('carry 01 in their top bits and resolve with their IRK only', () => {
    const irk = Buffer.alloc(16, 7);
    const address = resolvablePrivateAddress(irk);
    expect(parseInt(address.slice(0, 2), 16) >> 6).toBe(0b01);
    expect(resolves(address, irk)).toBe(true);
    expect(resolves(address, Buffer.alloc(16, 8))).toBe(false);
    expect(resolvablePrivateAddress(irk)).not.toBe(address);
  });
});

describe('own addresses on the air', () => {
  let air: Air;
  beforeEach(() => (air = new Air({ seed: 21 })));
  afterEach(() => air.close());

  it('tells the peripheral the random address a central initiated from, and the public one otherwise', async () => {
    const toy = new RawHost(air);
    const peers = connectionPeers(toy.controller);
    const phone = new RawHost(air);
    phone.command(Op.leSetRandomAddress, addr('5a:01:02:03:04:05'));
    advertise(toy);
    createConnection(phone, toy.controller.address, PUBLIC, RANDOM);
    await settle(10);
    phone.command(Op.disconnect, [...u16(phone.leMeta(LeEv.connectionComplete)[0]!.readUInt16LE(1)), 0x13]);
    await settle(10);
    advertise(toy);
    createConnection(phone, toy.controller.address, PUBLIC, PUBLIC);
    await settle(10);
    expect(peers).toEqual([
      [RANDOM, '5a:01:02:03:04:05'],
      [PUBLIC, phone.controller.address],
    ]);
  });

  it('refuses a random own address the host never set, and a new random address while initiating', async () => {
    const phone = new RawHost(air);
    createConnection(phone, '11:22:33:44:55:66', PUBLIC, RANDOM);
    phone.command(Op.leSetScanParameters, [1, ...u16(0x10), ...u16(0x10), RANDOM, 0]);
    phone.command(Op.leSetScanEnable, [1, 0]);
    createConnection(phone, '11:22:33:44:55:66', PUBLIC, PUBLIC);
    phone.command(Op.leSetRandomAddress, addr('5a:01:02:03:04:05'));
    await settle();
    expect(phone.statuses(Op.leCreateConnection)).toEqual([Status.invalidParameters, Status.success]);
    expect(phone.completions(Op.leSetScanEnable)).toEqual([Buffer.from([Status.invalidParameters])]);
    expect(phone.completions(Op.leSetRandomAddress)).toEqual([Buffer.from([Status.commandDisallowed])]);
  });

  it('reports an advertiser with a random address as random, and noble connects to it there', async () => {
    const toy = new RawHost(air);
    const peers = connectionPeers(toy.controller);
    toy.command(Op.leSetRandomAddress, addr('c3:11:22:33:44:55'));
    advertise(toy, RANDOM);
    const { noble } = loadNoble({ kind: 'virtual', air }, { name: 'phone' });
    const heard = new Promise<Peripheral>((resolve) => noble.on('discover', (p: Peripheral) => p.advertisement.localName === 'Plush' && resolve(p)));
    await new Promise<void>((resolve) => noble.on('stateChange', (s: string) => s === 'poweredOn' && resolve()));
    await noble.startScanningAsync([], false);
    const peripheral = await heard;
    await noble.stopScanningAsync();
    expect([peripheral.addressType, peripheral.address]).toEqual(['random', 'c3:11:22:33:44:55']);
    await peripheral.connectAsync();
    expect(toy.leMeta(LeEv.connectionComplete).map((c) => c[0])).toEqual([Status.success]);
    expect(peers.map(([type]) => type)).toEqual([PUBLIC]); // noble itself initiates from its public address
    await peripheral.disconnectAsync();
  });
});

describe('a private-address phone as a sniffer hears it (realistic clock)', () => {
  it('sends SCAN_REQ and CONNECT_IND from its resolvable private address, flagged random (TxAdd)', async () => {
    const air = new Air({ seed: 23, clock: 'realistic' });
    try {
      const { bleno, device } = loadBleno({ kind: 'virtual', air }, { name: 'toy' });
      const peers = connectionPeers(device!.controller);
      await startPeripheral(bleno, 'Plush', Buffer.from('x'));
      const heard: Buffer[] = [];
      air.observe((packet) => packet.channel >= 37 && heard.push(packet.pdu));
      const { noble, device: phoneDevice } = loadNoble({ kind: 'virtual', air }, { name: 'phone', privateAddress: true });
      const found = new Promise<Peripheral>((resolve) => noble.on('discover', (p: Peripheral) => p.advertisement.localName === 'Plush' && resolve(p)));
      await new Promise<void>((resolve) => noble.on('stateChange', (s: string) => s === 'poweredOn' && resolve()));
      await noble.startScanningAsync([], false);
      const peripheral = await found;
      await noble.stopScanningAsync();
      await peripheral.connectAsync();
      await peripheral.disconnectAsync();
      const rpa = phoneDevice!.controller.randomAddress!;
      const sentBy = (type: number): Array<[boolean, string]> =>
        heard.filter((pdu) => (pdu[0]! & 0x0f) === type).map((pdu) => [(pdu[0]! & 0x40) !== 0, [...pdu.subarray(2, 8)].reverse().map((b) => b.toString(16).padStart(2, '0')).join(':')]);
      expect(sentBy(0x3).length).toBeGreaterThan(0);
      expect(new Set(sentBy(0x3).map(String))).toEqual(new Set([String([true, rpa])]));
      expect(sentBy(0x5)).toEqual([[true, rpa]]);
      expect(peers).toEqual([[RANDOM, rpa]]);
    } finally {
      air.close();
    }
  });
});

describe('a phone loaded by the client', () => {
  let air: Air;
  let dir: string;
  const toys: ToyFirmware[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plushlink-private-address-'));
    air = new Air({ seed: 22, captureDir: join(dir, 'captures') });
  });
  afterEach(() => {
    // Switched off, so that no pairing-window timer outlives the test.
    for (const toy of toys.splice(0)) toy.powerOff();
    air.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pairedPeer(options: { privateAddress?: boolean }): Promise<{ peer: [number, string]; phone: Controller; toy: Controller }> {
    const toy = await ToyFirmware.boot({ dir: join(dir, 'toy') });
    toys.push(toy);
    const { bleno, device } = loadBleno({ kind: 'virtual', air }, { name: 'toy' });
    const peers = connectionPeers(device!.controller);
    await ToyGattServer.start(bleno, toy);
    const client = await ToyClient.create({ radio: { kind: 'virtual', air }, store: join(dir, 'phone.json'), label: 'Parent', ...options });
    await toy.pawPress();
    const session = await client.pair(toy.identity.toyId, { code: toy.identity.code });
    await session.disconnect();
    const phone = air.controllers.find((c) => c.name === 'Parent')!;
    return { peer: peers[0]!, phone, toy: device!.controller };
  }

  it('connects from a resolvable private address, and its identity address never reaches the toy', async () => {
    const { peer, phone, toy } = await pairedPeer({});
    const [type, address] = peer;
    expect(type).toBe(RANDOM);
    expect(address).toBe(phone.randomAddress);
    expect(parseInt(address.slice(0, 2), 16) >> 6).toBe(0b01);
    expect(address).not.toBe(phone.address);
    const toyCapture = readFileSync(join(dir, 'captures', readdirSync(join(dir, 'captures')).find((f) => f.startsWith(`${toy.name}-`))!));
    expect(toyCapture.includes(addressToBytes(phone.address))).toBe(false);
  });

  it('uses its public address when told to', async () => {
    const { peer, phone } = await pairedPeer({ privateAddress: false });
    expect(peer).toEqual([PUBLIC, phone.address]);
  });
});
