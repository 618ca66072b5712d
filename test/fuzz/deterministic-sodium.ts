// libsodium whose randomness is a seeded stream, so a fuzz input replays exactly: the genuine
// keys and frames the targets mutate, and every ephemeral key a state machine draws during a
// run, come out the same in every process. Only for fuzzing; never for real keys.
import type { Sodium } from '../../pairing/sodium';

export interface SeededSodium {
  readonly sodium: Sodium;
  /** Restarts the random stream from `label`: call at the start of every run that draws. */
  reseed(label: string): void;
}

export function seededSodium(real: Sodium, label = 'plushlink fuzz'): SeededSodium {
  let state: Uint8Array = new Uint8Array(32);
  const next = (length: number): Uint8Array<ArrayBuffer> => {
    const out = real.randombytes_buf_deterministic(length, state) as Uint8Array<ArrayBuffer>;
    state = real.crypto_generichash(32, state, null);
    return out;
  };
  // The wrappers' functions do not use `this`, so a prototype-linked copy with the random
  // sources replaced is a complete libsodium.
  const sodium = Object.create(real) as Sodium & Record<string, unknown>;
  sodium.randombytes_buf = ((length: number) => next(length)) as Sodium['randombytes_buf'];
  sodium.randombytes_uniform = ((bound: number) => new DataView(next(4).buffer).getUint32(0, true) % bound) as Sodium['randombytes_uniform'];
  sodium.crypto_kx_keypair = (() => real.crypto_kx_seed_keypair(next(32))) as Sodium['crypto_kx_keypair'];
  sodium.crypto_sign_keypair = (() => real.crypto_sign_seed_keypair(next(32))) as Sodium['crypto_sign_keypair'];
  sodium.crypto_aead_xchacha20poly1305_ietf_keygen = (() => next(32)) as Sodium['crypto_aead_xchacha20poly1305_ietf_keygen'];
  sodium.crypto_secretstream_xchacha20poly1305_keygen = (() => next(32)) as Sodium['crypto_secretstream_xchacha20poly1305_keygen'];
  // init_push draws its 24-byte header inside the wasm, from the host's getRandomValue: seeded
  // for the length of the call.
  const wasm = (real as unknown as { libsodium?: { getRandomValue?: () => number } }).libsodium;
  sodium.crypto_secretstream_xchacha20poly1305_init_push = ((key: Uint8Array) => {
    const saved = wasm?.getRandomValue;
    const bytes = next(64);
    let at = 0;
    if (wasm) wasm.getRandomValue = () => bytes[at++ % bytes.length]!;
    try {
      return real.crypto_secretstream_xchacha20poly1305_init_push(key);
    } finally {
      if (wasm && saved) wasm.getRandomValue = saved;
    }
  }) as Sodium['crypto_secretstream_xchacha20poly1305_init_push'];
  const reseed = (text: string): void => {
    state = real.crypto_generichash(32, new TextEncoder().encode(text), null);
  };
  reseed(label);
  return { sodium, reseed };
}
