// The toy's side (Noise responder). `Toy` is the toy-wide state a firmware keeps: its identity,
// its bonds, its pairing policy and any pending invitation. Each BLE connection gets a
// `ToyConnection` from toy.connect(): a state machine that answers PAIR_HELLO (if the window
// is open and the role rules allow a new bond) or SESSION_HELLO (if the bond exists), refuses
// everything else with a REFUSED frame, and then carries the session.
import { toHex, utf8 } from './bytes';
import {
  type Bond,
  type BondStore,
  DESTINATION_KEY_BYTES,
  type Invite,
  type JoinMethod,
  type Role,
  addedBond,
  admission,
  authorizeRevoke,
  createInvite,
  roleAfterPairing,
} from './bond';
import { generatePairingCode, type PairingCode } from './code';
import { Connection } from './connection';
import { CPace } from './cpace';
import { PairingError, checkTime } from './errors';
import { BOND_ID_BYTES, REFUSAL_REASONS, type Message, type RefusalReason, encodeFrame } from './frame';
import { type ToyIdentity, certifyToyKeys, rotateToyKeys } from './identity';
import type { PeerPublicKeys } from './keys';
import { PHONE_AD, TOY_AD, cpaceInputs, destinationId, pairingPrologue, pskFromIsk, sessionPrologue, toyConfirm } from './key-schedule';
import { HandshakeState } from './noise/handshake-state';
import { KK, XXpsk3 } from './noise/patterns';
import { MAX_LABEL_BYTES, decodePhoneAck, decodePhoneIntro, encodePairConfirm, encodeToyIntro, signIntro, verifyIntro } from './payloads';
import {
  DEFAULT_POLICY,
  INITIAL_POLICY,
  type PairingStatus,
  type PolicyConfig,
  type PolicyState,
  afterPowerCycle,
  openForInvitation,
  pairingStatus,
  pawPress,
  recordSuccess,
  recordWrongCode,
} from './policy';
import type { Sodium } from './sodium';
import { Session } from './transport';

export interface ToyOptions {
  readonly identity: ToyIdentity;
  readonly bonds: BondStore;
  /** The persisted policy state (INITIAL_POLICY for a new toy). */
  readonly policy?: PolicyState;
  readonly config?: PolicyConfig;
}

export class Toy {
  private currentIdentity: ToyIdentity;
  readonly bonds: BondStore;
  readonly config: PolicyConfig;
  private policyState: PolicyState;
  private invitation: Invite | undefined;

  constructor(
    readonly sodium: Sodium,
    options: ToyOptions,
  ) {
    this.currentIdentity = options.identity;
    this.bonds = options.bonds;
    this.config = options.config ?? DEFAULT_POLICY;
    this.policyState = options.policy ?? INITIAL_POLICY;
  }

  /** Who the toy is now: its keys change at every factory reset. */
  get identity(): ToyIdentity {
    return this.currentIdentity;
  }

  /** The policy state to persist (also announced in 'policy-changed' events). */
  get policy(): PolicyState {
    return this.policyState;
  }

  status(now: number): PairingStatus {
    return pairingStatus(this.policyState, now);
  }

  /** The paw button: opens the pairing window unless locked out. Returns the state to persist. */
  pawPress(now: number): PolicyState {
    return (this.policyState = pawPress(this.policyState, now, this.config));
  }

  /** At boot, with the persisted state: closes any window, keeps what is left of a running lockout. */
  powerOn(now: number): PolicyState {
    this.invitation = undefined;
    return (this.policyState = afterPowerCycle(this.policyState, now, this.config));
  }

  /**
   * The owner (by its bond) lets one more phone pair as a member: returns a fresh one-time code.
   * The owner's authenticated request stands in for the paw press: the pairing window opens for
   * the invitation's lifetime, and a lockout a stranger caused is lifted (the owner is here).
   */
  invite(actorBondId: string, now: number, ttlMs?: number): Invite {
    checkTime(now);
    const invitation = createInvite(this.bonds.list(), actorBondId, now, generatePairingCode(this.sodium), ttlMs);
    this.invitation = invitation;
    this.policyState = openForInvitation(this.policyState, invitation.expiresAt);
    return invitation;
  }

