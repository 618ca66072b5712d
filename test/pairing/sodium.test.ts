// libsodium's randomness (pairing/sodium.ts): its wasm build asks the host for one random value per
// byte; plushlink serves those values from a pool the platform's CSPRNG fills, each value once.
import type { Sodium } from '../../pairing/sodium';

async function freshSodium(): Promise<Sodium> {
  let ready: Promise<Sodium> | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ready = (require('../../pairing/sodium') as typeof import('../../pairing/sodium')).sodiumReady();
  });
  return ready!;
}

describe("libsodium's random bytes", () => {
  afterEach(() => jest.restoreAllMocks());

  it('come from Web Crypto getRandomValues, a pool of 1024 values per call', async () => {
    const fill = jest.spyOn(globalThis.crypto, 'getRandomValues');
    const sodium = await freshSodium();
    fill.mockClear();
    sodium.randombytes_buf(10 * 1024);
    // One value per byte: 10 KiB of random bytes empties the pool ten or eleven times.
    expect(fill.mock.calls.length).toBeGreaterThanOrEqual(10);
    expect(fill.mock.calls.length).toBeLessThanOrEqual(11);
  });

  it('follow what the CSPRNG gives, and never serve a value twice', async () => {
    let counter = 0;
    jest.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const values = array as unknown as Uint32Array;
      for (let i = 0; i < values.length; i++) values[i] = counter++;
      return array;
    });
    const sodium = await freshSodium();
    const bytes = sodium.randombytes_buf(3000);
    // A counting "CSPRNG" shows through: no byte repeats the one before it, as a reused value would.
    for (let i = 1; i < bytes.length; i++) expect(bytes[i]).not.toBe(bytes[i - 1]);
  });

  it('differ from one draw to the next', async () => {
    const sodium = await freshSodium();
    const a = sodium.randombytes_buf(32);
    const b = sodium.randombytes_buf(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});
