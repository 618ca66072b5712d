// What rides inside the pairing handshake: each side's intro (Ed25519 public key, proof that it
// holds the secret half, its envelope key, and who it is), and the toy's confirmation (with the
// bond's destination key). Intros are Noise payloads,
// encrypted and bound to the transcript; the confirmation is the first transport message, so
// the phone knows the toy accepted its code before it stores anything.
import { ByteReader, concat, fixedBytes, fromHex, toHex, utf8 } from './bytes';
import { type JoinMethod, type Role, DESTINATION_KEY_BYTES, JOIN_METHODS, ROLES } from './bond';
import { PairingError, guard } from './errors';
import { BOND_ID_BYTES } from './frame';
import { TOY_ID_BYTES } from './identity';
import type { SigningKeyPair } from './keys';
import { introSignedBytes } from './key-schedule';
import type { Sodium } from './sodium';

const SIGN_PUBLIC = 32;
const ENVELOPE_PUBLIC = 32;
const SIGNATURE = 64;
const CONFIRM = 32;
export const MAX_LABEL_BYTES = 64;

/**
 * XXpsk3 message 2 payload (toy): toy id, Ed25519 key, envelope key, signature over the handshake
 * hash, and the toy's attestation key with its certificate over the toy's current static,
 * envelope and signing keys.
 */
export interface ToyIntro {
  readonly toyId: string;
  readonly signingKey: Uint8Array;
  /** X25519, for sealed envelopes only (never in Noise). */
  readonly envelopeKey: Uint8Array;
  readonly signature: Uint8Array;
  readonly attestationKey: Uint8Array;
  readonly certificate: Uint8Array;
  /** HMAC under the psk: the toy knows the code (key-schedule.ts toyConfirm). */
  readonly confirm: Uint8Array;
}

/** XXpsk3 message 3 payload (phone): Ed25519 key, envelope key, signature, the phone's display label. */
export interface PhoneIntro {
  readonly signingKey: Uint8Array;
  readonly envelopeKey: Uint8Array;
  readonly signature: Uint8Array;
  readonly label: string;
}

/** The toy's first transport message after pairing: the bond it will store. */
export interface PairConfirm {
  readonly bondId: string;
  readonly role: Role;
  readonly joined: JoinMethod;
  /** The bond's secret for SESSION_HELLO destination ids (key-schedule.ts destinationId). */
  readonly destinationKey: Uint8Array;
}

export function signIntro(sodium: Sodium, who: 'toy' | 'phone', key: SigningKeyPair, handshakeHash: Uint8Array): Uint8Array {
  return sodium.crypto_sign_detached(introSignedBytes(who, handshakeHash), key.secretKey);
}

/** BAD_SIGNATURE unless `signature` is `signingKey`'s over this handshake hash. */
export function verifyIntro(
  sodium: Sodium,
  who: 'toy' | 'phone',
  intro: { readonly signingKey: Uint8Array; readonly signature: Uint8Array },
  handshakeHash: Uint8Array,
): void {
  const ok = guard('BAD_SIGNATURE', () =>
    sodium.crypto_sign_verify_detached(intro.signature, introSignedBytes(who, handshakeHash), intro.signingKey),
  );
  if (!ok) throw new PairingError('BAD_SIGNATURE', `${who} intro signature`);
}

export function encodeToyIntro(intro: ToyIntro): Uint8Array {
  return concat(fromHex(intro.toyId, TOY_ID_BYTES), intro.signingKey, intro.envelopeKey, intro.signature, intro.attestationKey, intro.certificate, intro.confirm);
}

export function decodeToyIntro(bytes: Uint8Array): ToyIntro {
  const r = new ByteReader(bytes, 'toy intro');
  const intro = {
    toyId: toHex(r.bytesOf(TOY_ID_BYTES)),
    signingKey: r.bytesOf(SIGN_PUBLIC),
    envelopeKey: r.bytesOf(ENVELOPE_PUBLIC),
    signature: r.bytesOf(SIGNATURE),
    attestationKey: r.bytesOf(SIGN_PUBLIC),
    certificate: r.bytesOf(SIGNATURE),
    confirm: r.bytesOf(CONFIRM),
  };
  r.end();
  return intro;
}

export function encodePhoneIntro(intro: PhoneIntro): Uint8Array {
  const label = utf8(intro.label);
  if (label.length > MAX_LABEL_BYTES) throw new PairingError('TOO_LARGE', `label over ${MAX_LABEL_BYTES} bytes`);
  return concat(intro.signingKey, intro.envelopeKey, intro.signature, Uint8Array.of(label.length), label);
}

export function decodePhoneIntro(bytes: Uint8Array): PhoneIntro {
  const r = new ByteReader(bytes, 'phone intro');
  const signingKey = r.bytesOf(SIGN_PUBLIC);
  const envelopeKey = r.bytesOf(ENVELOPE_PUBLIC);
  const signature = r.bytesOf(SIGNATURE);
  const labelBytes = r.shortBytes();
  r.end();
  if (labelBytes.length > MAX_LABEL_BYTES) throw new PairingError('MALFORMED', 'label too long');
  const label = guard('MALFORMED', () => new TextDecoder('utf-8', { fatal: true }).decode(labelBytes), 'label not UTF-8');
  return { signingKey, envelopeKey, signature, label };
}

export function encodePairConfirm(confirm: PairConfirm): Uint8Array {
  return concat(
    fromHex(confirm.bondId, BOND_ID_BYTES),
    Uint8Array.of(ROLES.indexOf(confirm.role), JOIN_METHODS.indexOf(confirm.joined)),
    fixedBytes(confirm.destinationKey, DESTINATION_KEY_BYTES, 'destination key'),
  );
}

export function decodePairConfirm(bytes: Uint8Array): PairConfirm {
  const r = new ByteReader(bytes, 'pair confirm');
  const bondId = toHex(r.bytesOf(BOND_ID_BYTES));
  const role = ROLES[r.u8()];
  const joined = JOIN_METHODS[r.u8()];
  const destinationKey = r.bytesOf(DESTINATION_KEY_BYTES);
  r.end();
  if (role === undefined) throw new PairingError('MALFORMED', 'role');
  if (joined === undefined) throw new PairingError('MALFORMED', 'join method');
  return { bondId, role, joined, destinationKey };
}

/**
 * The phone's first transport message after a handshake, empty: after pairing, "I have stored the
 * bond" (pair ack); after a KK session hello, the session confirm, proof that a live phone and not
 * a replayed SESSION_HELLO holds the bond's key (the toy counts the session from it).
 */
export function encodePhoneAck(): Uint8Array {
  return new Uint8Array(0);
}

export function decodePhoneAck(bytes: Uint8Array, what: 'pair ack' | 'session confirm' = 'pair ack'): void {
  if (bytes.length !== 0) throw new PairingError('MALFORMED', what);
}
