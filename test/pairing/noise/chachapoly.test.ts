// ChaCha20-Poly1305 on libsodium's heap: byte for byte what libsodium's own AEAD call returns
// (the published Noise vectors check it too, in handshake-state.test.ts), refuses anything that
// does not authenticate, and leaves neither the key nor a decrypted plaintext in the heap.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ChaChaPoly, TAGLEN } from '../../../pairing/noise/chachapoly';
import { useSodium } from '../helpers';

const sodium = useSodium();

/** The IETF nonce the Noise CipherState uses: 32 zero bits, then n as u64 little-endian. */
function ietfNonce(n: bigint): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, n, true);
  return nonce;
}

const inputs = fc.record({
  key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  nonce: fc.bigInt({ min: 0n, max: (1n << 64n) - 2n }),
  ad: fc.uint8Array({ maxLength: 64 }),
  plaintext: fc.uint8Array({ maxLength: 5000 }),
  reserve: fc.nat({ max: 16 }),
});

describe('ChaChaPoly', () => {
  it('encrypts exactly as crypto_aead_chacha20poly1305_ietf_encrypt does, after the reserved bytes', () => {
    const aead = new ChaChaPoly(sodium());
    fc.assert(
      fc.property(inputs, ({ key, nonce, ad, plaintext, reserve }) => {
        const reference = sodium().crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, ad, null, ietfNonce(nonce), key);
        const sealed = aead.encrypt(key, nonce, ad, plaintext, reserve);
        expect(sealed.subarray(0, reserve)).toEqual(new Uint8Array(reserve));
        expect(sealed.subarray(reserve)).toEqual(reference);
        expect(aead.decrypt(key, nonce, ad, reference)).toEqual(plaintext);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a flipped bit anywhere, another nonce, other associated data, and a truncated tag', () => {
    const aead = new ChaChaPoly(sodium());
    fc.assert(
      fc.property(inputs, fc.nat(), ({ key, nonce, ad, plaintext }, at) => {
        const sealed = aead.encrypt(key, nonce, ad, plaintext);
        const flipped = sealed.slice();
        flipped[at % flipped.length]! ^= 1 << (at % 8);
        expect(aead.decrypt(key, nonce, ad, flipped)).toBeUndefined();
        expect(aead.decrypt(key, nonce + 1n, ad, sealed)).toBeUndefined();
        expect(aead.decrypt(key, nonce, Uint8Array.of(...ad, 0), sealed)).toBeUndefined();
        expect(aead.decrypt(key, nonce, ad, sealed.subarray(0, TAGLEN - 1))).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('leaves neither the key nor a decrypted plaintext in libsodium\'s heap', () => {
    const aead = new ChaChaPoly(sodium());
    // Made outside libsodium: its own randombytes_buf leaves its output behind in the heap.
    const key = new Uint8Array(randomBytes(32));
    const plaintext = new Uint8Array(randomBytes(300));
    const sealed = aead.encrypt(key, 7n, new Uint8Array(0), plaintext);
    expect(aead.decrypt(key, 7n, new Uint8Array(0), sealed)).toEqual(plaintext);
    const heap = Buffer.from((sodium() as unknown as { libsodium: { HEAPU8: Uint8Array } }).libsodium.HEAPU8.buffer);
    expect(heap.indexOf(Buffer.from(key))).toBe(-1);
    expect(heap.indexOf(Buffer.from(plaintext.subarray(0, 32)))).toBe(-1);
  });
});
