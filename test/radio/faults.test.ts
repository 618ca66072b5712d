// Faults on the realistic clock replay from a seed and behave as on real links: loss never
// corrupts or duplicates data (the link layer resends), a device out of range or powered off
// is noticed by supervision timeout after the configured time with reason 0x08, and a link can
// be made again once the device is back.
import { Air, AirOptions } from '../../radio/air';
import { LeEv, Op, Status } from '../../radio/hci';
import { rangeMeters } from '../../radio/path-loss';
import { RawHost } from './raw-host';
import { advertise, connect, createConnection, l2cap } from './realistic-hosts';

const bursty: AirOptions['faults'] = { loss: { kind: 'gilbert-elliott', goodToBad: 0.08, badToGood: 0.3, lossInGood: 0.02, lossInBad: 0.9 } };

/** A phone sends 30 L2CAP frames to a toy over a lossy link; returns what the air saw and the toy got. */
async function lossyTransfer(seed: number): Promise<{ outcomes: string[]; received: Buffer; sent: Buffer; completed: number }> {
  const air = new Air({ seed, clock: 'realistic', faults: bursty });
  try {
    const phone = new RawHost(air);
    const toy = new RawHost(air);
    const { c } = await connect(phone, toy, () => air.clock.idle(), { timeoutUnits: 3200 });
    const outcomes: string[] = [];
    air.observe((p) => p.direction && outcomes.push(`${p.timeUs} ${p.direction} ${p.pdu[1]} ${p.received ? 'ok' : 'lost'}`));
    const frames = Array.from({ length: 30 }, (_, i) => l2cap(60 + i, i));
    for (const frame of frames) phone.sendAcl(c, frame);
    await air.clock.idle();
    const completed = phone.events.filter((e) => e.code === 0x13).reduce((n, e) => n + e.params.readUInt16LE(3), 0);
    return { outcomes, received: Buffer.concat(toy.acl.map((a) => a.data)), sent: Buffer.concat(frames), completed };
  } finally {
    air.close();
  }
}

describe('faults on the realistic clock', () => {
  it('replay identically from the same seed, differ with another, and never corrupt or duplicate data', async () => {
    const first = await lossyTransfer(17);
    const again = await lossyTransfer(17);
    const other = await lossyTransfer(18);
    expect(first.outcomes.filter((o) => o.endsWith('lost')).length).toBeGreaterThan(3);
    expect(again.outcomes).toEqual(first.outcomes);
    expect(other.outcomes).not.toEqual(first.outcomes);
    for (const run of [first, other]) {
      expect(run.received).toEqual(run.sent);
      expect(run.completed).toBe(30);
    }
  });

  describe('range and supervision', () => {
    let air: Air;
    let phone: RawHost;
    let toy: RawHost;
    beforeEach(() => {
      air = new Air({ seed: 4, clock: 'realistic' });
      phone = new RawHost(air, { position: { x: 0, y: 0 } });
      toy = new RawHost(air, { position: { x: 2, y: 0 } });
    });
    afterEach(() => air.close());

    it('drops a link by supervision timeout, reason 0x08, the configured time after the toy walks out of range', async () => {
      const { c, p } = await connect(phone, toy, () => air.clock.idle(), { intervalUnits: 24, timeoutUnits: 50 });
      await air.clock.sleep(1000);
      const left = air.clock.now();
      air.place(toy.controller, { x: rangeMeters('1M', air.pathLoss) + 10, y: 0 });
      await air.clock.idle();
      const [[handle, reason, at]] = phone.disconnections as [[number, number, number]];
      expect([handle, reason]).toEqual([c, Status.connectionTimeout]);
      // 500 ms from the last packet heard, which is at most one 30 ms interval before leaving.
      expect(at - left).toBeGreaterThanOrEqual(500 - 30);
      expect(at - left).toBeLessThanOrEqual(500 + 30);
      expect(toy.disconnections.map(([h, r]) => [h, r])).toEqual([[p, Status.connectionTimeout]]);
    });

    it('keeps a link whose device comes back within the timeout', async () => {
      await connect(phone, toy, () => air.clock.idle(), { timeoutUnits: 50 });
      air.place(toy.controller, { x: 1000, y: 0 });
      await air.clock.sleep(300);
      air.place(toy.controller, { x: 3, y: 0 });
      await air.clock.sleep(2000);
      expect(phone.disconnections).toEqual([]);
    });

    it('cannot connect out of range, and connects again once the toy is back', async () => {
      await connect(phone, toy, () => air.clock.idle());
      air.place(toy.controller, { x: 1000, y: 0 });
      await air.clock.idle();
      expect(phone.disconnections).toHaveLength(1);
      advertise(toy);
      createConnection(phone, toy);
      await air.clock.sleep(2000);
      expect(phone.leMeta(LeEv.connectionComplete)).toHaveLength(1);
      air.place(toy.controller, { x: 1, y: 1 });
      await air.clock.idle();
      expect(phone.leMeta(LeEv.connectionComplete).map((e) => e[0])).toEqual([Status.success, Status.success]);
    });

    it('reports RSSI from the path-loss model, weaker with distance', async () => {
      const { c } = await connect(phone, toy, () => air.clock.idle());
      const rssi = async (): Promise<number> => {
        phone.command(Op.readRssi, [c & 0xff, c >> 8]);
        await air.clock.idle();
        return phone.completions(Op.readRssi).at(-1)!.readInt8(3);
      };
      const near = await rssi();
      air.place(toy.controller, { x: 20, y: 0 });
      const far = await rssi();
      expect(near).toBeLessThan(-40);
      expect(far).toBeLessThan(near - 20);
    });
  });

  it('tells the phone the link timed out when the toy loses power mid-transfer, and the toy host nothing', async () => {
    const air = new Air({ seed: 6, clock: 'realistic' });
    try {
      const phone = new RawHost(air);
      const toy = new RawHost(air);
      const { c } = await connect(phone, toy, () => air.clock.idle(), { intervalUnits: 24, timeoutUnits: 100 });
      for (let i = 0; i < 200; i++) phone.sendAcl(c, l2cap(100, i));
      await air.clock.sleep(45);
      const cut = air.clock.now();
      const delivered = toy.acl.length;
      expect(delivered).toBeGreaterThan(0);
      air.powerOff(toy.controller);
      await air.clock.idle();
      expect(toy.acl.length).toBe(delivered);
      expect(toy.disconnections).toEqual([]);
      const [[handle, reason, at]] = phone.disconnections as [[number, number, number]];
      expect([handle, reason]).toEqual([c, Status.connectionTimeout]);
      expect(at - cut).toBeGreaterThanOrEqual(1000 - 30);
      expect(at - cut).toBeLessThanOrEqual(1000 + 30);
    } finally {
      air.close();
    }
  });
});
