// Noise CipherState (Noise spec rev 34, section 5.1) for ChaChaPoly: a key k and a 64-bit nonce n.
// The nonce is the IETF ChaCha20-Poly1305 nonce: 32 zero bits then n little-endian. A failed
// decryption leaves n untouched, so a forged message cannot desynchronise the honest stream.
import { PairingError, guard } from '../errors';
import type { Sodium } from '../sodium';

/** 2^64 - 1 is reserved by the spec; reaching it means the session must end. */
const MAX_NONCE = (1n << 64n) - 1n;
export const KEYLEN = 32;
export const TAGLEN = 16;

export class CipherState {
  private k: Uint8Array | null = null;
  private n = 0n;

  constructor(private readonly sodium: Sodium) {}

  initializeKey(key: Uint8Array | null): void {
    if (key !== null && key.length !== KEYLEN) throw new PairingError('INVALID_ARGUMENT', 'cipher key length');
    this.k = key === null ? null : key.slice();
    this.n = 0n;
  }

  hasKey(): boolean {
    return this.k !== null;
  }

  /** The spec's SetNonce: how the transport layer uses explicit counters. */
  setNonce(nonce: bigint): void {
    if (nonce < 0n || nonce > MAX_NONCE) throw new PairingError('INVALID_ARGUMENT', 'nonce out of range');
    this.n = nonce;
  }

  get nonce(): bigint {
    return this.n;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.k === null) return plaintext.slice();
    const nonce = this.useNonce();
    const out = this.sodium.crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, this.k);
    this.n += 1n;
    return out;
  }

  /** DECRYPT_FAILED for anything that does not authenticate; n advances only on success. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const k = this.k;
    if (k === null) return ciphertext.slice();
    if (ciphertext.length < TAGLEN) throw new PairingError('DECRYPT_FAILED', 'ciphertext shorter than its tag');
    const nonce = this.useNonce();
    const out = guard('DECRYPT_FAILED', () =>
      this.sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, k),
    );
    this.n += 1n;
    return out;
  }

  /** Forgets the key (best effort in JS: the buffer is zeroed). */
  destroy(): void {
    if (this.k !== null) this.sodium.memzero(this.k);
    this.k = null;
  }

  private useNonce(): Uint8Array {
    if (this.n >= MAX_NONCE) throw new PairingError('NONCE_EXHAUSTED');
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setBigUint64(4, this.n, true);
    return nonce;
  }
}
