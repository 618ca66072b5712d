// The one way plushlink code gets libsodium: the sumo build, because only it has ristretto255,
// SHA-512/256 and HMAC (the plain build's type definitions declare them but they are undefined).
import sodiumModule from 'libsodium-wrappers-sumo';

export type Sodium = typeof sodiumModule;

let loaded: Promise<Sodium> | undefined;

/** Resolves once libsodium's wasm is initialised; cheap to call again. */
export function sodiumReady(): Promise<Sodium> {
  loaded ??= sodiumModule.ready.then(() => {
    useRandomPool(sodiumModule);
    return sodiumModule;
  });
  return loaded;
}

/** 32-bit values drawn from the OS's CSPRNG at a time. */
const POOL_VALUES = 1024;

/**
 * The wasm build asks its host for randomness one byte per call (getRandomValue), and on Node it
 * answers each call with crypto.randomBytes(4): a native call and a Buffer per random byte, about
 * 9 µs on a loaded machine, so a pairing spent more on fetching its random bytes than on some of
 * its scalar multiplications. The values still come from the platform's CSPRNG (Web Crypto's
 * getRandomValues, in Node and in browsers alike), a pool of them at a time, each used once.
 */
function useRandomPool(sodium: Sodium): void {
  const module = (sodium as unknown as { libsodium?: { getRandomValue?: () => number } }).libsodium;
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint32Array) => Uint32Array } }).crypto;
  const fill = webCrypto?.getRandomValues?.bind(webCrypto);
  if (typeof module?.getRandomValue !== 'function' || !fill) return;
  const pool = new Uint32Array(POOL_VALUES);
  let next = POOL_VALUES;
  module.getRandomValue = (): number => {
    if (next === POOL_VALUES) {
      fill(pool);
      next = 0;
    }
    const value = pool[next]!;
    pool[next++] = 0;
    return value;
  };
}
