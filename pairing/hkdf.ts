// HMAC-SHA256 for any key length and HKDF (RFC 5869) built on it: libsodium has no HKDF, and
// its one-shot HMAC insists on 32-byte keys, so the streaming API is used. Noise's HKDF(ck, ikm,
// n) is exactly RFC 5869 with salt = ck, empty info and n * 32 bytes of output.
import type { Sodium } from './sodium';

export const HASHLEN = 32;

export function hmacSha256(sodium: Sodium, key: Uint8Array, ...data: readonly Uint8Array[]): Uint8Array {
  const state = sodium.crypto_auth_hmacsha256_init(key);
  for (const part of data) sodium.crypto_auth_hmacsha256_update(state, part);
  return sodium.crypto_auth_hmacsha256_final(state);
}

/** RFC 5869 HKDF-SHA256: extract with `salt`, expand to `length` bytes (at most 255 * 32). */
export function hkdfSha256(
  sodium: Sodium,
  salt: Uint8Array,
  ikm: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * HASHLEN) throw new RangeError('HKDF length');
  const prk = hmacSha256(sodium, salt, ikm);
  const out = new Uint8Array(length);
  let block: Uint8Array = new Uint8Array(0);
  for (let i = 1, offset = 0; offset < length; i++, offset += HASHLEN) {
    block = hmacSha256(sodium, prk, block, info, Uint8Array.of(i));
    out.set(block.subarray(0, Math.min(HASHLEN, length - offset)), offset);
  }
  return out;
}

/** Noise's HKDF: `count` (2 or 3) outputs of HASHLEN bytes each. */
export function noiseHkdf(sodium: Sodium, chainingKey: Uint8Array, ikm: Uint8Array, count: 2 | 3): Uint8Array[] {
  const okm = hkdfSha256(sodium, chainingKey, ikm, new Uint8Array(0), count * HASHLEN);
  return Array.from({ length: count }, (_, i) => okm.slice(i * HASHLEN, (i + 1) * HASHLEN));
}
