// Size buckets: what the relay accepts and what a stolen database shows of a message's length.
import fc from 'fast-check';
import { type Sodium, sodiumReady } from '../../pairing/sodium';
import { RelayError } from '../../relay/errors';
import { MIN_BUCKET, bucketFor, isBucket, padToBucket, unpadBucket } from '../../relay/padding';

let sodium: Sodium;
beforeAll(async () => {
  sodium = await sodiumReady();
});

describe('size buckets (Padmé, at least 1 KiB)', () => {
  it('pads every length to a bucket at most ~12% larger, and unpads it back exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40_000 }), (bytes) => {
        const padded = padToBucket(sodium, bytes);
        expect(isBucket(padded.length)).toBe(true);
        expect(padded.length).toBeGreaterThan(bytes.length);
        if (bytes.length >= MIN_BUCKET) expect(padded.length / (bytes.length + 1)).toBeLessThanOrEqual(1.125);
        expect(Buffer.from(unpadBucket(sodium, padded)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('maps many lengths to one bucket: 15,872 to 16,383 bytes all measure 16 KiB', () => {
    expect(new Set([15_872, 16_000, 16_383].map(bucketFor))).toEqual(new Set([16_384]));
    expect(bucketFor(16_384)).toBeGreaterThan(16_384);
  });

  it('refuses a length that is not a bucket and padding that is not 0x80 then zeros', () => {
    expect(() => unpadBucket(sodium, new Uint8Array(1500))).toThrow(RelayError);
    const badPadding = new Uint8Array(1024).fill(7);
    expect(() => unpadBucket(sodium, badPadding)).toThrow(/ISO\/IEC 7816-4/);
  });
});
