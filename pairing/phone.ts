// The phone's side of a connection to a toy (Noise initiator). Two ways to start: pair() runs
// CPace on the pairing code and the XXpsk3 handshake, ending in a new Bond that the caller
// stores; resume() opens a KK session for a stored Bond. Both give the first frame to send;
// after that, feed every frame from the toy to receive().
import { utf8 } from './bytes';
import type { Bond } from './bond';
import type { PairingCode } from './code';
import { Connection } from './connection';
import { CPace } from './cpace';
import { PairingError } from './errors';
import { HELLO_NONCE_BYTES, type Message, SID_BYTES, encodeFrame } from './frame';
import { attestationFingerprint, keyFingerprint, verifyToyKeys } from './identity';
import { PHONE_AD, TOY_AD, cpaceInputs, destinationId, pairingPrologue, pskFromIsk, sessionPrologue, toyConfirm } from './key-schedule';
import type { PartyKeys } from './keys';
import { HandshakeState } from './noise/handshake-state';
import { KK, XXpsk3 } from './noise/patterns';
import {
  MAX_LABEL_BYTES,
  type ToyIntro,
  decodePairConfirm,
  decodeToyIntro,
  encodePhoneAck,
  encodePhoneIntro,
  signIntro,
  verifyIntro,
} from './payloads';
import { parseToyId } from './qr';
import type { Sodium } from './sodium';
import { Session } from './transport';

export interface PairOptions {
  readonly keys: PartyKeys;
  readonly toyId: string;
  readonly code: PairingCode;
  /** From the QR payload: the toy's keys must match it. Absent when the code was typed. */
  readonly fingerprint?: Uint8Array;
  /** How the toy lists this phone. */
  readonly label?: string;
}

type Step =
  | { readonly kind: 'await-reply'; readonly cpace: CPace; readonly handshake: HandshakeState; readonly sid: Uint8Array }
  | { readonly kind: 'await-confirm'; readonly session: Session; readonly intro: ToyIntro }
  | { readonly kind: 'await-accept'; readonly handshake: HandshakeState; readonly bond: Bond }
  | { readonly kind: 'done' };

export class PhoneConnection extends Connection {
  private step: Step;

  private constructor(
    private readonly sodium: Sodium,
    private readonly keys: PartyKeys,
    private readonly toyId: string,
    private readonly pairOptions: PairOptions | undefined,
    step: Step,
  ) {
    super();
    this.step = step;
  }

  /** Starts pairing: returns the connection and the PAIR_HELLO frame to send. */
  static pair(sodium: Sodium, options: PairOptions): { connection: PhoneConnection; frame: Uint8Array } {
    parseToyId(options.toyId);
    if (utf8(options.label ?? '').length > MAX_LABEL_BYTES) throw new PairingError('INVALID_ARGUMENT', 'label too long');
    const sid = sodium.randombytes_buf(SID_BYTES);
    const cpace = new CPace(sodium, 'initiator', cpaceInputs(options.code, options.toyId, sid), PHONE_AD);
    const handshake = new HandshakeState(sodium, {
      pattern: XXpsk3,
      initiator: true,
      prologue: pairingPrologue(options.toyId, sid, cpace.own.share),
      s: options.keys.static,
    });
    const noise = handshake.writeMessage();
    const connection = new PhoneConnection(sodium, options.keys, options.toyId, options, { kind: 'await-reply', cpace, handshake, sid });
    const frame = encodeFrame({ type: 'PAIR_HELLO', sid, share: cpace.own.share, ad: cpace.own.ad, noise });
    return { connection, frame };
  }

  /** Opens a KK session for a stored bond: returns the connection and the SESSION_HELLO frame. */
  static resume(sodium: Sodium, keys: PartyKeys, bond: Bond): { connection: PhoneConnection; frame: Uint8Array } {
    const nonce = sodium.randombytes_buf(HELLO_NONCE_BYTES);
    const destination = destinationId(sodium, bond.destinationKey, bond.toyId, nonce);
    const handshake = new HandshakeState(sodium, {
      pattern: KK,
      initiator: true,
      prologue: sessionPrologue(bond.toyId, nonce, destination),
      s: keys.static,
      rs: bond.peer.static,
    });
    const noise = handshake.writeMessage();
    const connection = new PhoneConnection(sodium, keys, bond.toyId, undefined, { kind: 'await-accept', handshake, bond });
    return { connection, frame: encodeFrame({ type: 'SESSION_HELLO', nonce, destinationId: destination, noise }) };
  }