  /** The owner adds a phone by its public keys (HomeKit's Add Pairing): no code, no window. */
  addMember(actorBondId: string, peer: PeerPublicKeys, label: string, now: number): Bond {
    checkTime(now);
    if (utf8(label).length > MAX_LABEL_BYTES) throw new PairingError('TOO_LARGE', `label over ${MAX_LABEL_BYTES} bytes`);
    const bond = addedBond(this.bonds.list(), actorBondId, peer, newBondNames(this.sodium), this.identity.toyId, now, label);
    this.bonds.put(bond);
    return bond;
  }

  /** Removes a bond; the owner may remove anyone, a member only itself. Its sessions end. */
  revoke(actorBondId: string, targetBondId: string): void {
    authorizeRevoke(this.bonds.list(), actorBondId, targetBondId);
    this.bonds.remove(targetBondId);
  }

  /**
   * Erases every bond and the policy and makes new keys: the toy is new again (same id, tag code
   * and attestation key; a new fingerprint, and envelopes sealed to the old keys no longer open).
   * Returns the policy and the identity to persist.
   */
  factoryReset(): { policy: PolicyState; identity: ToyIdentity } {
    this.bonds.clear();
    this.invitation = undefined;
    this.currentIdentity = rotateToyKeys(this.sodium, this.currentIdentity);
    this.policyState = INITIAL_POLICY;
    return { policy: this.policyState, identity: this.currentIdentity };
  }

  /** What connections may change, made once: a toy makes a connection per central (and per fuzz input). */
  private readonly internals: ToyInternals = {
    policy: () => this.policyState,
    setPolicy: (state) => (this.policyState = state),
    invite: () => this.invitation,
    consumeInvite: () => (this.invitation = undefined),
  };

  connect(): ToyConnection {
    return new ToyConnection(this, this.internals);
  }
}

/** A new bond's id and destination key, both drawn by the toy. */
function newBondNames(sodium: Sodium): { bondId: string; destinationKey: Uint8Array } {
  return { bondId: toHex(sodium.randombytes_buf(BOND_ID_BYTES)), destinationKey: sodium.randombytes_buf(DESTINATION_KEY_BYTES) };
}

/** The parts of Toy a connection may change; kept off Toy's public surface. */
interface ToyInternals {
  policy(): PolicyState;
  setPolicy(state: PolicyState): void;
  invite(): Invite | undefined;
  consumeInvite(): void;
}

type Step =
  | { readonly kind: 'idle' }
  | { readonly kind: 'await-finish'; readonly handshake: HandshakeState }
  | { readonly kind: 'await-ack'; readonly session: Session; readonly bond: Bond }
  | { readonly kind: 'await-session-confirm'; readonly session: Session; readonly bond: Bond }
  | { readonly kind: 'done' };

export class ToyConnection extends Connection {
  private step: Step = { kind: 'idle' };

  constructor(
    private readonly toy: Toy,
    private readonly internals: ToyInternals,
  ) {
    super();
  }

  protected onHandshake(message: Message, now: number): Uint8Array[] {
    const step = this.step;
    if (step.kind === 'idle' && message.type === 'PAIR_HELLO') return this.onHello(message, now);
    if (step.kind === 'await-finish' && message.type === 'PAIR_FINISH') return this.onFinish(step, message.noise, now);
    if (step.kind === 'await-ack' && message.type === 'TRANSPORT') return this.onAck(step, message.message, now);
    if (step.kind === 'idle' && message.type === 'SESSION_HELLO') return this.onSessionHello(message);
    if (step.kind === 'await-session-confirm' && message.type === 'TRANSPORT') return this.onSessionConfirm(step, message.message);
    throw new PairingError('UNEXPECTED_MESSAGE', `${message.type} while ${step.kind}`);
  }

