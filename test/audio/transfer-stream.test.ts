// Streamed transfers (OPEN ... END) carrying streamed envelopes (version 4): the body travels as it
// is sealed, resumes across reboots of the receiver, and whatever a hostile link does to it
// (drop, repeat, reorder, alter, cut), what the receiver delivers either opens to exactly the audio
// that was sealed or is refused with a typed error: never other audio, never a crash.
import fc from 'fast-check';
import type { PartyKeys } from '../../pairing/keys';
import type { Sodium } from '../../pairing/sodium';
import { sodiumReady } from '../../pairing/sodium';
import { concatBytes } from '../../audio/bytes';
import { openEnvelope } from '../../audio/envelope';
import { EnvelopeStreamSealer } from '../../audio/envelope-stream';
import { AudioError } from '../../audio/errors';
import { TransferReceiver } from '../../audio/transfer-receiver';
import { TransferSender } from '../../audio/transfer-sender';
import { decodeReceiverSnapshot, encodeReceiverSnapshot } from '../../audio/transfer-snapshot';
import { OutgoingStream } from '../../audio/transfer-stream';
import { decodeTransferMessage, encodeTransferMessage } from '../../audio/transfer-wire';
import { makeParty, publicOf } from './parties';

/** What goes wrong at a step; `rechunk` reconnects with another chunk size (a new MTU). */
type Fault = 'none' | 'drop' | 'repeat' | 'swap' | 'alter' | 'reboot' | 'reconnect' | 'rechunk';
const FAULTS: Fault[] = ['none', 'drop', 'repeat', 'swap', 'alter', 'reboot', 'reconnect', 'rechunk'];

