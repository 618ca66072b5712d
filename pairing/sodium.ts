// The one way plushlink code gets libsodium: the sumo build, because only it has ristretto255,
// SHA-512/256 and HMAC (the plain build's type definitions declare them but they are undefined).
import sodiumModule from 'libsodium-wrappers-sumo';

export type Sodium = typeof sodiumModule;

let loaded: Promise<Sodium> | undefined;

/** Resolves once libsodium's wasm is initialised; cheap to call again. */
export function sodiumReady(): Promise<Sodium> {
  loaded ??= sodiumModule.ready.then(() => sodiumModule);
  return loaded;
}
