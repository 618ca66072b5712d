// Fragmentation: any frame, cut for any ATT payload size from 20 to 512, reassembles exactly;
// no fragment sequence makes the reassembler hold more than its limit or throw anything but a
// PairingError.
import fc from 'fast-check';
import { MAX_ATT_PAYLOAD, MIN_ATT_PAYLOAD, Reassembler, fragment } from '../../pairing/fragment';
import { errorCode, returnsOrPairingError } from './helpers';

const attSize = fc.integer({ min: MIN_ATT_PAYLOAD, max: MAX_ATT_PAYLOAD });
const frameBytes = fc.uint8Array({ minLength: 1, maxLength: 3000 });

describe('fragment and Reassembler', () => {
  it('property: any frame at any ATT payload size reassembles exactly, every fragment within the size', () => {
    fc.assert(
      fc.property(fc.array(frameBytes, { minLength: 1, maxLength: 4 }), attSize, (frames, size) => {
        const reassembler = new Reassembler(3000);
        for (const frame of frames) {
          const pieces = fragment(frame, size);
          expect(pieces.every((p) => p.length <= size)).toBe(true);
          const outputs = pieces.map((p) => reassembler.push(p));
          expect(outputs.slice(0, -1).every((o) => o === undefined)).toBe(true);
          expect(outputs.at(-1)).toEqual(frame);
          expect(reassembler.bufferedBytes).toBe(0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('uses one fragment for a frame that fits and the minimum count otherwise', () => {
    expect(fragment(new Uint8Array(17), 20)).toHaveLength(1);
    expect(fragment(new Uint8Array(18), 20)).toHaveLength(2);
    expect(fragment(new Uint8Array(17 + 19 * 3), 20)).toHaveLength(4);
  });

  it('refuses ATT sizes outside 20-512 and frames over 65535 bytes', () => {
    expect(errorCode(() => fragment(new Uint8Array(10), 19))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => fragment(new Uint8Array(10), 513))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => fragment(new Uint8Array(65536), 512))).toBe('TOO_LARGE');
  });

  it('refuses a declared length over its limit before buffering anything', () => {
    const reassembler = new Reassembler(100);
    expect(errorCode(() => reassembler.push(fragment(new Uint8Array(101), 512)[0] as Uint8Array))).toBe('TOO_LARGE');
    expect(reassembler.bufferedBytes).toBe(0);
  });

  it('rejects a missing, repeated or reordered fragment and recovers at the next frame', () => {
    const frame = Uint8Array.from({ length: 100 }, (_, i) => i);
    const [a, b, c] = fragment(frame, 40) as [Uint8Array, Uint8Array, Uint8Array];
    const reassembler = new Reassembler();
    reassembler.push(a);
    expect(errorCode(() => reassembler.push(c))).toBe('OUT_OF_ORDER');
    expect(errorCode(() => reassembler.push(b))).toBe('MALFORMED');
    reassembler.push(a);
    reassembler.push(b);
    expect(errorCode(() => reassembler.push(b))).toBe('OUT_OF_ORDER');
    for (const piece of [a, b, c]) reassembler.push(piece);
    expect(reassembler.bufferedBytes).toBe(0);
  });

  it('property: arbitrary fragment floods give only PairingErrors and never exceed the memory bound', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 60 }), (flood) => {
        const reassembler = new Reassembler(1024);
        for (const piece of flood) {
          returnsOrPairingError(() => reassembler.push(piece));
          expect(reassembler.bufferedBytes).toBeLessThanOrEqual(1024);
        }
      }),
      { numRuns: 300 },
    );
  });
});