  protected override refusal(error: PairingError, now: number): Uint8Array[] {
    const reason: RefusalReason = (REFUSAL_REASONS as readonly string[]).includes(error.code)
      ? (error.code as RefusalReason)
      : 'MALFORMED';
    const status = pairingStatus(this.internals.policy(), now);
    const retryAfterMs = !status.open && status.reason === 'LOCKED_OUT' ? status.retryAfterMs : 0;
    return [encodeFrame({ type: 'REFUSED', reason, retryAfterMs })];
  }

  protected override checkSession(): void {
    const bond = this.bond;
    if (bond !== undefined && this.toy.bonds.get(bond.bondId) === undefined) {
      throw new PairingError('UNKNOWN_BOND', 'bond revoked');
    }
  }

  /** Window, lockout and role rules, checked before any code is tried and again before a bond is made. */
  private admit(now: number): { role: Role; code: PairingCode; joined: JoinMethod } {
    const status = pairingStatus(this.internals.policy(), now);
    if (!status.open) throw new PairingError(status.reason);
    return admission(this.toy.bonds.list(), this.internals.invite(), now, this.toy.identity.code);
  }

  private onHello(hello: Extract<Message, { type: 'PAIR_HELLO' }>, now: number): Uint8Array[] {
    const { code } = this.admit(now);
    if (hello.ad.length !== PHONE_AD.length || !this.toy.sodium.memcmp(hello.ad, PHONE_AD)) {
      throw new PairingError('UNSUPPORTED_VERSION', 'phone speaks another version');
    }
    const { sodium, identity } = this.toy;
    const cpace = new CPace(sodium, 'responder', cpaceInputs(code, identity.toyId, hello.sid), TOY_AD);
    const isk = cpace.finish({ share: hello.share, ad: hello.ad });
    const psk = pskFromIsk(sodium, isk, hello.sid);
    const handshake = new HandshakeState(sodium, {
      pattern: XXpsk3,
      initiator: false,
      prologue: pairingPrologue(identity.toyId, hello.sid, hello.share),
      s: identity.keys.static,
      psk,
    });
    if (handshake.readMessage(hello.noise).length !== 0) throw new PairingError('MALFORMED', 'payload in message 1');
    const intro = encodeToyIntro({
      toyId: identity.toyId,
      signingKey: identity.keys.signing.publicKey,
      envelopeKey: identity.keys.envelope.publicKey,
      signature: signIntro(sodium, 'toy', identity.keys.signing, handshake.getHandshakeHash()),
      attestationKey: identity.attestation.publicKey,
      certificate: certifyToyKeys(sodium, identity),
      confirm: toyConfirm(sodium, psk, handshake.getHandshakeHash()),
    });
    const noise = handshake.writeMessage(intro);
    // The attempt counts as a wrong code until message 3 proves otherwise: message 2 tells the
    // phone whether its code was right, so a guesser could otherwise stop there uncounted.
    this.updatePolicy(recordWrongCode(this.internals.policy(), now, this.toy.config));
    this.step = { kind: 'await-finish', handshake };
    return [encodeFrame({ type: 'PAIR_REPLY', share: cpace.own.share, ad: cpace.own.ad, noise })];
  }