  protected onHandshake(message: Message, now: number): Uint8Array[] {
    if (message.type === 'REFUSED') {
      const wait = message.retryAfterMs > 0 ? `; retry in ${Math.ceil(message.retryAfterMs / 1000)} s` : '';
      throw new PairingError(message.reason, `refused by the toy${wait}`, message.retryAfterMs);
    }
    const step = this.step;
    if (step.kind === 'await-reply' && message.type === 'PAIR_REPLY') return this.onReply(step, message);
    if (step.kind === 'await-confirm' && message.type === 'TRANSPORT') return this.onConfirm(step, message.message, now);
    if (step.kind === 'await-accept' && message.type === 'SESSION_ACCEPT') {
      step.handshake.readMessage(message.noise);
      this.step = { kind: 'done' };
      this.establish(new Session(step.handshake.split()), step.bond, 'established');
      // The toy counts the session only from this message on (a replayed hello gets no further).
      return [this.send(encodePhoneAck())];
    }
    throw new PairingError('UNEXPECTED_MESSAGE', `${message.type} while waiting (${step.kind})`);
  }

  private onReply(step: Extract<Step, { kind: 'await-reply' }>, reply: Extract<Message, { type: 'PAIR_REPLY' }>): Uint8Array[] {
    // ADb: the toy's CPace associated data must be this version's toy label (the toy checks ADa).
    if (reply.ad.length !== TOY_AD.length || !this.sodium.memcmp(reply.ad, TOY_AD)) {
      throw new PairingError('UNSUPPORTED_VERSION', 'the toy speaks another protocol version');
    }
    const isk = step.cpace.finish({ share: reply.share, ad: reply.ad });
    const psk = pskFromIsk(this.sodium, isk, step.sid);
    step.handshake.setPsk(psk);
    const hashBeforeIntro = step.handshake.getHandshakeHash();
    const intro = decodeToyIntro(step.handshake.readMessage(reply.noise));
    // Before anything of ours is written: a toy that did not run CPace on our code (a wrong code,
    // or a fake toy) gets no message 3, and so never the static key it carries.
    if (!this.sodium.memcmp(intro.confirm, toyConfirm(this.sodium, psk, hashBeforeIntro))) {
      throw new PairingError('WRONG_CODE', 'the toy did not confirm the code (a wrong code, or not the real toy)');
    }
    verifyIntro(this.sodium, 'toy', intro, hashBeforeIntro);
    if (intro.toyId !== this.toyId) throw new PairingError('FINGERPRINT_MISMATCH', 'another toy answered');
    const toyKeys = { static: step.handshake.remoteStatic as Uint8Array, envelope: intro.envelopeKey, signing: intro.signingKey };
    verifyToyKeys(this.sodium, intro.toyId, toyKeys, intro.attestationKey, intro.certificate);
    const expected = this.pairOptions?.fingerprint;
    if (expected !== undefined) {
      // The tag's QR pins the attestation key (good across resets); an owner's invitation QR pins
      // the keys the toy holds now. Either identifies the genuine toy.
      const pinned = [attestationFingerprint(this.sodium, intro.attestationKey), keyFingerprint(this.sodium, toyKeys)];
      if (!pinned.some((actual) => expected.length === actual.length && this.sodium.memcmp(expected, actual))) {
        throw new PairingError('FINGERPRINT_MISMATCH', 'toy keys do not match its QR code');
      }
    }
    const hashBeforeOurs = step.handshake.getHandshakeHash();
    const payload = encodePhoneIntro({
      signingKey: this.keys.signing.publicKey,
      envelopeKey: this.keys.envelope.publicKey,
      signature: signIntro(this.sodium, 'phone', this.keys.signing, hashBeforeOurs),
      label: this.pairOptions?.label ?? '',
    });
    const noise = step.handshake.writeMessage(payload);
    this.step = { kind: 'await-confirm', session: new Session(step.handshake.split()), intro };
    return [encodeFrame({ type: 'PAIR_FINISH', noise })];
  }

  private onConfirm(step: Extract<Step, { kind: 'await-confirm' }>, message: Uint8Array, now: number): Uint8Array[] {
    const confirm = decodePairConfirm(step.session.open(message));
    const bond: Bond = {
      bondId: confirm.bondId,
      toyId: this.toyId,
      peer: { static: step.session.remoteStatic, envelope: step.intro.envelopeKey, signing: step.intro.signingKey },
      role: confirm.role,
      createdAt: now,
      joined: confirm.joined,
      label: '',
      destinationKey: confirm.destinationKey,
    };
    this.step = { kind: 'done' };
    this.establish(step.session, bond, 'paired');
    return [this.send(encodePhoneAck())];
  }
}
