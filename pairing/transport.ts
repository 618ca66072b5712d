// A Session: the two CipherStates a finished Noise handshake yields, with explicit counters on
// the wire. BLE delivers writes in order, so the receiver demands exactly the next counter: a
// lower one is a REPLAY, a higher one means a message went missing or was reordered, and either
// is rejected before decryption; an altered or truncated message fails authentication. Nothing
// rejected is delivered and nothing rejected moves the receive counter.
import { PairingError } from './errors';
import { type CipherState, TAGLEN } from './noise/cipher-state';
import { MAX_NOISE_MESSAGE, type HandshakeResult } from './noise/handshake-state';

export const COUNTER_BYTES = 8;
/** Largest plaintext one transport message carries (Noise's 65535-byte message limit). */
export const MAX_TRANSPORT_PLAINTEXT = MAX_NOISE_MESSAGE - TAGLEN;
const EMPTY = new Uint8Array(0);

export class Session {
  private readonly sendCipher: CipherState;
  private readonly receiveCipher: CipherState;
  private closed = false;
  /** The Noise handshake hash: a unique, public name for this session (channel binding). */
  readonly handshakeHash: Uint8Array;
  /** The peer's static public key as authenticated by the handshake. */
  readonly remoteStatic: Uint8Array;

  constructor(result: HandshakeResult) {
    this.sendCipher = result.send;
    this.receiveCipher = result.receive;
    this.handshakeHash = result.handshakeHash;
    this.remoteStatic = result.remoteStatic;
  }

  /** Counter of the next message we send and of the next one we accept. */
  get counters(): { readonly send: bigint; readonly receive: bigint } {
    return { send: this.sendCipher.nonce, receive: this.receiveCipher.nonce };
  }

  /** Encrypts one message: counter (u64 LE) then ChaCha20-Poly1305 ciphertext. */
  seal(plaintext: Uint8Array): Uint8Array {
    this.checkOpen();
    if (plaintext.length > MAX_TRANSPORT_PLAINTEXT) throw new PairingError('TOO_LARGE', 'transport plaintext');
    const counter = this.sendCipher.nonce;
    const message = this.sendCipher.encryptWithAd(EMPTY, plaintext, COUNTER_BYTES);
    new DataView(message.buffer, message.byteOffset, COUNTER_BYTES).setBigUint64(0, counter, true);
    return message;
  }

  /** Decrypts the next message, or throws REPLAY, OUT_OF_ORDER, MALFORMED or DECRYPT_FAILED. */
  open(message: Uint8Array): Uint8Array {
    this.checkOpen();
    if (message.length > COUNTER_BYTES + MAX_NOISE_MESSAGE) throw new PairingError('TOO_LARGE', 'transport message');
    if (message.length < COUNTER_BYTES) throw new PairingError('MALFORMED', 'transport message truncated');
    const counter = new DataView(message.buffer, message.byteOffset, COUNTER_BYTES).getBigUint64(0, true);
    // A view, not a copy: decryption copies it into libsodium's heap anyway.
    const ciphertext = message.subarray(COUNTER_BYTES);
    const expected = this.receiveCipher.nonce;
    if (counter < expected) throw new PairingError('REPLAY', `counter ${counter} already used`);
    if (counter > expected) throw new PairingError('OUT_OF_ORDER', `counter ${counter}, expected ${expected}`);
    if (ciphertext.length < TAGLEN) throw new PairingError('MALFORMED', 'transport message truncated');
    return this.receiveCipher.decryptWithAd(EMPTY, ciphertext);
  }

  /** Forgets both keys; later seal/open throw CLOSED. */
  close(): void {
    this.closed = true;
    this.sendCipher.destroy();
    this.receiveCipher.destroy();
  }

  private checkOpen(): void {
    if (this.closed) throw new PairingError('CLOSED', 'session closed');
  }
}
