// Ed25519 signature checks for the relay's signed requests, with libsodium's acceptance rules
// (crypto_sign_verify_detached: canonical S, no small-order R, a canonical public key that is not
// of small order) at the speed of Node's native crypto (OpenSSL), off the event loop.
//
// OpenSSL's Ed25519 verify computes the same cofactorless equation as libsodium and refuses a
// non-canonical S, but it accepts small-order public keys and small-order R. So each key is
// judged once with libsodium when it is first seen: a point on the prime-order subgroup
// (crypto_core_ed25519_is_valid_point: canonical, not of small order, no torsion component; every
// key libsodium's key generation makes) gets a cached OpenSSL key object. For such a key the
// equation's left side [s]B - [h]A lies in the prime-order subgroup, so the only small-order R it
// can equal is the identity, which is refused here before OpenSSL runs; what OpenSSL then accepts
// is exactly what libsodium accepts. Any other key (small order, non-canonical, or with a torsion
// component, which libsodium still accepts with some signatures) is checked by libsodium itself.
// test/relay/ed25519-verifier.test.ts runs the published edge cases (ed25519-speccheck) on both.
import { type KeyObject, createPublicKey, verify } from 'node:crypto';
import type { Sodium } from '../pairing/sodium';

const SIGNATURE_BYTES = 64;
const KEY_BYTES = 32;

/** The identity point's canonical encoding (y = 1): the one small-order R OpenSSL could accept. */
function isIdentityR(signature: Uint8Array): boolean {
  if (signature[0] !== 1) return false;
  for (let i = 1; i < 32; i++) if (signature[i] !== 0) return false;
  return true;
}

export class Ed25519Verifier {
  /** Public key (base64url) -> its OpenSSL key object, or null: check with libsodium. */
  private readonly keys = new Map<string, KeyObject | null>();

  constructor(
    private readonly sodium: Sodium,
    /** Keys held at most (the oldest goes first); a flood of fresh keys costs a check each. */
    private readonly capacity = 10_000,
  ) {}

  /** True when `signature` is a valid Ed25519 signature of `message` by `publicKey`. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
    if (signature.length !== SIGNATURE_BYTES || publicKey.length !== KEY_BYTES) return Promise.resolve(false);
    const key = this.keyFor(publicKey);
    if (key === null) return Promise.resolve(this.sodium.crypto_sign_verify_detached(signature, message, publicKey));
    if (isIdentityR(signature)) return Promise.resolve(false);
    return new Promise((resolve) => verify(null, message, key, signature, (error, ok) => resolve(!error && ok)));
  }

  private keyFor(publicKey: Uint8Array): KeyObject | null {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('base64url');
    const known = this.keys.get(id);
    if (known !== undefined) return known;
    const key = this.sodium.crypto_core_ed25519_is_valid_point(publicKey) ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' }) : null;
    if (this.keys.size >= this.capacity) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(id, key);
    return key;
  }
}
