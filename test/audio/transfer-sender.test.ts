// The sender: offers first with a small opening burst behind it, never floods past its window,
// resends only after silence, gives up with a typed error, and reports progress for the user
// interface.
import type { Sodium } from '../../pairing/sodium';
import { sodiumReady } from '../../pairing/sodium';
import { OPENING_CHUNKS, TransferSender, chunkSizeFor } from '../../audio/transfer-sender';
import { type TransferMessage, decodeTransferMessage, encodeTransferMessage, transferTag } from '../../audio/transfer-wire';
import { thrown } from './fixtures';

describe('the transfer sender', () => {
  let sodium: Sodium;
  let envelope: Uint8Array;
  let tag: number;
  beforeAll(async () => {
    sodium = await sodiumReady();
    envelope = sodium.randombytes_buf(10_000);
    tag = transferTag(sodium.crypto_generichash(32, envelope, null));
  });

  const decoded = (out: { messages: Uint8Array[] }): TransferMessage[] => out.messages.map(decodeTransferMessage);
  const state = (next: number, window = 16, received = new Uint8Array(0)): Uint8Array => encodeTransferMessage({ type: 'state', tag, next, window, received });

  const indices = (messages: TransferMessage[]): number[] => messages.map((m) => (m.type === 'data' ? m.index : -1));

  it('offers the envelope (size, hash, chunk size, window) with the first chunks behind it, and sends nothing more until answered', () => {
    const s = new TransferSender(sodium, envelope, { chunkSize: 100, window: 16 });
    const first = decoded(s.connect(0));
    expect(first[0]).toEqual({ type: 'offer', hash: s.hash, total: 10_000, chunkSize: 100, window: 16 });
    // The opening burst saves the round trip; it is small, so a refusal wastes little air.
    expect(OPENING_CHUNKS).toBeLessThanOrEqual(4);
    expect(indices(first.slice(1))).toEqual(Array.from({ length: OPENING_CHUNKS }, (_, i) => i));
    expect(s.phase).toBe('offered');
    expect(decoded(s.tick(999))).toEqual([]);
  });

  it('sends only the offer when told to wait for the answer (opening 0), and never more than its window', () => {
    expect(decoded(new TransferSender(sodium, envelope, { chunkSize: 100, opening: 0 }).connect(0))).toEqual([expect.objectContaining({ type: 'offer' })]);
    expect(indices(decoded(new TransferSender(sodium, envelope, { chunkSize: 100, window: 1, opening: 3 }).connect(0)))).toEqual([-1, 0]);
  });

  it('stops at a refusal: the opening chunks were all that travelled', () => {
    const s = new TransferSender(sodium, envelope, { chunkSize: 100, window: 16 });
    s.connect(0);
    const out = s.receive(encodeTransferMessage({ type: 'reject', hash: s.hash, reason: 'TOO_LARGE' }), 1);
    expect(out.messages).toEqual([]);
    expect(s.phase).toBe('failed');
    expect(decoded(s.tick(100_000))).toEqual([]);
  });

  it('counts the opening chunks in its window when the answer comes, and after a reconnect opens with the first chunks not known to have arrived', () => {
    const s = new TransferSender(sodium, envelope, { chunkSize: 100, window: 4, opening: 2 });
    s.connect(0);
    expect(indices(decoded(s.receive(state(0, 4), 1)))).toEqual([2, 3]);
    // After a disconnect, the burst is the first chunks not known to have arrived.
    s.receive(state(3, 4), 2);
    s.disconnect();
    expect(indices(decoded(s.connect(3)))).toEqual([-1, 3, 4]);
  });

  it('keeps at most the smaller of both windows unacknowledged, and slides on acknowledgements', () => {
    const s = new TransferSender(sodium, envelope, { chunkSize: 100, window: 16, opening: 0 });
    s.connect(0);
    const burst = decoded(s.receive(state(0, 8), 1));
    expect(burst.map((m) => (m.type === 'data' ? m.index : -1))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const slide = s.receive(state(3, 8), 2);
    expect(decoded(slide).map((m) => (m.type === 'data' ? m.index : -1))).toEqual([8, 9, 10]);
    expect(slide.events).toEqual([{ type: 'progress', bytesDone: 300, total: 10_000 }]);
    // Selective acknowledgement of chunks 5 and 6 (bits 1 and 2 after next = 3) sends nothing
    // new: the receiver takes only chunks 3-10 until chunk 3 arrives.
    expect(decoded(s.receive(state(3, 8, Uint8Array.of(0b110)), 3)).map((m) => (m.type === 'data' ? m.index : -1))).toEqual([]);
  });

  it('polls and then resends what was not acknowledged after retransmitMs of silence', () => {
    const s = new TransferSender(sodium, envelope, { chunkSize: 100, window: 4, retransmitMs: 1000, opening: 0 });
    s.connect(0);
    s.receive(state(0, 4), 0);
    expect(decoded(s.tick(999))).toEqual([]);
    expect(decoded(s.tick(1000))).toEqual([expect.objectContaining({ type: 'offer' })]);
    expect(decoded(s.receive(state(2, 4), 1001)).map((m) => (m.type === 'data' ? m.index : -1))).toEqual([2, 3, 4, 5]);
  });

  it('says SENT right behind its last chunk, and only then: the receiver then has a packet to answer in the same connection event', () => {
    const s = new TransferSender(sodium, envelope.subarray(0, 1000), { chunkSize: 100, window: 4, opening: 2 });
    const t = transferTag(s.hash);
    const sent = { type: 'sent', tag: t };
    const at = (next: number): Uint8Array => encodeTransferMessage({ type: 'state', tag: t, next, window: 4, received: new Uint8Array(0) });
    expect(decoded(s.connect(0)).map((m) => m.type)).toEqual(['offer', 'data', 'data']);
    expect(decoded(s.receive(at(0), 1)).map((m) => m.type)).toEqual(['data', 'data']);
    expect(indices(decoded(s.receive(at(4), 2)))).toEqual([4, 5, 6, 7]);
    const last = decoded(s.receive(at(8), 3));
    expect(indices(last.slice(0, 2))).toEqual([8, 9]);
    expect(last.slice(2)).toEqual([sent]);
    // Acknowledgements that send nothing say nothing more; a resend of the last chunk says it again.
    expect(decoded(s.receive(at(9), 4))).toEqual([]);
    expect(decoded(s.tick(1004))).toEqual([expect.objectContaining({ type: 'offer' })]);
    expect(decoded(s.receive(at(9), 1005))).toEqual([expect.objectContaining({ type: 'data', index: 9 }), sent]);
    // A message that fits the opening burst says SENT with it.
    const small = new TransferSender(sodium, envelope.subarray(0, 250), { chunkSize: 100 });
    expect(decoded(small.connect(0)).map((m) => m.type)).toEqual(['offer', 'data', 'data', 'data', 'sent']);
  });

  it('gives up with ABORTED after maxRetries polls without an answer', () => {
    const s = new TransferSender(sodium, envelope, { chunkSize: 100, retransmitMs: 10, maxRetries: 2 });
    s.connect(0);
    s.tick(10);
    s.tick(20);
    const out = s.tick(30);
    expect(out.events).toEqual([{ type: 'failed', error: expect.objectContaining({ code: 'ABORTED' }) }]);
    expect(s.phase).toBe('failed');
  });

  it('completes on DONE and fails with the receiver reason on REJECT', () => {
    const s = new TransferSender(sodium, envelope, { chunkSize: 100 });
    s.connect(0);
    expect(s.receive(encodeTransferMessage({ type: 'done', hash: s.hash }), 1).events).toEqual([
      { type: 'progress', bytesDone: 10_000, total: 10_000 },
      { type: 'complete' },
    ]);
    const t = new TransferSender(sodium, envelope, { chunkSize: 100 });
    t.connect(0);
    expect(t.receive(encodeTransferMessage({ type: 'reject', hash: t.hash, reason: 'TOO_LARGE' }), 1).events).toEqual([
      { type: 'failed', error: expect.objectContaining({ code: 'TOO_LARGE' }) },
    ]);
  });

  it('stops sending when disconnected and asks "where were we?" on reconnect', () => {
    const s = new TransferSender(sodium, envelope, { chunkSize: 100, window: 4, opening: 0 });
    s.connect(0);
    s.receive(state(0, 4), 0);
    s.disconnect();
    expect(s.phase).toBe('disconnected');
    expect(decoded(s.tick(100_000))).toEqual([]);
    expect(decoded(s.connect(100_001, chunkSizeFor(244)))).toEqual([expect.objectContaining({ type: 'offer', chunkSize: 237 })]);
  });

  it('refuses impossible settings as INVALID_ARGUMENT', () => {
    expect(thrown(() => new TransferSender(sodium, envelope, { chunkSize: 0 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => new TransferSender(sodium, new Uint8Array(0), { chunkSize: 10 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => new TransferSender(sodium, envelope, { chunkSize: 10, window: 5000 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => new TransferSender(sodium, envelope, { chunkSize: 10, opening: -1 })).code).toBe('INVALID_ARGUMENT');
  });
});
