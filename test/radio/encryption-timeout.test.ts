// An encryption start that the peripheral's host never answers ends the link with the LL response
// timeout (Core Vol 6 Part B 5.2; reason 0x22 at both ends), as on hardware, instead of leaving
// the central waiting for an Encryption Change that never comes. bleno is such a host: it leaves
// LE Long Term Key Requests to a kernel.
import { Air } from '../../radio/air';
import type { Controller } from '../../radio/controller';
import { Ev, H4, LeEv, Op, Status } from '../../radio/hci';
import { loadBleno } from '../../radio/loaders';
import { startPeripheral } from '../../radio/self-test';
import { RawHost, settle } from './raw-host';
import { connect } from './realistic-hosts';

const u16 = (n: number): number[] => [n & 0xff, n >> 8];
const addr = (text: string): number[] => [...Buffer.from(text.split(':').reverse().join(''), 'hex')];
const LTK = new Array<number>(16).fill(0x42);

function startEncryption(central: RawHost, handle: number): void {
  central.command(Op.leStartEncryption, [...u16(handle), ...new Array<number>(8).fill(1), 0x34, 0x12, ...LTK]);
}

/** Disconnection reasons a controller reports to its host. */
function disconnectReasons(controller: Controller): number[] {
  const reasons: number[] = [];
  controller.tap((direction, packet) => {
    if (direction === 'toHost' && packet[0] === H4.event && packet[1] === Ev.disconnectionComplete) reasons.push(packet[6]!);
  });
  return reasons;
}

describe('an encryption start nobody answers', () => {
  let air: Air;
  afterEach(() => air.close());

  it('ends with LL Response Timeout at both ends after 40 s of simulated time (realistic clock, bleno peripheral)', async () => {
    air = new Air({ seed: 3, clock: 'realistic' });
    const { bleno, device } = loadBleno({ kind: 'virtual', air }, { name: 'toy' });
    const toyHeard = disconnectReasons(device!.controller);
    await startPeripheral(bleno, 'Plush', Buffer.from('x'));
    const phone = new RawHost(air);
    phone.command(Op.leCreateConnection, [...u16(0x60), ...u16(0x30), 0, 0, ...addr(device!.controller.address), 0, ...u16(24), ...u16(24), ...u16(0), ...u16(400), ...u16(0), ...u16(0)]);
    await air.clock.idle();
    const handle = phone.leMeta(LeEv.connectionComplete).at(-1)!.readUInt16LE(1);
    const started = air.clock.now();
    startEncryption(phone, handle);
    await air.clock.idle();
    expect(phone.events.filter((e) => e.code === Ev.encryptionChange)).toEqual([]);
    expect(phone.disconnections.map(([h, reason]) => [h, reason])).toEqual([[handle, Status.llResponseTimeout]]);
    const elapsed = phone.disconnections[0]![2] - started;
    expect(elapsed).toBeGreaterThanOrEqual(40_000);
    expect(elapsed).toBeLessThan(40_100);
    expect(toyHeard).toEqual([Status.llResponseTimeout]);
  });

  it('does not time out a start the peripheral host answers', async () => {
    air = new Air({ seed: 3, clock: 'realistic' });
    const phone = new RawHost(air);
    const toy = new RawHost(air);
    const { c, p } = await connect(phone, toy, () => air.clock.idle());
    const started = air.clock.now();
    startEncryption(phone, c);
    // Not idle(): that would let simulated time run on to the timeout.
    for (let i = 0; i < 100 && toy.leMeta(LeEv.longTermKeyRequest).length === 0; i++) await settle(1);
    toy.command(Op.leLtkReply, [...u16(p), ...LTK]);
    await air.clock.idle();
    expect(phone.events.filter((e) => e.code === Ev.encryptionChange).map((e) => e.params[0])).toEqual([Status.success]);
    expect(phone.disconnections).toEqual([]);
    expect(air.clock.now() - started).toBeLessThan(1000);
  });

  it('times out after 2 s of real time on the fast clock, where hosts answer in milliseconds', async () => {
    air = new Air({ seed: 3 });
    const phone = new RawHost(air);
    const toy = new RawHost(air);
    toy.command(Op.leSetAdvertisingParameters, [...u16(0x20), ...u16(0x20), 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0]);
    toy.command(Op.leSetAdvertiseEnable, [1]);
    phone.command(Op.leCreateConnection, [...u16(0x60), ...u16(0x30), 0, 0, ...addr(toy.controller.address), 0, ...u16(6), ...u16(12), ...u16(0), ...u16(200), ...u16(0), ...u16(0)]);
    await settle(10);
    const c = phone.leMeta(LeEv.connectionComplete).at(-1)!.readUInt16LE(1);
    const started = Date.now();
    startEncryption(phone, c);
    await settle();
    expect(toy.leMeta(LeEv.longTermKeyRequest)).toHaveLength(1);
    while (phone.disconnections.length === 0 && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(phone.disconnections.map(([, reason]) => reason)).toEqual([Status.llResponseTimeout]);
    expect(toy.disconnections.map(([, reason]) => reason)).toEqual([Status.llResponseTimeout]);
  });
});