  private onFinish(step: Extract<Step, { kind: 'await-finish' }>, noise: Uint8Array, now: number): Uint8Array[] {
    // The window and lockout were checked, and this attempt counted, at PAIR_HELLO (the lockout a
    // third attempt starts must not refuse that attempt itself); the role rules are checked again.
    const admitted = admission(this.toy.bonds.list(), this.internals.invite(), now, this.toy.identity.code);
    const hashBeforeIntro = step.handshake.getHandshakeHash();
    let payload: Uint8Array;
    try {
      payload = step.handshake.readMessage(noise);
    } catch (error) {
      // Message 3 is the first the psk authenticates: failing it is how a wrong code shows (or
      // tampering; the toy cannot tell), already counted at PAIR_HELLO.
      if (!(error instanceof PairingError) || error.code !== 'DECRYPT_FAILED') throw error;
      throw new PairingError('WRONG_CODE');
    }
    const intro = decodePhoneIntro(payload);
    verifyIntro(this.toy.sodium, 'phone', intro, hashBeforeIntro);
    const session = new Session(step.handshake.split());
    const role = roleAfterPairing(this.toy.bonds.list(), session.remoteStatic, admitted.role);
    const bond: Bond = {
      ...newBondNames(this.toy.sodium),
      toyId: this.toy.identity.toyId,
      peer: { static: session.remoteStatic, envelope: intro.envelopeKey, signing: intro.signingKey },
      role,
      createdAt: now,
      joined: admitted.joined,
      label: intro.label,
    };
    this.step = { kind: 'await-ack', session, bond };
    return [encodeFrame({ type: 'TRANSPORT', message: session.seal(encodePairConfirm({ bondId: bond.bondId, role, joined: bond.joined, destinationKey: bond.destinationKey })) })];
  }

  /** The phone has the bond: only now does the toy store it, so it never keeps a bond its phone lacks. */
  private onAck(step: Extract<Step, { kind: 'await-ack' }>, message: Uint8Array, now: number): Uint8Array[] {
    decodePhoneAck(step.session.open(message), 'pair ack');
    // put() replaces this phone's earlier bond, if any: one bond per phone key.
    this.toy.bonds.put(step.bond);
    this.internals.consumeInvite();
    this.updatePolicy(recordSuccess(this.internals.policy(), now));
    this.step = { kind: 'done' };
    this.establish(step.session, step.bond, 'paired');
    return [];
  }

  private onSessionHello(hello: Extract<Message, { type: 'SESSION_HELLO' }>): Uint8Array[] {
    const bond = this.bondFor(hello.nonce, hello.destinationId);
    if (bond === undefined) throw new PairingError('UNKNOWN_BOND');
    const handshake = new HandshakeState(this.toy.sodium, {
      pattern: KK,
      initiator: false,
      prologue: sessionPrologue(bond.toyId, hello.nonce, hello.destinationId),
      s: this.toy.identity.keys.static,
      rs: bond.peer.static,
    });
    try {
      handshake.readMessage(hello.noise);
    } catch (error) {
      // Say no more than "unknown bond": whether the key or the message was wrong is the phone's business.
      if (error instanceof PairingError) throw new PairingError('UNKNOWN_BOND', error.code);
      throw error;
    }
    const noise = handshake.writeMessage();
    // Not a session yet: anyone can replay a captured SESSION_HELLO, and the toy cannot tell.
    // Only the phone's first transport message, under keys from the toy's fresh ephemeral, proves
    // the phone is live; until then nothing is done in the bond's name (the link times out).
    this.step = { kind: 'await-session-confirm', session: new Session(handshake.split()), bond };
    return [encodeFrame({ type: 'SESSION_ACCEPT', noise })];
  }

  /** The bond whose destination id over `nonce` is `id`: every bond is tried (one HMAC each), compared in constant time. */
  private bondFor(nonce: Uint8Array, id: Uint8Array): Bond | undefined {
    const { sodium } = this.toy;
    let found: Bond | undefined;
    for (const bond of this.toy.bonds.list()) {
      // Every bond is hashed whichever matches, so the time taken does not tell which bond it was.
      const match = sodium.memcmp(destinationId(sodium, bond.destinationKey, bond.toyId, nonce), id);
      if (match && found === undefined) found = bond;
    }
    return found;
  }

  private onSessionConfirm(step: Extract<Step, { kind: 'await-session-confirm' }>, message: Uint8Array): Uint8Array[] {
    decodePhoneAck(step.session.open(message), 'session confirm');
    this.step = { kind: 'done' };
    this.establish(step.session, step.bond, 'established');
    return [];
  }

  private updatePolicy(state: PolicyState): void {
    this.internals.setPolicy(state);
    this.pending.push({ type: 'policy-changed', policy: state });
  }
}
