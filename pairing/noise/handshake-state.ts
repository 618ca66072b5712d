// Noise HandshakeState (Noise spec rev 34, section 5.3) for the patterns in ./patterns.ts:
// processes tokens, one message per call, and ends in a Split. It is a pure state machine: bytes
// in, bytes out, no I/O. Any failure while reading aborts the handshake for good, as the spec
// requires, because the transcript hash has already absorbed part of the bad message.
import { concat } from '../bytes';
import { PairingError, guard } from '../errors';
import type { StaticKeyPair } from '../keys';
import type { Sodium } from '../sodium';
import { CipherState, TAGLEN } from './cipher-state';
import { type HandshakePattern, type Token, protocolName } from './patterns';
import { SymmetricState } from './symmetric-state';

export const DHLEN = 32;
export const PSKLEN = 32;
/** Noise's own limit on any handshake or transport message. */
export const MAX_NOISE_MESSAGE = 65535;

export interface HandshakeOptions {
  readonly pattern: HandshakePattern;
  readonly initiator: boolean;
  readonly prologue: Uint8Array;
  /** Our static key pair, if the pattern uses one. */
  readonly s?: StaticKeyPair;
  /** The peer's static public key, if the pattern has it as a pre-message. */
  readonly rs?: Uint8Array;
  /** The pre-shared key; may also be supplied later with setPsk, before the psk token. */
  readonly psk?: Uint8Array;
  /** A fixed ephemeral key pair: only for reproducing published test vectors. */
  readonly e?: StaticKeyPair;
}

/** What a finished handshake yields: one CipherState per direction, as seen by this side. */
export interface HandshakeResult {
  readonly send: CipherState;
  readonly receive: CipherState;
  readonly handshakeHash: Uint8Array;
  readonly remoteStatic: Uint8Array;
}

export function x25519KeyPairFromSecret(sodium: Sodium, secretKey: Uint8Array): StaticKeyPair {
  return { secretKey: secretKey.slice(), publicKey: sodium.crypto_scalarmult_base(secretKey) };
}

export class HandshakeState {
  private readonly symmetric: SymmetricState;
  private readonly pattern: HandshakePattern;
  private readonly initiator: boolean;
  private readonly pskMode: boolean;
  private s: StaticKeyPair | undefined;
  private e: StaticKeyPair | undefined;
  private rs: Uint8Array | undefined;
  private re: Uint8Array | undefined;
  private psk: Uint8Array | undefined;
  private index = 0;
  private state: 'running' | 'failed' | 'complete' | 'split' = 'running';

  constructor(
    private readonly sodium: Sodium,
    options: HandshakeOptions,
  ) {
    this.pattern = options.pattern;
    this.initiator = options.initiator;
    this.pskMode = options.pattern.messages.some((m) => m.includes('psk'));
    this.s = options.s;
    this.rs = options.rs?.slice();
    this.e = options.e;
    if (options.psk !== undefined) this.setPsk(options.psk);
    this.symmetric = new SymmetricState(sodium, protocolName(options.pattern));
    this.symmetric.mixHash(options.prologue);
    const { initiator: iPre, responder: rPre } = options.pattern.preMessages;
    const iStatic = this.initiator ? this.s?.publicKey : this.rs;
    const rStatic = this.initiator ? this.rs : this.s?.publicKey;
    if (iPre) this.symmetric.mixHash(this.required(iStatic, 'initiator static key'));
    if (rPre) this.symmetric.mixHash(this.required(rStatic, 'responder static key'));
  }

  setPsk(psk: Uint8Array): void {
    if (psk.length !== PSKLEN) throw new PairingError('INVALID_ARGUMENT', 'psk length');
    this.psk = psk.slice();
  }

  /** Whose turn: true when this side writes the next message. */
  get isMyTurn(): boolean {
    return this.state === 'running' && this.index % 2 === (this.initiator ? 0 : 1);
  }

  get isComplete(): boolean {
    return this.state === 'complete';
  }

  get remoteStatic(): Uint8Array | undefined {
    return this.rs?.slice();
  }

  getHandshakeHash(): Uint8Array {
    return this.symmetric.getHandshakeHash();
  }

