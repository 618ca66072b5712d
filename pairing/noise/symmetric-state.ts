// Noise SymmetricState (Noise spec rev 34, section 5.2) with SHA-256: the chaining key ck, the
// handshake hash h and the CipherState they key. Hashing is SHA-256 because libsodium has no
// BLAKE2s; HKDF is built from HMAC-SHA256 in ../hkdf.ts.
import { concat, utf8 } from '../bytes';
import { HASHLEN, noiseHkdf } from '../hkdf';
import type { Sodium } from '../sodium';
import { CipherState } from './cipher-state';

export class SymmetricState {
  private ck: Uint8Array;
  private h: Uint8Array;
  private readonly cipher: CipherState;

  constructor(
    private readonly sodium: Sodium,
    protocolName: string,
  ) {
    const name = utf8(protocolName);
    if (name.length <= HASHLEN) {
      this.h = new Uint8Array(HASHLEN);
      this.h.set(name);
    } else {
      this.h = sodium.crypto_hash_sha256(name);
    }
    this.ck = this.h.slice();
    this.cipher = new CipherState(sodium);
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = noiseHkdf(this.sodium, this.ck, ikm, 2) as [Uint8Array, Uint8Array];
    this.ck = ck;
    this.cipher.initializeKey(tempK);
  }

  mixHash(data: Uint8Array): void {
    this.h = this.sodium.crypto_hash_sha256(concat(this.h, data));
  }

  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, tempH, tempK] = noiseHkdf(this.sodium, this.ck, ikm, 3) as [Uint8Array, Uint8Array, Uint8Array];
    this.ck = ck;
    this.mixHash(tempH);
    this.cipher.initializeKey(tempK);
  }

  getHandshakeHash(): Uint8Array {
    return this.h.slice();
  }

  hasKey(): boolean {
    return this.cipher.hasKey();
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encryptWithAd(this.h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Two CipherStates: the first for initiator-to-responder traffic, the second for the reverse. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = noiseHkdf(this.sodium, this.ck, new Uint8Array(0), 2) as [Uint8Array, Uint8Array];
    const c1 = new CipherState(this.sodium);
    const c2 = new CipherState(this.sodium);
    c1.initializeKey(k1);
    c2.initializeKey(k2);
    this.sodium.memzero(this.ck);
    this.cipher.destroy();
    return [c1, c2];
  }
}