describe('streamed transfers of streamed envelopes', () => {
  let sodium: Sodium;
  let phone: PartyKeys;
  let toy: PartyKeys;
  beforeAll(async () => {
    sodium = await sodiumReady();
    [phone, toy] = [makeParty(sodium), makeParty(sodium)];
  });

  /**
   * Seals `pieces` into a stream while a sender sends it to a receiver; `faults` (one per step)
   * act on the messages towards the receiver. Returns the audio and what the receiver delivered.
   */
  function run(pieces: Uint8Array[], faults: Fault[], first: number): { audio: Uint8Array; delivered: Uint8Array[] } {
    let chunkSize = first;
    const audio = concatBytes(pieces);
    const sealer = new EnvelopeStreamSealer(sodium, { sender: phone, recipients: [publicOf(toy)], time: 1, maxAudioBytes: audio.length, maxPushes: pieces.length });
    const stream = new OutgoingStream(sodium, sealer.header, sealer.maxBodyLength);
    const sender = new TransferSender(sodium, stream, { chunkSize, window: 8, retransmitMs: 10, maxRetries: 1000 });
    let receiver = new TransferReceiver(sodium, { maxBytes: 1 << 20, window: 8 });
    const delivered: Uint8Array[] = [];
    let now = 0;
    let toReceiver: Uint8Array[] = [...sender.connect(now).messages];
    let remaining = [...pieces];
    for (let step = 0; step < 400 && sender.phase !== 'done' && sender.phase !== 'failed'; step++) {
      now += 1;
      // The encoder makes the next piece now and then.
      if (remaining.length > 0 && step % 3 === 0) {
        stream.append(sealer.push(remaining[0]!));
        remaining = remaining.slice(1);
        if (remaining.length === 0) {
          stream.append(sealer.finish());
          stream.end();
        }
        toReceiver.push(...sender.more().messages);
      }
      const fault = faults[step] ?? 'none'; // the link misbehaves for a while, then behaves
      let batch = toReceiver;
      toReceiver = [];
      if (fault === 'drop') batch = batch.slice(1);
      if (fault === 'repeat' && batch[0]) batch = [batch[0], ...batch];
      if (fault === 'swap' && batch.length > 1) batch = [batch[1]!, batch[0]!, ...batch.slice(2)];
      if (fault === 'alter' && batch[0] && batch[0].length > 8) {
        const altered = batch[0].slice();
        altered[altered.length - 1] = altered[altered.length - 1]! ^ 0x01;
        batch = [altered, ...batch.slice(1)];
      }
      if (fault === 'reboot') receiver = new TransferReceiver(sodium, { maxBytes: 1 << 20, window: 8 }, decodeReceiverSnapshot(encodeReceiverSnapshot(receiver.snapshot()), 1 << 20));
      const replies: Uint8Array[] = [];
      for (const m of batch) {
        const out = receiver.receive(m);
        replies.push(...out.messages);
        for (const e of out.events) if (e.type === 'complete') delivered.push(e.envelope);
      }
      if (fault === 'reconnect' || fault === 'rechunk') {
        sender.disconnect();
        receiver.disconnect();
        if (fault === 'rechunk') chunkSize = chunkSize === first ? first + 7 : first;
        toReceiver.push(...sender.connect(now, chunkSize).messages);
        continue;
      }
      for (const m of replies) toReceiver.push(...sender.receive(m, now).messages);
      toReceiver.push(...sender.tick(now).messages);
    }
    return { audio, delivered };
  }

  const pieces = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 8 });

  it('arrives whole and opens to the audio sealed, over a link that loses, repeats and reorders, and a receiver that reboots', () => {
    fc.assert(
      fc.property(pieces, fc.array(fc.constantFrom<Fault>('none', 'drop', 'repeat', 'swap', 'reboot', 'reconnect', 'rechunk'), { maxLength: 12 }), fc.integer({ min: 16, max: 200 }), (ps, faults, chunkSize) => {
        const { audio, delivered } = run(ps, faults, chunkSize);
        expect(delivered.length).toBeGreaterThanOrEqual(1);
        for (const envelope of delivered) expect(openEnvelope(sodium, envelope, toy).audio).toEqual(audio);
      }),
      { numRuns: 60 },
    );
  });

  it('whatever a hostile link alters, a delivered envelope opens to the sealed audio or is refused with a typed error', () => {
    fc.assert(
      fc.property(pieces, fc.array(fc.constantFrom(...FAULTS), { minLength: 1, maxLength: 12 }), fc.integer({ min: 16, max: 200 }), (ps, faults, chunkSize) => {
        const { audio, delivered } = run(ps, faults, chunkSize);
        for (const envelope of delivered) {
          try {
            expect(openEnvelope(sodium, envelope, toy).audio).toEqual(audio);
          } catch (error) {
            expect(error).toBeInstanceOf(AudioError);
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it('sends END as soon as the stream ends, even when the body fills as many chunks as its bound', () => {
    const stream = new OutgoingStream(sodium, new Uint8Array([1, 2, 3]), 1000);
    const sender = new TransferSender(sodium, stream, { chunkSize: 500, window: 8 });
    const receiver = new TransferReceiver(sodium);
    const deliver = (messages: Uint8Array[]): void => {
      for (const m of messages) for (const r of receiver.receive(m).messages) deliver(sender.receive(r, 0).messages);
    };
    deliver(sender.connect(0).messages);
    stream.append(new Uint8Array(800).fill(7));
    stream.end();
    const out = sender.more().messages.map(decodeTransferMessage);
    expect(out[0]).toEqual({ type: 'end', tag: expect.any(Number), total: 800 });
    expect(out.filter((m) => m.type === 'data').map((m) => (m.type === 'data' ? m.payload.length : 0))).toEqual([500, 300]);
  });

  it('tells a stream that ended while the link was down its END and sends only its real chunks after the reconnection', () => {
    const stream = new OutgoingStream(sodium, new Uint8Array([1, 2, 3]), 5000);
    const sender = new TransferSender(sodium, stream, { chunkSize: 500, window: 16 });
    sender.connect(0);
    sender.disconnect();
    stream.append(new Uint8Array(1200).fill(9));
    stream.end();
    const receiver = new TransferReceiver(sodium);
    const completed: Uint8Array[] = [];
    const deliver = (messages: Uint8Array[]): void => {
      for (const m of messages) {
        expect(decodeTransferMessage(m)).toBeDefined();
        const out = receiver.receive(m);
        for (const e of out.events) if (e.type === 'complete') completed.push(e.envelope);
        for (const r of out.messages) deliver(sender.receive(r, 0).messages);
      }
    };
    deliver(sender.connect(1).messages);
    expect(completed).toEqual([concatBytes([new Uint8Array([1, 2, 3]), new Uint8Array(1200).fill(9)])]);
    expect(sender.phase).toBe('done');
  });

  it('refuses an END beyond the bound or behind what arrived, and a second END that moves, dropping the partial', () => {
    const sealer = new EnvelopeStreamSealer(sodium, { sender: phone, recipients: [publicOf(toy)], time: 1, maxAudioBytes: 100, maxPushes: 1 });
    const stream = new OutgoingStream(sodium, sealer.header, sealer.maxBodyLength);
    const sender = new TransferSender(sodium, stream, { chunkSize: 50, window: 8 });
    const open = sender.connect(0).messages;
    for (const total of [sealer.maxBodyLength + 1, 0]) {
      const receiver = new TransferReceiver(sodium);
      for (const m of open) receiver.receive(m);
      const tag = (sender.hash[0]! << 8) | sender.hash[1]!;
      const out = receiver.receive(new Uint8Array([0x05, tag >> 8, tag & 0xff, total >>> 24, (total >>> 16) & 0xff, (total >>> 8) & 0xff, total & 0xff]));
      expect(out.events.some((e) => e.type === 'failed' && e.error.code === 'CORRUPT')).toBe(true);
      expect(receiver.memoryBytes()).toBe(0);
    }
  });

  it('counts the head against maxBytes: an OPEN whose head and bound together exceed it is TOO_LARGE, and what is held never exceeds it', () => {
    const head = new Uint8Array(100).fill(7);
    const open = (bound: number): Uint8Array => encodeTransferMessage({ type: 'open', bound, chunkSize: 50, window: 8, head });
    const receiver = new TransferReceiver(sodium, { maxBytes: 1000 });
    const refused = receiver.receive(open(1000));
    expect(refused.events).toEqual([expect.objectContaining({ type: 'failed', error: expect.objectContaining({ code: 'TOO_LARGE' }) })]);
    expect(receiver.memoryBytes()).toBe(0);
    // The offer tells the toy what it will hold and store: the head besides the bound.
    expect(receiver.receive(open(900)).events).toEqual([expect.objectContaining({ type: 'offer', total: 900, bytesDone: 0, headBytes: 100 })]);
    expect(receiver.memoryBytes()).toBeGreaterThanOrEqual(1000);
    expect(receiver.memoryBytes()).toBeLessThanOrEqual(1000 + Math.ceil(1000 / 50 / 8));
    const snapshot = receiver.snapshot();
    expect(() => new TransferReceiver(sodium, { maxBytes: 999 }, snapshot)).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
  });
});

