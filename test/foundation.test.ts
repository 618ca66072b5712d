// The toolchain itself: TypeScript tests run under jest, fast-check is available, and
// libsodium's sumo build has the primitives the protocol needs.
import fc from 'fast-check';
import { sodiumReady } from '../pairing/sodium';

describe('the foundation', () => {
  it('runs TypeScript tests with fast-check properties', () => {
    fc.assert(fc.property(fc.uint8Array(), (bytes) => Buffer.from(bytes).equals(Buffer.from(Array.from(bytes)))));
  });

  it('loads the libsodium sumo build with ristretto255 and HMAC-SHA-256', async () => {
    const sodium = await sodiumReady();
    expect(typeof sodium.crypto_core_ristretto255_from_hash).toBe('function');
    expect(typeof sodium.crypto_auth_hmacsha256).toBe('function');
  });
});
