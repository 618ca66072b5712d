// The air view's decoders, on captures the simulation really wrote, checked against tshark and
// against the air's own record of which packets were lost: every record is a packet, each device
// has the packets tshark attributes to it, plushlink's frames are named and sealed traffic is
// shown as ciphertext, resends follow real losses, and a file that is not a capture is refused.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AirModel, ViewPacket } from '../../view/decode/air-model';
import { PacketFlag } from '../../view/decode/air-model';
import { CaptureError, readCapture } from '../../view/decode/capture-file';
import { buildModel } from '../../view/decode/model';
import { demoToyCapture, type SniffedRun, sniffPairingAndMessage } from './captures';
import { packetsPerDeviceOnAir, packetsPerDeviceOverHci, tsharkFields } from './tshark';

/** Lane names start with the device's address (an advertised name may follow). */
const laneCounts = (model: AirModel): Map<string, number> => new Map(model.lanes.map((l) => [l.name.split(' "')[0]!, l.count]));
const text = (p: ViewPacket): string => JSON.stringify(p.detail());

describe('the air view decoders', () => {
  let dir: string;
  let run: SniffedRun;
  let air: AirModel;
  let btsnoop: string;
  let hci: AirModel;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plushlink-view-decode-'));
    run = await sniffPairingAndMessage(dir);
    air = buildModel(readFileSync(run.pcap));
    btsnoop = demoToyCapture(join(dir, 'demo'));
    hci = buildModel(readFileSync(btsnoop));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes every record of a sniffer pcap a packet, on the lane of the device tshark says sent it', () => {
    expect(air.packets).toHaveLength(tsharkFields(run.pcap, ['frame.number']).length);
    expect(air.lanes).toHaveLength(2);
    expect(laneCounts(air)).toEqual(packetsPerDeviceOnAir(run.pcap));
    expect(air.lanes.some((l) => /"Plush/.test(l.name))).toBe(true);
  });

  it("names plushlink's pairing frames, and shows session traffic as sealed ciphertext", () => {
    const frames = air.packets.filter((p) => p.layer === 'plushlink' && !/fragment/.test(p.summary) && !(p.flags & PacketFlag.retransmission));
    expect(frames.map((p) => p.summary).slice(0, 3)).toEqual(['PAIR_HELLO', 'PAIR_REPLY', 'PAIR_FINISH']);
    expect(text(frames[0]!)).toMatch(/CPace share: [0-9a-f]{48}/);
    const transport = frames.filter((p) => p.step === 'TRANSPORT');
    expect(transport.length).toBeGreaterThan(5);
    for (const p of transport) {
      expect(p.summary).toMatch(/^TRANSPORT \d+ bytes sealed$/);
      expect(text(p)).toMatch(/ciphertext: \d+ bytes, ChaCha20-Poly1305 .*sealed, not decodable from the air/);
    }
    // Every fragment of a frame carries the frame's step, not only the one that completes it.
    expect(air.packets.filter((p) => p.layer === 'plushlink' && p.step === undefined)).toEqual([]);
  });

  it('marks a resend only after a loss the air recorded, and marks lost packets that were sent again', () => {
    const resent = air.packets.filter((p) => p.flags & PacketFlag.retransmission);
    expect(resent.length).toBeGreaterThan(0);
    const byFrame = [...air.packets].sort((a, b) => a.frame - b.frame);
    for (const p of resent) {
      const previous = byFrame.filter((q) => q.frame < p.frame && q.connection === p.connection && q.sender === p.sender).pop()!;
      expect(previous.flags & PacketFlag.unacknowledged).toBeTruthy();
      const between = run.packets.slice(previous.frame - 1, p.frame - 1);
      expect(between.some((q) => !q.received)).toBe(true);
    }
    // A resend repeats its original's decode and is not reassembled a second time.
    for (const p of resent) {
      const previous = byFrame.filter((q) => q.frame < p.frame && q.connection === p.connection && q.sender === p.sender).pop()!;
      expect([p.layer, p.step, p.summary]).toEqual([previous.layer, previous.step, previous.summary]);
    }
    expect(air.packets.filter((p) => /invalid/.test(p.summary))).toEqual([]);
    const lostThenResent = byFrame.filter((p, i) => p.connection !== undefined && !run.packets[i]!.received && byFrame.some((q) => q.frame > p.frame && q.sender === p.sender && q.flags & PacketFlag.retransmission));
    expect(lostThenResent.length).toBeGreaterThan(0);
  });

  it('finds connection events at the interval the link uses, and the PHY update taking effect', () => {
    const [c] = air.connections;
    expect(c!.events.length).toBeGreaterThan(20);
    expect(new Set(c!.events.map((e) => e.intervalUs))).toEqual(new Set([15_000]));
    expect(c!.events[c!.events.length - 1]!.phy).toBe('2M');
    for (const e of c!.events) expect(e.endUs - e.startUs).toBeLessThan(e.intervalUs);
    expect(air.packets.filter((p) => p.flags & PacketFlag.linkChange).map((p) => p.summary.split(':')[0])).toEqual(expect.arrayContaining(['LL_PHY_UPDATE_IND', 'LL_TERMINATE_IND']));
  });

  it("reads the demo's btsnoop: lanes as tshark counts them, plushlink frames by name", () => {
    expect(hci.packets).toHaveLength(tsharkFields(btsnoop, ['frame.number']).length);
    expect(laneCounts(hci)).toEqual(packetsPerDeviceOverHci(btsnoop));
    const steps = new Set(hci.packets.map((p) => p.step));
    for (const step of ['PAIR_HELLO', 'PAIR_REPLY', 'PAIR_FINISH', 'SESSION_HELLO', 'TRANSPORT', 'REFUSED']) expect(steps).toContain(step);
    // The stranger's closed window and made-up bond, refused by the toy in the clear.
    expect(hci.packets.filter((p) => p.summary.startsWith('REFUSED')).map((p) => p.summary)).toEqual(expect.arrayContaining(['REFUSED WINDOW_CLOSED', 'REFUSED UNKNOWN_BOND']));
    // The stranger's two wrong codes (a guess, the tag's) are caught by its own phone at PAIR_REPLY,
    // which the toy's code confirmation fails (protocol version 2): the phone sends no
    // PAIR_FINISH, so the air shows two pairings that stop there, and no REFUSED WRONG_CODE.
    expect(hci.packets.filter((p) => p.summary === 'REFUSED WRONG_CODE')).toEqual([]);
    const stepsOf = (connection: number): Set<string | undefined> => new Set(hci.packets.filter((p) => p.connection === connection).map((p) => p.step));
    const connections = new Set(hci.packets.map((p) => p.connection).filter((c): c is number => c !== undefined));
    const stoppedAtReply = [...connections].filter((c) => stepsOf(c).has('PAIR_REPLY') && !stepsOf(c).has('PAIR_FINISH') && !stepsOf(c).has('REFUSED'));
    expect(stoppedAtReply).toHaveLength(2);
  });

  it('never fails on altered bytes inside records: any packet decodes to something, or the file is refused', () => {
    // Records keep their framing; their contents (pseudo-header, PDUs, HCI packets) are what the
    // air or a host could have put there. Seeded, so a failure replays.
    for (const file of [run.pcap, btsnoop]) {
      const original = readFileSync(file);
      const { records } = readCapture(original);
      const starts = records.map((r) => r.bytes.byteOffset - original.byteOffset);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 40 }), (edits) => {
          const bytes = Buffer.from(original);
          for (const [record, offset, value] of edits) {
            const r = records[record % records.length]!;
            bytes[starts[record % records.length]! + (offset % Math.max(1, r.bytes.length))] = value;
          }
          let model: AirModel;
          try {
            model = buildModel(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(CaptureError);
            return;
          }
          expect(model.packets).toHaveLength(records.length);
          for (const p of model.packets) expect(p.detail().length).toBeGreaterThan(0);
        }),
        { numRuns: 60, seed: Number(process.env["FUZZ_SEED"] ?? 15) },
      );
    }
  });

  it('refuses what is not a capture, naming what is wrong', () => {
    const pcap = readFileSync(run.pcap);
    const otherLink = Buffer.from(pcap.subarray(0, 24));
    otherLink.writeUInt32LE(1, 20);
    expect(() => readCapture(otherLink)).toThrow(new CaptureError('pcap link type 1: only Bluetooth LE link layer with pseudo-header (256) is supported'));
    expect(() => readCapture(pcap.subarray(0, 24 + 16 + 5))).toThrow(/pcap record 1 truncated/);
    expect(() => readCapture(readFileSync(btsnoop).subarray(0, 30))).toThrow(/btsnoop record 1 header truncated/);
    expect(() => readCapture(Buffer.from('{"name": "plushlink"}'))).toThrow(/not a pcap or btsnoop capture/);
    const garbage = join(dir, 'garbage.pcap');
    writeFileSync(garbage, Buffer.concat([pcap.subarray(0, 24), Buffer.alloc(3000, 0xff)]));
    expect(() => buildModel(readFileSync(garbage))).toThrow(CaptureError);
  });
});
