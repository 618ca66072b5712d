// ChaCha20-Poly1305 (IETF, RFC 8439) for the Noise CipherState, called through libsodium's own
// wasm exports on one reusable heap buffer. The convenience wrappers allocate, copy in and free
// every argument (key and nonce included) and copy the result out on every call, which doubled
// the cost of a 244-byte transport message; here a message costs one copy in, in-place
// encryption or decryption, and one copy out, straight into the buffer the caller sends (with
// room reserved for the transport counter). The key is wiped from the heap after every call.
// Same libsodium function, same bytes: the published Noise vectors check it.
import type { Sodium } from '../sodium';

export const KEYLEN = 32;
export const TAGLEN = 16;
const NONCELEN = 12;

/** The parts of libsodium's emscripten module this uses (exported by libsodium-wrappers as `libsodium`). */
interface LibsodiumWasm {
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(address: number): void;
  // unsigned long long arguments travel as two 32-bit halves (low, high).
  _crypto_aead_chacha20poly1305_ietf_encrypt(c: number, clenP: number, m: number, mlenLo: number, mlenHi: number, ad: number, adlenLo: number, adlenHi: number, nsec: number, npub: number, k: number): number;
  _crypto_aead_chacha20poly1305_ietf_decrypt(m: number, mlenP: number, nsec: number, c: number, clenLo: number, clenHi: number, ad: number, adlenLo: number, adlenHi: number, npub: number, k: number): number;
}

/** Key, nonce, associated data, input and output side by side in one wasm allocation. */
class Scratch {
  private address = 0;
  private capacity = 0;
  private view: DataView | undefined;

  constructor(private readonly wasm: LibsodiumWasm) {}

  /** The heap (fresh: wasm memory may have grown) with room for `bytes`, and its base address. */
  reserve(bytes: number): { heap: Uint8Array; base: number } {
    if (bytes > this.capacity) {
      if (this.address !== 0) this.wasm._free(this.address);
      this.capacity = Math.max(bytes, 4096);
      this.address = this.wasm._malloc(this.capacity);
      if (this.address === 0) throw new Error('libsodium heap exhausted');
    }
    return { heap: this.wasm.HEAPU8, base: this.address };
  }

  dataView(heap: Uint8Array): DataView {
    if (this.view?.buffer !== heap.buffer) this.view = new DataView(heap.buffer);
    return this.view;
  }
}

const scratches = new WeakMap<object, Scratch>();

export class ChaChaPoly {
  private readonly scratch: Scratch;
  private readonly wasm: LibsodiumWasm;

  constructor(sodium: Sodium) {
    const wasm = (sodium as unknown as { libsodium?: LibsodiumWasm }).libsodium;
    if (typeof wasm?._crypto_aead_chacha20poly1305_ietf_encrypt !== 'function') {
      throw new Error('libsodium-wrappers does not expose its wasm module (libsodium) any more: pairing/noise/chachapoly.ts needs it');
    }
    let scratch = scratches.get(wasm);
    if (!scratch) scratches.set(wasm, (scratch = new Scratch(wasm)));
    this.scratch = scratch;
    this.wasm = wasm;
  }

  /**
   * Encrypts `plaintext` under `key` with the IETF nonce (32 zero bits, then `nonce` as u64 LE);
   * returns `reserve` free bytes, then ciphertext and tag.
   */
  encrypt(key: Uint8Array, nonce: bigint, ad: Uint8Array, plaintext: Uint8Array, reserve = 0): Uint8Array {
    const { heap, base, adAt, dataAt } = this.layout(key, nonce, ad, plaintext.length + TAGLEN);
    heap.set(plaintext, dataAt);
    // In place (libsodium allows c == m): the plaintext in the heap is overwritten by ciphertext.
    const rc = this.wasm._crypto_aead_chacha20poly1305_ietf_encrypt(dataAt, 0, dataAt, plaintext.length, 0, adAt, ad.length, 0, 0, base + KEYLEN, base);
    heap.fill(0, base, base + KEYLEN);
    if (rc !== 0) {
      heap.fill(0, dataAt, dataAt + plaintext.length);
      throw new Error('chacha20poly1305 encryption refused its arguments');
    }
    const out = new Uint8Array(reserve + plaintext.length + TAGLEN);
    out.set(heap.subarray(dataAt, dataAt + plaintext.length + TAGLEN), reserve);
    return out;
  }

  /** The plaintext, or undefined when `ciphertext` (with its tag) does not authenticate. */
  decrypt(key: Uint8Array, nonce: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    if (ciphertext.length < TAGLEN) return undefined;
    const plainLength = ciphertext.length - TAGLEN;
    const { heap, base, adAt, dataAt } = this.layout(key, nonce, ad, ciphertext.length);
    heap.set(ciphertext, dataAt);
    // In place too: the tag is checked before anything is decrypted over the ciphertext.
    const rc = this.wasm._crypto_aead_chacha20poly1305_ietf_decrypt(dataAt, 0, 0, dataAt, ciphertext.length, 0, adAt, ad.length, 0, base + KEYLEN, base);
    heap.fill(0, base, base + KEYLEN);
    if (rc !== 0) return undefined;
    const out = heap.slice(dataAt, dataAt + plainLength);
    heap.fill(0, dataAt, dataAt + plainLength); // the plaintext does not stay in the heap
    return out;
  }

  /** Writes key, nonce and ad into the scratch, with room for `dataLength`: [key][nonce][ad][data]. */
  private layout(key: Uint8Array, nonce: bigint, ad: Uint8Array, dataLength: number) {
    const adOffset = KEYLEN + NONCELEN + 4; // the nonce padded to a multiple of 8
    const { heap, base } = this.scratch.reserve(adOffset + ad.length + dataLength);
    heap.set(key, base);
    const view = this.scratch.dataView(heap);
    view.setUint32(base + KEYLEN, 0, true);
    view.setBigUint64(base + KEYLEN + 4, nonce, true);
    const adAt = base + adOffset;
    heap.set(ad, adAt);
    return { heap, base, adAt, dataAt: adAt + ad.length };
  }
}