  writeMessage(payload: Uint8Array = new Uint8Array(0)): Uint8Array {
    this.expectTurn(true);
    const parts: Uint8Array[] = [];
    for (const token of this.nextTokens()) {
      if (token === 'e') {
        const e = (this.e ??= x25519KeyPairFromSecret(this.sodium, this.sodium.randombytes_buf(DHLEN)));
        parts.push(e.publicKey);
        this.mixEphemeral(e.publicKey);
      } else if (token === 's') {
        parts.push(this.symmetric.encryptAndHash(this.required(this.s, 'static key').publicKey));
      } else {
        this.mixToken(token);
      }
    }
    parts.push(this.symmetric.encryptAndHash(payload));
    const message = concat(...parts);
    if (message.length > MAX_NOISE_MESSAGE) throw new PairingError('TOO_LARGE', 'Noise message over 65535 bytes');
    this.advance();
    return message;
  }

  /** The payload of the peer's next message; any failure aborts the handshake. */
  readMessage(message: Uint8Array): Uint8Array {
    this.expectTurn(false);
    try {
      if (message.length > MAX_NOISE_MESSAGE) throw new PairingError('TOO_LARGE', 'Noise message over 65535 bytes');
      let offset = 0;
      const take = (n: number): Uint8Array => {
        if (offset + n > message.length) throw new PairingError('MALFORMED', 'handshake message too short');
        const out = message.slice(offset, offset + n);
        offset += n;
        return out;
      };
      for (const token of this.nextTokens()) {
        if (token === 'e') {
          this.re = take(DHLEN);
          this.mixEphemeral(this.re);
        } else if (token === 's') {
          const length = DHLEN + (this.symmetric.hasKey() ? TAGLEN : 0);
          this.rs = this.symmetric.decryptAndHash(take(length));
        } else {
          this.mixToken(token);
        }
      }
      const payload = this.symmetric.decryptAndHash(message.slice(offset));
      this.advance();
      return payload;
    } catch (error) {
      this.state = 'failed';
      throw error;
    }
  }

  /** After the last message: the transport CipherStates. Can be taken once. */
  split(): HandshakeResult {
    if (this.state !== 'complete') throw new PairingError('UNEXPECTED_MESSAGE', 'handshake not complete');
    this.state = 'split';
    const handshakeHash = this.symmetric.getHandshakeHash();
    const [c1, c2] = this.symmetric.split();
    return {
      send: this.initiator ? c1 : c2,
      receive: this.initiator ? c2 : c1,
      handshakeHash,
      remoteStatic: this.required(this.rs, 'remote static key'),
    };
  }

  private mixEphemeral(publicKey: Uint8Array): void {
    this.symmetric.mixHash(publicKey);
    if (this.pskMode) this.symmetric.mixKey(publicKey);
  }

  private mixToken(token: Exclude<Token, 'e' | 's'>): void {
    if (token === 'psk') {
      this.symmetric.mixKeyAndHash(this.required(this.psk, 'psk'));
      return;
    }
    // A DH token names the initiator's key first and the responder's second.
    const [mine, theirs] = this.initiator ? [token[0], token[1]] : [token[1], token[0]];
    const local = mine === 'e' ? this.e : this.s;
    const remote = theirs === 'e' ? this.re : this.rs;
    this.symmetric.mixKey(this.dh(this.required(local, `local ${mine}`), this.required(remote, `remote ${theirs}`)));
  }

  private dh(local: StaticKeyPair, remote: Uint8Array): Uint8Array {
    if (remote.length !== DHLEN) throw new PairingError('INVALID_POINT', 'X25519 key length');
    return guard('INVALID_POINT', () => this.sodium.crypto_scalarmult(local.secretKey, remote));
  }

  private nextTokens(): readonly Token[] {
    return this.pattern.messages[this.index] ?? [];
  }

  private advance(): void {
    this.index += 1;
    if (this.index === this.pattern.messages.length) this.state = 'complete';
  }

  private expectTurn(writing: boolean): void {
    if (this.state === 'failed') throw new PairingError('CLOSED', 'handshake already failed');
    if (this.state !== 'running') throw new PairingError('UNEXPECTED_MESSAGE', 'handshake already complete');
    if (this.isMyTurn !== writing) {
      throw new PairingError('UNEXPECTED_MESSAGE', writing ? 'not our turn to write' : 'not our turn to read');
    }
  }

  private required<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new PairingError('INVALID_ARGUMENT', `missing ${what}`);
    return value;
  }
}
