// Delivery receipts: "the toy played your message", sealed by the toy for the message's sender
// alone (docs/PROTOCOL.md, section 10.8). A receipt is an ordinary sealed envelope whose cleartext
// header has the same form as a voice message's (content type 1, one recipient, a random id), so
// a relay or a bridge cannot tell a receipt from a message except by its padded size bucket; only
// the sender, opening it, sees that the payload is a receipt ("PLRC") and not Ogg Opus ("OggS").
// The toy's signature makes it proof: a bridge that carries it can neither forge nor alter one.
import type { PartyKeys, PeerPublicKeys } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import { ByteReader, ByteWriter, asciiBytes, bytesEqual } from './bytes';
import { ENVELOPE_ID_BYTES, openEnvelope, sealEnvelope, type EnvelopeSender } from './envelope';
import { AudioError } from './errors';

export const RECEIPT_MAGIC = asciiBytes('PLRC');
export const RECEIPT_VERSION = 1;
/** What happened to the message; 1: the toy played it. */
export const RECEIPT_PLAYED = 1;
/** A sealed receipt is 305 bytes; a stored one longer than this is not one the toy made. */
export const MAX_RECEIPT_BYTES = 400;

/** A receipt, opened and verified as the toy's. */
export interface DeliveryReceipt {
  /** The receipt envelope's own id. */
  readonly id: Uint8Array;
  /** The id of the voice message the toy played. */
  readonly message: Uint8Array;
  /** When it played, by the toy's clock (ms since the epoch). */
  readonly playedAt: number;
}

export interface SealReceiptInput {
  /** The played message's envelope id. */
  readonly message: Uint8Array;
  readonly playedAt: number;
  /** The toy's keys: the receipt's signer. */
  readonly toy: PartyKeys;
  /** The message's sender, proven by its signature: the receipt's only recipient. */
  readonly sender: EnvelopeSender;
}

function payload(message: Uint8Array, playedAt: number): Uint8Array {
  return new ByteWriter().bytes(RECEIPT_MAGIC).u8(RECEIPT_VERSION).u8(RECEIPT_PLAYED).bytes(message).u64(playedAt, false).finish();
}

/** Seals a "played" receipt for the message's sender alone, signed by the toy. */
export function sealReceipt(sodium: Sodium, input: SealReceiptInput): Uint8Array {
  if (!(input.message instanceof Uint8Array) || input.message.length !== ENVELOPE_ID_BYTES) {
    throw new AudioError('INVALID_ARGUMENT', `a receipt names a ${ENVELOPE_ID_BYTES}-byte message id`);
  }
  if (!Number.isSafeInteger(input.playedAt) || input.playedAt < 0) throw new AudioError('INVALID_ARGUMENT', `played time ${input.playedAt} is not a non-negative integer`);
  return sealEnvelope(sodium, { audio: payload(input.message, input.playedAt), sender: input.toy, recipients: [input.sender], time: input.playedAt });
}

/** True when an opened envelope's payload is a receipt rather than a voice message. */
export function isReceiptPayload(bytes: Uint8Array): boolean {
  return bytes.length >= RECEIPT_MAGIC.length && bytesEqual(bytes.subarray(0, RECEIPT_MAGIC.length), RECEIPT_MAGIC);
}

/** Reads a receipt's payload (the opened envelope's content). */
export function readReceiptPayload(bytes: Uint8Array): { message: Uint8Array; playedAt: number } {
  const r = new ByteReader(bytes, 'receipt');
  if (!bytesEqual(r.bytes(RECEIPT_MAGIC.length, 'magic'), RECEIPT_MAGIC)) throw new AudioError('CORRUPT', 'not a delivery receipt (bad magic)');
  const version = r.u8('version');
  if (version !== RECEIPT_VERSION) throw new AudioError('UNSUPPORTED_FORMAT', `receipt version ${version}; this build reads version ${RECEIPT_VERSION}`);
  const kind = r.u8('kind');
  if (kind !== RECEIPT_PLAYED) throw new AudioError('UNSUPPORTED_FORMAT', `receipt kind ${kind}`);
  const message = r.bytes(ENVELOPE_ID_BYTES, 'message id');
  const playedAt = r.u64('played time', false);
  r.end();
  return { message: message.slice(), playedAt };
}

/** Opens a receipt sealed for `me`; it must be signed by `toy`. */
export function openReceipt(sodium: Sodium, envelope: Uint8Array, me: PartyKeys, toy: PeerPublicKeys): DeliveryReceipt {
  const opened = openEnvelope(sodium, envelope, me, { senders: [toy] });
  return { id: opened.id, ...readReceiptPayload(opened.audio) };
}
