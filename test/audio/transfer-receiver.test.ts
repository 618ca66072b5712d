// The receiver: refuses what is too large before holding anything, holds nothing outside its
// window, checks the whole against the announced hash, and persists to resume.
import fc from 'fast-check';
import type { Sodium } from '../../pairing/sodium';
import { sodiumReady } from '../../pairing/sodium';
import { AudioError } from '../../audio/errors';
import { TransferReceiver } from '../../audio/transfer-receiver';
import { decodeReceiverSnapshot, encodeReceiverSnapshot } from '../../audio/transfer-snapshot';
import { type TransferMessage, decodeTransferMessage, encodeTransferMessage, transferTag } from '../../audio/transfer-wire';
import { parsesOrAudioError, thrown } from './fixtures';

describe('the transfer receiver', () => {
  let sodium: Sodium;
  let envelope: Uint8Array;
  let hash: Uint8Array;
  let tag: number;
  beforeAll(async () => {
    sodium = await sodiumReady();
    envelope = sodium.randombytes_buf(1000);
    hash = sodium.crypto_generichash(32, envelope, null);
    tag = transferTag(hash);
  });

  const send = (r: TransferReceiver, m: TransferMessage) => {
    const out = r.receive(encodeTransferMessage(m));
    return { ...out, replies: out.messages.map(decodeTransferMessage) };
  };
  const offer = (total = 1000, chunkSize = 100, window = 32): TransferMessage => ({ type: 'offer', hash, total, chunkSize, window });
  const chunk = (index: number, data = envelope, size = 100): TransferMessage => ({ type: 'data', tag, index, payload: data.subarray(index * size, (index + 1) * size) });

  it('refuses an offer larger than maxBytes before accepting any chunk, holding no memory', () => {
    const r = new TransferReceiver(sodium, { maxBytes: 999 });
    const out = send(r, offer());
    expect(out.replies).toEqual([{ type: 'reject', hash, reason: 'TOO_LARGE' }]);
    expect(out.events).toEqual([{ type: 'failed', error: expect.objectContaining({ code: 'TOO_LARGE' }) }]);
    // The sender's opening burst arrives after the refusal: dropped, unanswered, nothing held.
    for (let i = 0; i < 3; i++) expect(send(r, chunk(i)).replies).toEqual([]);
    expect(r.memoryBytes()).toBe(0);
  });

  it('answers an offer with its state, then acknowledges and completes with the exact bytes', () => {
    const r = new TransferReceiver(sodium, { window: 8 });
    expect(send(r, offer()).replies).toEqual([{ type: 'state', tag, next: 0, window: 8, received: expect.any(Uint8Array) }]);
    const events = [];
    const replies = [];
    for (let i = 0; i < 10; i++) {
      const out = send(r, chunk(i));
      events.push(...out.events);
      replies.push(...out.replies);
    }
    expect(events.filter((e) => e.type === 'progress').map((e) => (e as { bytesDone: number }).bytesDone)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(events.at(-1)).toEqual({ type: 'complete', hash, envelope });
    expect(replies.at(-1)).toEqual({ type: 'done', hash });
    // A sender that missed DONE and offers again is told again, without a second delivery.
    expect(send(r, offer()).replies).toEqual([{ type: 'done', hash }]);
  });

  it("answers SENT with its state while chunks are missing, and not at all once it said DONE or for another transfer", () => {
    const r = new TransferReceiver(sodium, { window: 8 });
    send(r, offer());
    for (const i of [0, 1, 3]) send(r, chunk(i));
    const missing = send(r, { type: 'sent', tag });
    expect(missing.replies).toEqual([{ type: 'state', tag, next: 2, window: 8, received: Uint8Array.of(0b1) }]);
    expect(missing.events).toEqual([]);
    expect(send(r, { type: 'sent', tag: tag ^ 1 }).replies).toEqual([]);
    for (const i of [2, 4, 5, 6, 7, 8, 9]) send(r, chunk(i));
    const after = send(r, { type: 'sent', tag });
    expect(after.replies).toEqual([]);
    expect(after.events).toEqual([]);
    // Behind a refused offer it is dropped like the opening burst: no answer, nothing held.
    const full = new TransferReceiver(sodium, { maxBytes: 999 });
    send(full, offer());
    expect(send(full, { type: 'sent', tag }).replies).toEqual([]);
    expect(full.memoryBytes()).toBe(0);
  });

  it('never buffers a chunk beyond its window, and says where it is instead', () => {
    const r = new TransferReceiver(sodium, { window: 4 });
    send(r, offer());
    const out = send(r, chunk(4));
    expect(out.events).toEqual([]);
    expect(out.replies).toEqual([expect.objectContaining({ type: 'state', next: 0 })]);
    expect(r.snapshot().partial?.received).toEqual(Uint8Array.of(0, 0));
  });

  it('acknowledges out-of-order chunks selectively', () => {
    const r = new TransferReceiver(sodium, { window: 8 });
    send(r, offer());
    send(r, chunk(0));
    const out = send(r, chunk(3));
    expect(out.replies).toEqual([{ type: 'state', tag, next: 1, window: 8, received: Uint8Array.of(0b010) }]);
  });

  it('reports INTEGRITY when the whole does not match the announced hash, and keeps nothing', () => {
    const r = new TransferReceiver(sodium);
    send(r, offer());
    const forged = envelope.slice();
    forged[500] = (forged[500] as number) ^ 1;
    const events = Array.from({ length: 10 }, (_, i) => send(r, chunk(i, forged)).events).flat();
    expect(events.at(-1)).toEqual({ type: 'failed', error: expect.objectContaining({ code: 'INTEGRITY' }) });
    expect(events.some((e) => e.type === 'complete')).toBe(false);
    expect(r.memoryBytes()).toBe(0);
  });

  it('ignores chunks of the wrong size or index with a typed reason', () => {
    const r = new TransferReceiver(sodium);
    send(r, offer());
    const wrongSize = send(r, { type: 'data', tag, index: 0, payload: new Uint8Array(99) });
    const beyond = send(r, { type: 'data', tag, index: 10, payload: new Uint8Array(100) });
    for (const out of [wrongSize, beyond]) expect(out.events).toEqual([{ type: 'ignored', error: expect.any(AudioError) }]);
  });

  it('persists its partial state as bytes and resumes from it, also with a new chunk size', () => {
    const r = new TransferReceiver(sodium);
    send(r, offer());
    for (let i = 0; i < 5; i++) send(r, chunk(i));
    const restored = new TransferReceiver(sodium, {}, decodeReceiverSnapshot(encodeReceiverSnapshot(r.snapshot()), 1 << 20));
    expect(send(restored, offer()).replies).toEqual([expect.objectContaining({ type: 'state', next: 5 })]);
    // The MTU changed: 500 bytes kept are 3 whole 150-byte chunks.
    const out = send(restored, offer(1000, 150));
    expect(out.replies).toEqual([expect.objectContaining({ type: 'state', next: 3 })]);
    expect(out.events).toEqual([{ type: 'offer', hash, total: 1000, bytesDone: 450, headBytes: 0 }]);
  });

  it('refuses a persisted state larger than maxBytes or malformed with a typed error', () => {
    const r = new TransferReceiver(sodium);
    send(r, offer());
    const persisted = encodeReceiverSnapshot(r.snapshot());
    expect(thrown(() => decodeReceiverSnapshot(persisted, 999)).code).toBe('TOO_LARGE');
    fc.assert(
      fc.property(fc.nat({ max: persisted.length }), fc.uint8Array({ maxLength: 40 }), (cut, junk) =>
        parsesOrAudioError(() => {
          const snapshot = decodeReceiverSnapshot(Uint8Array.from([...persisted.subarray(0, cut), ...junk]), 4096);
          return new TransferReceiver(sodium, { maxBytes: 4096 }, snapshot);
        }),
      ),
      { numRuns: 300 },
    );
  });

  it('keeps its memory bounded whatever a hostile sender sends', () => {
    const hostile: fc.Arbitrary<Uint8Array> = fc.oneof(
      fc.record({ total: fc.integer({ min: 1, max: 0xffffffff }), chunkSize: fc.integer({ min: 1, max: 0xffff }), window: fc.integer({ min: 1, max: 1024 }), hash: fc.uint8Array({ minLength: 32, maxLength: 32 }) }).map((o) =>
        encodeTransferMessage({ type: 'offer', ...o }),
      ),
      fc.record({ tag: fc.integer({ min: 0, max: 0xffff }), index: fc.nat(), payload: fc.uint8Array({ minLength: 1, maxLength: 600 }) }).map((d) => encodeTransferMessage({ type: 'data', ...d })),
      fc.uint8Array({ maxLength: 60 }),
    );
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 50 }), (messages) => {
        const r = new TransferReceiver(sodium, { maxBytes: 2048, window: 8 });
        for (const m of messages) {
          const out = r.receive(m);
          out.events.forEach((e) => 'error' in e && expect(e.error).toBeInstanceOf(AudioError));
          expect(r.memoryBytes()).toBeLessThanOrEqual(2048 + 256);
        }
      }),
      { numRuns: 300 },
    );
  });
});
