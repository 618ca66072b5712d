// The realistic clock: simulated time that moves only for the air's own events, connection
// parameters chosen by the central as a phone's OS chooses them, updates that take effect at
// their instant, host latency, and the unmodified noble and bleno running on top of it all.
import { Air } from '../../radio/air';
import { LeEv, Op, Status } from '../../radio/hci';
import { exerciseGatt } from '../../radio/self-test';
import { RawHost } from './raw-host';
import { connect, l2cap } from './realistic-hosts';

const u16 = (n: number): number[] => [n & 0xff, n >> 8];

describe('the realistic clock', () => {
  let air: Air;
  afterEach(() => air.close());

  it('leaves simulated time still while nothing on the air needs it, however long hosts take', async () => {
    air = new Air({ seed: 2, clock: 'realistic' });
    const phone = new RawHost(air);
    const toy = new RawHost(air);
    await connect(phone, toy, () => air.clock.idle());
    const settled = air.clock.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await air.clock.idle();
    expect(air.clock.now()).toBe(settled);
    await air.clock.sleep(250);
    expect(air.clock.now()).toBeCloseTo(settled + 250, 6);
  });

  it('connects as iOS does, refuses an update below 15 ms and grants 15 ms at the update instant', async () => {
    air = new Air({ seed: 2, clock: 'realistic' });
    const phone = new RawHost(air, { phone: 'ios' });
    const toy = new RawHost(air);
    for (const host of [phone, toy]) host.command(Op.leSetEventMask, [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    // The host asks 7.5 ms and 420 ms as noble does; the phone's controller decides.
    const { c } = await connect(phone, toy, () => air.clock.idle(), { intervalUnits: 6, timeoutUnits: 42 });
    const [complete] = phone.leMeta(LeEv.connectionComplete);
    expect([complete!.readUInt16LE(11), complete!.readUInt16LE(15)]).toEqual([24, 72]); // 30 ms, 720 ms
    expect(toy.leMeta(LeEv.phyUpdateComplete).map((e) => e[3])).toEqual([2]); // moved to 2M

    const update = (minUnits: number, maxUnits: number): void =>
      phone.command(Op.leConnectionUpdate, [...u16(c), ...u16(minUnits), ...u16(maxUnits), ...u16(0), ...u16(300), ...u16(0), ...u16(0)]);
    update(6, 8);
    await air.clock.idle();
    expect(phone.statuses(Op.leConnectionUpdate)).toEqual([Status.unacceptableConnectionParameters]);
    const asked = air.clock.now();
    update(12, 24);
    await air.clock.idle();
    const index = phone.packets.findIndex((p) => p[1] === 0x3e && p[3] === LeEv.connectionUpdateComplete);
    expect(phone.packets[index]!.readUInt16LE(7)).toBe(12); // 15 ms
    // LL_CONNECTION_UPDATE_IND goes out at the next event; its instant is 6 events later.
    expect(phone.times[index]! - asked).toBeGreaterThanOrEqual(6 * 30 - 1e-6);
    expect(phone.times[index]! - asked).toBeLessThanOrEqual(8 * 30);
  });

  it('delays what a host receives by its configured latency, keeping order', async () => {
    air = new Air({ seed: 2, clock: 'realistic' });
    const phone = new RawHost(air);
    const toy = new RawHost(air, { faults: { latencyMs: 40, jitterMs: 5 } });
    const { c } = await connect(phone, toy, () => air.clock.idle());
    const sentAt = air.clock.now();
    for (let i = 0; i < 5; i++) phone.sendAcl(c, l2cap(10, i));
    await air.clock.idle();
    const arrivals = toy.packets.map((p, i) => [p[0], toy.times[i]!] as const).filter(([type]) => type === 0x02);
    expect(toy.acl.map((a) => a.data[4])).toEqual([0, 1, 2, 3, 4]);
    expect(arrivals[0]![1] - sentAt).toBeGreaterThanOrEqual(40);
    expect(arrivals[0]![1] - sentAt).toBeLessThanOrEqual(40 + 5 + 30);
  });

  it('runs an unmodified noble and bleno session, which takes the connection events it would on a phone', async () => {
    air = new Air({ seed: 7, clock: 'realistic', link: { intervalMs: 30 } });
    const wallStart = performance.now();
    const session = await exerciseGatt(air);
    expect(session.read).toBe('hello from the toy');
    expect(session.notified).toBe('paw pressed');
    expect(session.written).toEqual([Buffer.alloc(200, 7), Buffer.from('ack me')]);
    // Service discovery, a read, writes, a subscription: over a dozen request/response round
    // trips, one 30 ms connection event each at least.
    expect(air.clock.now()).toBeGreaterThan(12 * 30);
    expect(performance.now() - wallStart).toBeLessThan(air.clock.now() * 10);
  });
});
