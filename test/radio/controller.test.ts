// The virtual controller answers like a real one: every command gets its event, unknown and
// malformed commands get the status codes of the specification, and nothing a host writes can
// throw or disturb another device on the air.
import fc from 'fast-check';
import { Air } from '../../radio/air';
import { AdvReportType, LeEv, Op, Status } from '../../radio/hci';
import { advertise, RawHost, scan, settle } from './raw-host';

const u16 = (n: number): number[] => [n & 0xff, n >> 8];
const addr = (text: string): number[] => [...Buffer.from(text.split(':').reverse().join(''), 'hex')];

describe('a virtual controller', () => {
  let air: Air;
  let logged: string[];
  beforeEach(() => {
    logged = [];
    air = new Air({ seed: 11, log: (line) => logged.push(line) });
  });
  afterEach(() => air.close());

  it('reports an HCI version noble and bleno accept, and its address and LE buffers', async () => {
    const host = new RawHost(air);
    host.command(Op.readLocalVersion);
    host.command(Op.readBdAddr);
    host.command(Op.leReadBufferSize);
    await settle();
    const [version] = host.completions(Op.readLocalVersion);
    expect(version![0]).toBe(Status.success);
    expect(version![1]).toBeGreaterThanOrEqual(6);
    expect(host.completions(Op.readBdAddr)[0]!.subarray(1)).toEqual(Buffer.from(addr(host.controller.address)));
    const buffers = host.completions(Op.leReadBufferSize)[0]!;
    expect(buffers.readUInt16LE(1)).toBe(251);
    expect(buffers[3]).toBeGreaterThan(0);
  });

  it('answers an unknown command with Unknown HCI Command, echoing its opcode', async () => {
    const host = new RawHost(air);
    host.command(0xfc99, [1, 2, 3]);
    await settle();
    expect(host.completions(0xfc99)).toEqual([Buffer.from([Status.unknownCommand])]);
    expect(logged.some((l) => l.includes('unknown command 0xfc99'))).toBe(true);
  });

  it('answers a command with the wrong parameter length with Invalid HCI Command Parameters', async () => {
    const host = new RawHost(air);
    host.command(Op.leSetAdvertiseEnable, [1, 0]);
    host.command(Op.leCreateConnection, [1, 2, 3]);
    await settle();
    expect(host.completions(Op.leSetAdvertiseEnable)).toEqual([Buffer.from([Status.invalidParameters])]);
    // Commands answered by Command Status report their errors there.
    expect(host.statuses(Op.leCreateConnection)).toEqual([Status.invalidParameters]);
  });

  it('refuses a disconnect of a handle it does not have', async () => {
    const host = new RawHost(air);
    host.command(Op.disconnect, [...u16(0x0123), 0x13]);
    await settle();
    expect(host.statuses(Op.disconnect)).toEqual([Status.unknownConnectionId]);
  });

  it('names the handle in a failed command whose return parameters start with one (Vol 4, Part E, 4.5)', async () => {
    const host = new RawHost(air);
    host.command(Op.readRssi, [...u16(0x0123)]);
    host.command(Op.leReadPhy, [...u16(0x0124)]);
    await settle();
    expect(host.completions(Op.readRssi)).toEqual([Buffer.from([Status.unknownConnectionId, ...u16(0x0123)])]);
    expect(host.completions(Op.leReadPhy)).toEqual([Buffer.from([Status.unknownConnectionId, ...u16(0x0124)])]);
  });

  it('survives any bytes a host writes, and still answers afterwards', async () => {
    const victim = new RawHost(air);
    const bystander = new RawHost(air);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0x01, 0x02, 0x03, 0x04, 0x7f), (bytes, type) => {
        victim.controller.fromHost(Buffer.concat([Buffer.from([type]), bytes]));
      }),
      { numRuns: 500, seed: 42 },
    );
    await settle(20);
    victim.packets.length = 0;
    victim.command(Op.reset);
    victim.command(Op.readBdAddr);
    bystander.command(Op.readBdAddr);
    await settle();
    expect(victim.completions(Op.readBdAddr)[0]![0]).toBe(Status.success);
    expect(bystander.completions(Op.readBdAddr)[0]![0]).toBe(Status.success);
  });

  describe('between two hosts', () => {
    async function connect(central: RawHost, peripheral: RawHost): Promise<{ c: number; p: number }> {
      advertise(peripheral);
      central.command(Op.leCreateConnection, [...u16(0x60), ...u16(0x30), 0, 0, ...addr(peripheral.controller.address), 0, ...u16(6), ...u16(12), ...u16(0), ...u16(200), ...u16(0), ...u16(0)]);
      await settle(10);
      const [c] = central.leMeta(LeEv.connectionComplete);
      const [p] = peripheral.leMeta(LeEv.connectionComplete);
      return { c: c!.readUInt16LE(1), p: p!.readUInt16LE(1) };
    }

    it('reports an advertiser, its scan response on an active scan only, and filters duplicates', async () => {
      const toy = new RawHost(air);
      const active = new RawHost(air);
      const passive = new RawHost(air);
      advertise(toy);
      scan(active, true, true);
      scan(passive, false, true);
      await new Promise((resolve) => setTimeout(resolve, 120)); // several 20 ms advertising events
      const types = (host: RawHost): number[] => host.leMeta(LeEv.advertisingReport).map((r) => r[1]!);
      expect(types(active)).toEqual([AdvReportType.advInd, AdvReportType.scanRsp]);
      expect(types(passive)).toEqual([AdvReportType.advInd]);
      expect(active.leMeta(LeEv.advertisingReport)[0]!.subarray(3, 9)).toEqual(Buffer.from(addr(toy.controller.address)));
    });

    it('reports every advertising event when duplicates are not filtered', async () => {
      const toy = new RawHost(air);
      const phone = new RawHost(air);
      advertise(toy);
      scan(phone, false, false);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(phone.leMeta(LeEv.advertisingReport).length).toBeGreaterThan(2);
    });

    it('connects with role 0 at the central and 1 at the peripheral, and stops advertising', async () => {
      const phone = new RawHost(air);
      const toy = new RawHost(air);
      await connect(phone, toy);
      expect(phone.statuses(Op.leCreateConnection)).toEqual([Status.success]);
      const [c] = phone.leMeta(LeEv.connectionComplete);
      const [p] = toy.leMeta(LeEv.connectionComplete);
      expect([c![0], c![3]]).toEqual([Status.success, 0]);
      expect([p![0], p![3]]).toEqual([Status.success, 1]);
      expect(c!.subarray(5, 11)).toEqual(Buffer.from(addr(toy.controller.address)));
      expect(p!.subarray(5, 11)).toEqual(Buffer.from(addr(phone.controller.address)));
      expect(toy.controller.advertising.enabled).toBe(false);
    });

    it('reports Data Length Change only to hosts that enable it, and fragments ACL to the data length', async () => {
      const phone = new RawHost(air, { maxDataLength: 27 });
      const toy = new RawHost(air);
      toy.command(Op.leSetEventMask, [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
      const { c, p } = await connect(phone, toy);
      expect(phone.leMeta(LeEv.dataLengthChange)).toEqual([]); // noble's LE mask (0x1f) leaves it out
      toy.command(Op.leSetDataLength, [...u16(p), ...u16(251), ...u16(2120)]);
      await settle();
      // The phone's controller supports 27 octets only, so the toy's data length stays 27.
      expect(toy.completions(Op.leSetDataLength)[0]![0]).toBe(Status.success);

      const l2cap = Buffer.concat([Buffer.from([...u16(100), ...u16(4)]), Buffer.alloc(100, 0xab)]);
      phone.controller.fromHost(Buffer.concat([Buffer.from([0x02, ...u16(c | (0 << 12)), ...u16(l2cap.length)]), l2cap]));
      await settle(10);
      const fragments = toy.acl;
      expect(fragments.map((f) => f.boundary)).toEqual([0b10, 0b01, 0b01, 0b01]);
      expect(fragments.every((f) => f.handle === p && f.data.length <= 27)).toBe(true);
      expect(Buffer.concat(fragments.map((f) => f.data))).toEqual(l2cap);
      // The sender's buffer is released: Number Of Completed Packets for its handle.
      const nocp = phone.events.filter((e) => e.code === 0x13);
      expect(nocp.map((e) => [e.params.readUInt16LE(1), e.params.readUInt16LE(3)])).toEqual([[c, 1]]);
    });

    it('ends a link from either side with the reason each host should see', async () => {
      const phone = new RawHost(air);
      const toy = new RawHost(air);
      const { c, p } = await connect(phone, toy);
      toy.command(Op.disconnect, [...u16(p), Status.remoteUserTerminated]);
      await settle(10);
      const disc = (host: RawHost): number[][] => host.events.filter((e) => e.code === 0x05).map((e) => [e.params.readUInt16LE(1), e.params[3]!]);
      expect(disc(toy)).toEqual([[p, Status.localHostTerminated]]);
      expect(disc(phone)).toEqual([[c, Status.remoteUserTerminated]]);
    });

    it('tells the peer of a device that loses power that the link timed out', async () => {
      const phone = new RawHost(air);
      const toy = new RawHost(air);
      const { c } = await connect(phone, toy);
      air.powerOff(toy.controller);
      await settle(10);
      expect(phone.events.filter((e) => e.code === 0x05).map((e) => [e.params.readUInt16LE(1), e.params[3]])).toEqual([[c, Status.connectionTimeout]]);
    });

    it('cancels a pending connection with Unknown Connection Identifier', async () => {
      const phone = new RawHost(air);
      phone.command(Op.leCreateConnection, [...u16(0x60), ...u16(0x30), 0, 0, ...addr('11:22:33:44:55:66'), 0, ...u16(6), ...u16(12), ...u16(0), ...u16(200), ...u16(0), ...u16(0)]);
      await settle();
      phone.command(Op.leCreateConnectionCancel);
      await settle();
      expect(phone.completions(Op.leCreateConnectionCancel)).toEqual([Buffer.from([Status.success])]);
      expect(phone.leMeta(LeEv.connectionComplete).map((e) => e[0])).toEqual([Status.unknownConnectionId]);
    });

    it('starts encryption when the peripheral host answers with the key the central used', async () => {
      const phone = new RawHost(air);
      const toy = new RawHost(air);
      const { c, p } = await connect(phone, toy);
      const ltk = [...Buffer.alloc(16, 0x42)];
      phone.command(Op.leStartEncryption, [...u16(c), ...new Array(8).fill(1), 0x34, 0x12, ...ltk]);
      await settle();
      const [request] = toy.leMeta(LeEv.longTermKeyRequest);
      expect([request!.readUInt16LE(0), request!.readUInt16LE(10)]).toEqual([p, 0x1234]);
      toy.command(Op.leLtkReply, [...u16(p), ...ltk]);
      await settle();
      const change = (host: RawHost): number[][] => host.events.filter((e) => e.code === 0x08).map((e) => [e.params[0]!, e.params[3]!]);
      expect(change(phone)).toEqual([[Status.success, 1]]);
      expect(change(toy)).toEqual([[Status.success, 1]]);
    });

    it('fails encryption at the central with PIN or Key Missing when the peripheral has no key', async () => {
      const phone = new RawHost(air);
      const toy = new RawHost(air);
      const { c, p } = await connect(phone, toy);
      phone.command(Op.leStartEncryption, [...u16(c), ...new Array(26).fill(0)]);
      await settle();
      toy.command(Op.leLtkNegativeReply, [...u16(p)]);
      await settle();
      expect(phone.events.filter((e) => e.code === 0x08).map((e) => e.params[0])).toEqual([Status.pinOrKeyMissing]);
      expect(toy.events.filter((e) => e.code === 0x08)).toEqual([]);
    });

    it('moves a link to the 2M PHY when both sides allow it, and tells both hosts', async () => {
      const phone = new RawHost(air);
      const toy = new RawHost(air);
      for (const host of [phone, toy]) host.command(Op.leSetEventMask, [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
      const { c, p } = await connect(phone, toy);
      phone.command(Op.leSetPhy, [...u16(c), 0, 0b010, 0b010, 0, 0]);
      await settle();
      expect(phone.leMeta(LeEv.phyUpdateComplete).map((e) => [e[0], e.readUInt16LE(1), e[3], e[4]])).toEqual([[Status.success, c, 2, 2]]);
      expect(toy.leMeta(LeEv.phyUpdateComplete).map((e) => e.readUInt16LE(1))).toEqual([p]);
      toy.command(Op.leReadPhy, [...u16(p)]);
      await settle();
      expect(toy.completions(Op.leReadPhy)[0]).toEqual(Buffer.from([Status.success, ...u16(p), 2, 2]));
    });

    it('updates connection parameters on both sides, and rejects ones that break the timeout rule', async () => {
      const phone = new RawHost(air);
      const toy = new RawHost(air);
      const { c } = await connect(phone, toy);
      phone.command(Op.leConnectionUpdate, [...u16(c), ...u16(24), ...u16(24), ...u16(0), ...u16(400), ...u16(0), ...u16(0)]);
      phone.command(Op.leConnectionUpdate, [...u16(c), ...u16(24), ...u16(24), ...u16(10), ...u16(10), ...u16(0), ...u16(0)]);
      await settle(10);
      expect(phone.statuses(Op.leConnectionUpdate)).toEqual([Status.success, Status.invalidParameters]);
      for (const host of [phone, toy]) {
        const [update] = host.leMeta(LeEv.connectionUpdateComplete);
        expect([update![0], update!.readUInt16LE(3), update!.readUInt16LE(7)]).toEqual([Status.success, 24, 400]);
      }
    });
  });
});
