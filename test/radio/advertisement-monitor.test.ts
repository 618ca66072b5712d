// A phone's controller can filter advertisements for its host (the Microsoft-defined HCI
// extension's advertisement monitors): with the filter on, the host hears only advertisers whose
// advertising data or scan response matches a monitor's pattern, and the rest never reach it.
import { Air } from '../../radio/air';
import { monitorCommand, MSFT_EVENT_PREFIX, MSFT_LE_MONITOR_DEVICE_EVENT, MSFT_OPCODE, MsftSub } from '../../radio/advertisement-monitor';
import { AdvReportType, Ev, LeEv, Status } from '../../radio/hci';
import { advertise, RawHost, scan, settle } from './raw-host';

/** A scan response naming a toy in manufacturer data (company 0xffff, then its id). */
const named = (id: number): number[] => [5, 0xff, 0xff, 0xff, id, 0x00];
const reporters = (host: RawHost): string[] => host.leMeta(LeEv.advertisingReport).map((r) => `${r.subarray(3, 9).toString('hex')}/${r[1]}`);
const addressOf = (host: RawHost): string => host.controller.address.split(':').reverse().join('');

describe('advertisement monitors in the controller', () => {
  let air: Air;
  beforeEach(() => (air = new Air({ seed: 12 })));
  afterEach(() => air.close());

  const msft = async (host: RawHost, params: number[] | Buffer): Promise<Buffer> => {
    host.command(MSFT_OPCODE, params);
    await settle();
    return host.completions(MSFT_OPCODE).at(-1)!;
  };

  it('says it supports advertisement monitoring, and the prefix of its events', async () => {
    const phone = new RawHost(air);
    phone.command(MSFT_OPCODE, [MsftSub.readSupportedFeatures]);
    await settle();
    const [reply] = phone.completions(MSFT_OPCODE);
    expect(reply![0]).toBe(Status.success);
    expect(reply![1]).toBe(MsftSub.readSupportedFeatures);
    expect(reply![2]! & 0x08).toBe(0x08);
    expect(reply!.subarray(10)).toEqual(Buffer.concat([Buffer.from([MSFT_EVENT_PREFIX.length]), MSFT_EVENT_PREFIX]));
  });

  it('reports only the advertiser whose scan response matches, once the filter is on', async () => {
    const [wanted, other, phone] = [new RawHost(air), new RawHost(air), new RawHost(air)];
    advertise(wanted, [2, 1, 6], named(1));
    advertise(other, [2, 1, 6], named(2));
    await msft(phone, monitorCommand([{ adType: 0xff, start: 0, pattern: Buffer.from([0xff, 0xff, 1]) }]));
    await msft(phone, [MsftSub.leSetAdvertisementFilterEnable, 1]);
    scan(phone, true, true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(phone.completions(MSFT_OPCODE).map((r) => r[0])).toEqual([Status.success, Status.success]);
    expect(reporters(phone)).toEqual([`${addressOf(wanted)}/${AdvReportType.advInd}`, `${addressOf(wanted)}/${AdvReportType.scanRsp}`]);
    // The host is told once that the monitor follows this device (Monitor_state 1, handle 0).
    const monitorEvents = phone.events.filter((e) => e.code === Ev.vendor);
    expect(monitorEvents.map((e) => e.params)).toEqual([
      Buffer.concat([MSFT_EVENT_PREFIX, Buffer.from([MSFT_LE_MONITOR_DEVICE_EVENT, 0]), Buffer.from(addressOf(wanted), 'hex'), Buffer.from([0, 1])]),
    ]);
  });

  it('lets everything through again when the filter is turned off mid-scan, and the others are heard at once', async () => {
    const [wanted, other, phone] = [new RawHost(air), new RawHost(air), new RawHost(air)];
    advertise(wanted, [2, 1, 6], named(1));
    advertise(other, [2, 1, 6], named(2));
    await msft(phone, monitorCommand([{ adType: 0xff, start: 2, pattern: Buffer.from([1]) }]));
    await msft(phone, [MsftSub.leSetAdvertisementFilterEnable, 1]);
    scan(phone, true, true);
    await settle(10);
    const [wantedAdv, wantedRsp, otherAdv, otherRsp] = [wanted, wanted, other, other].map((h, i) => `${addressOf(h)}/${i % 2 === 0 ? AdvReportType.advInd : AdvReportType.scanRsp}`);
    expect(reporters(phone)).toEqual([wantedAdv, wantedRsp]);
    await msft(phone, [MsftSub.leSetAdvertisementFilterEnable, 0]);
    await settle(10);
    expect(reporters(phone)).toEqual([wantedAdv, wantedRsp, otherAdv, otherRsp]);
  });

  it('matches advertising data only on a passive scan (no scan response is collected)', async () => {
    const [toy, phone] = [new RawHost(air), new RawHost(air)];
    advertise(toy, [2, 1, 6], named(1));
    await msft(phone, monitorCommand([{ adType: 0xff, start: 0, pattern: Buffer.from([0xff, 0xff]) }]));
    await msft(phone, [MsftSub.leSetAdvertisementFilterEnable, 1]);
    scan(phone, false, true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(reporters(phone)).toEqual([]);
  });

  it('refuses what it cannot do with the codes of the specification', async () => {
    const phone = new RawHost(air);
    const status = async (params: number[] | Buffer): Promise<number> => (await msft(phone, params))[0]!;
    // A filter-enable that does not toggle the state: Command Disallowed.
    expect(await status([MsftSub.leSetAdvertisementFilterEnable, 0])).toBe(Status.commandDisallowed);
    expect(await status([MsftSub.leSetAdvertisementFilterEnable, 1])).toBe(Status.success);
    expect(await status([MsftSub.leSetAdvertisementFilterEnable, 1])).toBe(Status.commandDisallowed);
    // A pattern whose length runs past the command, none at all, or an RSSI out of range.
    const good = monitorCommand([{ adType: 0xff, start: 0, pattern: Buffer.from([1, 2]) }]);
    expect(await status(good.subarray(0, good.length - 1))).toBe(Status.invalidParameters);
    expect(await status([MsftSub.leMonitorAdvertisement, 0x81, 0x81, 0x3c, 0, 1, 0])).toBe(Status.invalidParameters);
    expect(await status(Buffer.from([...good.subarray(0, 1), 21, ...good.subarray(2)]))).toBe(Status.invalidParameters);
    // Conditions other than patterns (UUID, IRK, address) are not offered: Unsupported Feature.
    expect(await status([MsftSub.leMonitorAdvertisement, 0x81, 0x81, 0x3c, 0, 2, 1, 0x0d, 0x18])).toBe(0x11);
    // Cancelling a handle that is not in use, and an unknown subcommand.
    expect(await status([MsftSub.leCancelMonitorAdvertisement, 7])).toBe(Status.invalidParameters);
    expect(await status([0x42])).toBe(Status.unknownCommand);
    // A handle comes back, and cancels once.
    const handle = (await msft(phone, good))[2]!;
    expect(await status([MsftSub.leCancelMonitorAdvertisement, handle])).toBe(Status.success);
    expect(await status([MsftSub.leCancelMonitorAdvertisement, handle])).toBe(Status.invalidParameters);
  });

  it('forgets its monitors and turns the filter off at HCI Reset', async () => {
    const [toy, phone] = [new RawHost(air), new RawHost(air)];
    advertise(toy, [2, 1, 6], named(3));
    await msft(phone, monitorCommand([{ adType: 0xff, start: 2, pattern: Buffer.from([9]) }]));
    await msft(phone, [MsftSub.leSetAdvertisementFilterEnable, 1]);
    phone.command(0x0c03); // Reset
    phone.command(0x0c01, [0xff, 0xff, 0xfb, 0xff, 0x07, 0xf8, 0xbf, 0x3d]);
    scan(phone, false, true);
    await settle(10);
    expect(reporters(phone)).toEqual([`${addressOf(toy)}/${AdvReportType.advInd}`]);
  });
});
