// Noise CipherState (Noise spec rev 34, section 5.1) for ChaChaPoly: a key k and a 64-bit nonce n.
// The nonce is the IETF ChaCha20-Poly1305 nonce: 32 zero bits then n little-endian. A failed
// decryption leaves n untouched, so a forged message cannot desynchronise the honest stream.
import { PairingError } from '../errors';
import type { Sodium } from '../sodium';
import { ChaChaPoly, KEYLEN, TAGLEN } from './chachapoly';

export { KEYLEN, TAGLEN } from './chachapoly';

/** 2^64 - 1 is reserved by the spec; reaching it means the session must end. */
const MAX_NONCE = (1n << 64n) - 1n;

export class CipherState {
  private k: Uint8Array | null = null;
  private n = 0n;
  private readonly aead: ChaChaPoly;

  constructor(private readonly sodium: Sodium) {
    this.aead = new ChaChaPoly(sodium);
  }

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

  /**
   * ENCRYPT(k, n, ad, plaintext), n then incremented. `reserve` bytes are left free before the
   * ciphertext, so a caller that prefixes it (the transport's counter) copies nothing more.
   */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array, reserve = 0): Uint8Array {
    if (this.k === null) {
      const out = new Uint8Array(reserve + plaintext.length);
      out.set(plaintext, reserve);
      return out;
    }
    this.checkNonce();
    const out = this.aead.encrypt(this.k, this.n, ad, plaintext, reserve);
    this.n += 1n;
    return out;
  }

  /** DECRYPT_FAILED for anything that does not authenticate; n advances only on success. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const k = this.k;
    if (k === null) return ciphertext.slice();
    if (ciphertext.length < TAGLEN) throw new PairingError('DECRYPT_FAILED', 'ciphertext shorter than its tag');
    this.checkNonce();
    const out = this.aead.decrypt(k, this.n, ad, ciphertext);
    if (out === undefined) throw new PairingError('DECRYPT_FAILED', 'ciphertext cannot be decrypted using that key');
    this.n += 1n;
    return out;
  }

  /** Forgets the key (best effort in JS: the buffer is zeroed). */
  destroy(): void {
    if (this.k !== null) this.sodium.memzero(this.k);
    this.k = null;
  }

  private checkNonce(): void {
    if (this.n >= MAX_NONCE) throw new PairingError('NONCE_EXHAUSTED');
  }
}
