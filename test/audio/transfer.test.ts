// Transfers end to end, over a link that loses, duplicates, reorders and drops: every message
// either arrives bit-identical or ends in a typed error, never corrupted, and the receiver's
// memory stays bounded.
import fc from 'fast-check';
import type { Sodium } from '../../pairing/sodium';
import { sodiumReady } from '../../pairing/sodium';
import { AudioError } from '../../audio/errors';
import { OPENING_CHUNKS } from '../../audio/transfer-sender';
import { TestLink, type Direction } from './transfer-link';

const direction = fc.constantFrom<Direction>('toReceiver', 'toSender');
const step = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('deliver' as const), direction, pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), direction, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), direction, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reconnect' as const), chunkSize: fc.option(fc.integer({ min: 1, max: 240 }), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reboot' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restartSender' as const) }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function apply(link: TestLink, s: Step): void {
  switch (s.kind) {
    case 'deliver':
      return link.deliver(s.direction, s.pick);
    case 'drop':
      return link.drop(s.direction, s.pick);
    case 'duplicate':
      return link.duplicate(s.direction, s.pick);
    case 'tick':
      return link.tick(s.ms);
    case 'disconnect':
      return link.disconnect();
    case 'reconnect':
      return link.reconnect(s.chunkSize);
    case 'reboot':
      return link.rebootReceiver();
    case 'restartSender':
      return link.restartSender();
  }
}

describe('voice-message transfers', () => {
  let sodium: Sodium;
  beforeAll(async () => {
    sodium = await sodiumReady();
  });

  const scenario = fc.record({
    // Sized explicitly: fast-check's default arrays are a few bytes, which would be one chunk.
    envelope: fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.nat()).map(([n, seed]) => Uint8Array.from({ length: n }, (_, i) => (i * 167 + seed) & 0xff)),
    chunkSize: fc.integer({ min: 1, max: 240 }),
    senderWindow: fc.integer({ min: 1, max: 64 }),
    receiverWindow: fc.integer({ min: 1, max: 64 }),
    // Chunks sent with the offer before the receiver answers (0: wait for the answer).
    opening: fc.integer({ min: 0, max: 8 }),
    steps: fc.array(step, { maxLength: 120 }),
  });

  it('deliver every envelope bit-identical over any schedule of loss, duplication, reordering, disconnects and reboots', () => {
    fc.assert(
      fc.property(scenario, ({ envelope, chunkSize, senderWindow, receiverWindow, opening, steps }) => {
        const link = new TestLink(sodium, envelope, { chunkSize, window: senderWindow, retransmitMs: 500, maxRetries: 3, opening }, { window: receiverWindow, maxBytes: 4096 });
        steps.forEach((s) => apply(link, s));
        // Then the link behaves; a sender that gave up is restarted, as an app would.
        link.runFairly(20000);
        if (link.sender.phase === 'failed') {
          link.restartSender();
          link.runFairly(20000);
        }
        expect(link.sender.phase).toBe('done');
        const completions = link.completions();
        expect(completions.length).toBeGreaterThanOrEqual(1);
        completions.forEach((c) => expect(Buffer.from(c).equals(Buffer.from(envelope))).toBe(true));
        link.failures().forEach((e) => expect(e).toBeInstanceOf(AudioError));
        expect(link.peakMemory).toBeLessThanOrEqual(4096 + Math.ceil(4096 / 8));
      }),
      { numRuns: 150 },
    );
  });

  it('never deliver a corrupted envelope, even if bytes are altered on the link: typed errors instead', () => {
    const corruption = fc.record({ kind: fc.constant('corrupt' as const), direction, pick: fc.nat(), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) });
    fc.assert(
      fc.property(scenario, fc.array(fc.tuple(fc.nat(), corruption), { minLength: 1, maxLength: 5 }), (sc, corruptions) => {
        const link = new TestLink(sodium, sc.envelope, { chunkSize: sc.chunkSize, window: sc.senderWindow, retransmitMs: 500, maxRetries: 3, opening: sc.opening }, { window: sc.receiverWindow, maxBytes: 4096 });
        sc.steps.forEach((s, i) => {
          apply(link, s);
          for (const [when, c] of corruptions) if (when % (sc.steps.length + 1) === i) link.corrupt(c.direction, c.pick, c.at, c.xor);
        });
        link.runFairly(20000);
        link.completions().forEach((c) => expect(Buffer.from(c).equals(Buffer.from(sc.envelope))).toBe(true));
        link.failures().forEach((e) => expect(e).toBeInstanceOf(AudioError));
        if (link.completions().length === 0) {
          expect(link.sender.phase === 'failed' || link.failures().length > 0).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('resume after a disconnect from the last acknowledged chunk instead of starting over', () => {
    const envelope = sodium.randombytes_buf(5000);
    const link = new TestLink(sodium, envelope, { chunkSize: 100, window: 16 }, { window: 16, maxBytes: 8192 });
    while (link.receiver.snapshot().partial === undefined || link.receiverEvents.filter((e) => e.type === 'progress').length < 20) {
      if (link.queues.toReceiver.length > 0) link.deliver('toReceiver');
      else link.deliver('toSender');
    }
    link.disconnect();
    link.rebootReceiver();
    const sentBefore = link.dataSent;
    link.reconnect();
    link.runFairly(10000);
    expect(link.sender.phase).toBe('done');
    expect(link.completions()).toHaveLength(1);
    // 50 chunks in all; at least the 20 acknowledged ones were not sent again, but for the opening
    // burst after the reconnect: the first chunks the sender did not hear acknowledged, which the
    // receiver may hold already.
    expect(link.dataSent - sentBefore).toBeLessThanOrEqual(30 + OPENING_CHUNKS);
    const resumed = link.receiverEvents.filter((e) => e.type === 'offer').at(-1);
    expect(resumed).toMatchObject({ type: 'offer', total: 5000 });
    expect((resumed as { bytesDone: number }).bytesDone).toBeGreaterThanOrEqual(2000);
  });
});
