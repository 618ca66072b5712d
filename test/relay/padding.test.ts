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
        expect(Buffer.from(unpadBucket(padded)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('maps many lengths to one bucket: 15,872 to 16,383 bytes all measure 16 KiB', () => {
    expect(new Set([15_872, 16_000, 16_383].map(bucketFor))).toEqual(new Set([16_384]));
    expect(bucketFor(16_384)).toBeGreaterThan(16_384);
  });

  it("removes the padding exactly where libsodium's sodium_unpad does, and refuses what it refuses", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 1100 }), fc.nat(40), fc.constantFrom(0, 0x80, 0x81, 7), (bytes, zeros, marker) => {
        // A bucket-sized buffer ending in: some bytes, a marker byte, then `zeros` zero bytes.
        const padded = new Uint8Array(bucketFor(1100));
        padded.set(bytes.subarray(0, padded.length - zeros - 1));
        padded[padded.length - zeros - 1] = marker;
        let theirs: Uint8Array | string;
        try {
          theirs = sodium.unpad(padded, padded.length);
        } catch {
          theirs = 'refused';
        }
        let ours: Uint8Array | string;
        try {
          ours = unpadBucket(padded);
        } catch (error) {
          expect(error).toBeInstanceOf(RelayError);
          ours = 'refused';
        }
        expect(typeof ours === 'string' ? ours : Buffer.from(ours).toString('hex')).toBe(typeof theirs === 'string' ? theirs : Buffer.from(theirs).toString('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a length that is not a bucket and padding that is not 0x80 then zeros', () => {
    expect(() => unpadBucket(new Uint8Array(1500))).toThrow(RelayError);
    const badPadding = new Uint8Array(1024).fill(7);
    expect(() => unpadBucket(badPadding)).toThrow(/ISO\/IEC 7816-4/);
  });
});
