// Sealed voice envelopes: a voice message encrypted by its sender for its recipients, so a
// phone's backup, a relay server or a sniffer holds only ciphertext. Standard libsodium
// constructions only (the full format and its reasoning are in docs/PROTOCOL.md, section 10):
// - body: XChaCha20-Poly1305 under a random one-time content key, the cleartext header as
//   associated data;
// - the content key wrapped for each recipient with XChaCha20-Poly1305 under crypto_kx keys
//   from a fresh ephemeral X25519 key and the recipient's envelope key (never its Noise static
//   key: each key serves one construction, pairing/keys.ts), in a slot named by a keyed hash only
//   that recipient can compute (no recipient public key in the clear);
// - an Ed25519 signature by the sender over the header (version, id, time, ephemeral key,
//   recipient list with their wrapped keys, body length), the sender's keys and a hash of the
//   audio. The signature and the sender's keys travel inside the encrypted body, so a relay
//   does not learn who sent a message, and a recipient cannot re-address it to someone else
//   (the signature names the recipients and their wrapped keys).
import type { PartyKeys, PeerPublicKeys } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import { ByteReader, ByteWriter, asciiBytes, bytesEqual, concatBytes } from './bytes';
import { AudioError } from './errors';
import { STREAM_ENVELOPE_VERSION, STREAM_HEADER_BYTES, openStreamBody } from './envelope-stream';

export const ENVELOPE_MAGIC = asciiBytes('PLVM');
/**
 * 3: wrapped for the recipients' envelope keys and carrying the sender's envelope key (2 used the
 * Noise static keys for both); slots named by keyed hashes, not public keys (docs/PROTOCOL.md §10.3).
 */
export const ENVELOPE_VERSION = 3;
/** What the sealed audio is; 1: an Ogg Opus file (RFC 7845). */
export const CONTENT_OGG_OPUS = 1;
export const ENVELOPE_ID_BYTES = 16;
export const MAX_RECIPIENTS = 32;

const KEY_BYTES = 32;
const TAG_BYTES = 16;
const WRAPPED_KEY_BYTES = KEY_BYTES + TAG_BYTES;
const SIGNATURE_BYTES = 64;
/** Sender signing key, sender envelope key, signature: what precedes the audio inside the body. */
const INNER_HEADER_BYTES = 2 * KEY_BYTES + SIGNATURE_BYTES;
/** Every key in this design encrypts exactly one message, so a fixed nonce is safe. */
const ZERO_NONCE = new Uint8Array(24);
const SIGNATURE_CONTEXT = asciiBytes('plushlink voice envelope v3\0');
const WRAP_CONTEXT = asciiBytes('plushlink envelope key wrap v3\0');
const SLOT_CONTEXT = asciiBytes('plushlink envelope slot v3\0');
export const SLOT_ID_BYTES = 16;

/** The cleartext part of an envelope: what a relay can see and route by. */
export interface EnvelopeHeader {
  readonly version: number;
  readonly contentType: number;
  readonly id: Uint8Array;
  /** Milliseconds since the Unix epoch, by the sender's clock. */
  readonly time: number;
  readonly ephemeral: Uint8Array;
  /** Per recipient: its slot id (a keyed hash only it can compute) and its wrapped content key. */
  readonly recipients: readonly { readonly slot: Uint8Array; readonly wrappedKey: Uint8Array }[];
  /** Version 3: the body's exact length. Version 4: the body bytes that follow in the envelope read. */
  readonly bodyLength: number;
  /** Version 4 (streamed): the most the body may hold, announced before it is written. */
  readonly maxBodyLength?: number;
  /** Version 4: the crypto_secretstream header (24 bytes) the body's records continue. */
  readonly streamHeader?: Uint8Array;
}

/** Who sealed an envelope, as the envelope names them: the sender's signing and envelope keys. */
export type EnvelopeSender = Pick<PeerPublicKeys, 'signing' | 'envelope'>;

/** An envelope opened and verified by one of its recipients. */
export interface Envelope {
  readonly id: Uint8Array;
  readonly time: number;
  readonly contentType: number;
  /** The sender's long-term keys, proven by the signature. */
  readonly sender: EnvelopeSender;
  /** How many recipients the sender sealed it for (who they are is not in the envelope). */
  readonly recipientCount: number;
  readonly audio: Uint8Array;
}

export interface SealInput {
  /** The voice message: an Ogg Opus file for content type 1. */
  readonly audio: Uint8Array;
  readonly sender: Pick<PartyKeys, 'signing' | 'envelope'>;
  /** Sealed to each one's `envelope` key. */
  readonly recipients: readonly Pick<PeerPublicKeys, 'envelope'>[];
  /** Milliseconds since the Unix epoch: the time the replay guard judges by. */
  readonly time: number;
  /** 16 bytes; random when absent. */
  readonly id?: Uint8Array;
}

export function headerBytes(h: EnvelopeHeader): Uint8Array {
  const w = new ByteWriter()
    .bytes(ENVELOPE_MAGIC)
    .u8(h.version)
    .u8(h.contentType)
    .bytes(h.id)
    .u64(h.time, false)
    .bytes(h.ephemeral)
    .u8(h.recipients.length);
  for (const r of h.recipients) w.bytes(r.slot).bytes(r.wrappedKey);
  if (h.version === STREAM_ENVELOPE_VERSION) return w.u32be(h.maxBodyLength ?? 0).bytes(h.streamHeader ?? new Uint8Array()).finish();
  return w.u32be(h.bodyLength).finish();
}

function readHeader(r: ByteReader): EnvelopeHeader {
  if (!bytesEqual(r.bytes(ENVELOPE_MAGIC.length, 'magic'), ENVELOPE_MAGIC)) {
    throw new AudioError('CORRUPT', 'not a plushlink voice envelope (bad magic)');
  }
  const version = r.u8('version');
  if (version !== ENVELOPE_VERSION && version !== STREAM_ENVELOPE_VERSION) {
    throw new AudioError('UNSUPPORTED_FORMAT', `envelope version ${version}; this build reads versions ${ENVELOPE_VERSION} and ${STREAM_ENVELOPE_VERSION}`);
  }
  const contentType = r.u8('content type');
  if (contentType !== CONTENT_OGG_OPUS) throw new AudioError('UNSUPPORTED_FORMAT', `envelope content type ${contentType}`);
  const id = r.bytes(ENVELOPE_ID_BYTES, 'id');
  const time = r.u64('time', false);
  const ephemeral = r.bytes(KEY_BYTES, 'ephemeral key');
  const count = r.u8('recipient count');
  if (count === 0 || count > MAX_RECIPIENTS) throw new AudioError('CORRUPT', `envelope has ${count} recipients (1-${MAX_RECIPIENTS})`);
  const recipients = Array.from({ length: count }, (_, i) => ({
    slot: r.bytes(SLOT_ID_BYTES, `recipient ${i} slot`),
    wrappedKey: r.bytes(WRAPPED_KEY_BYTES, `recipient ${i} wrapped key`),
  }));
  recipients.forEach((a, i) => {
    if (recipients.findIndex((b) => bytesEqual(a.slot, b.slot)) !== i) {
      throw new AudioError('CORRUPT', `envelope lists recipient ${i} twice`);
    }
  });
  if (version === STREAM_ENVELOPE_VERSION) {
    const maxBodyLength = r.u32be('max body length');
    const streamHeader = r.bytes(STREAM_HEADER_BYTES, 'stream header');
    const bodyLength = r.remaining;
    if (bodyLength > maxBodyLength) throw new AudioError('CORRUPT', `envelope body of ${bodyLength} bytes exceeds its announced maximum ${maxBodyLength}`);
    return { version, contentType, id, time, ephemeral, recipients, bodyLength, maxBodyLength, streamHeader };
  }
  const bodyLength = r.u32be('body length');
  if (bodyLength < INNER_HEADER_BYTES + TAG_BYTES) throw new AudioError('CORRUPT', `envelope body length ${bodyLength} is too short`);
  return { version, contentType, id, time, ephemeral, recipients, bodyLength };
}

/** Reads the cleartext header without any key: for relays routing by recipient and id. */
export function readEnvelopeHeader(bytes: Uint8Array): EnvelopeHeader {
  const r = new ByteReader(bytes, 'envelope');
  const header = readHeader(r);
  r.bytes(header.bodyLength, 'body');
  r.end();
  return header;
}

function wrapAd(id: Uint8Array, slot: Uint8Array): Uint8Array {
  return concatBytes([WRAP_CONTEXT, id, slot]);
}

/**
 * Wraps `contentKey` for each recipient (one slot per distinct envelope key) under a fresh
 * ephemeral key: the header's ephemeral key and recipient list, shared by versions 3 and 4.
 */
export function wrapForRecipients(
  sodium: Sodium,
  id: Uint8Array,
  contentKey: Uint8Array,
  recipients: readonly Pick<PeerPublicKeys, 'envelope'>[],
): { ephemeral: Uint8Array; recipients: EnvelopeHeader['recipients'] } {
  const ephemeral = sodium.crypto_kx_keypair();
  try {
    const wrapped = recipients.map((r) => {
      const { sharedRx, sharedTx } = sodium.crypto_kx_client_session_keys(ephemeral.publicKey, ephemeral.privateKey, r.envelope);
      const slot = slotId(sodium, id, sharedRx);
      const wrappedKey = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(contentKey, wrapAd(id, slot), null, ZERO_NONCE, sharedTx);
      sodium.memzero(sharedTx);
      sodium.memzero(sharedRx);
      return { slot, wrappedKey };
    });
    return { ephemeral: ephemeral.publicKey, recipients: wrapped };
  } finally {
    sodium.memzero(ephemeral.privateKey);
  }
}

/** The checks every seal makes on its input; returns the distinct recipients and the id. */
export function checkSealInput(sodium: Sodium, input: Omit<SealInput, 'audio'>): { recipients: SealInput['recipients']; id: Uint8Array } {
  const { sender, time } = input;
  // A key listed twice would make the envelope CORRUPT for every recipient (readHeader refuses
  // it): one slot per distinct key, first occurrence kept.
  const recipients = input.recipients.filter((r, i, all) => all.findIndex((o) => bytesEqual(o.envelope, r.envelope)) === i);
  const id = input.id ?? sodium.randombytes_buf(ENVELOPE_ID_BYTES);
  checkKey(id, ENVELOPE_ID_BYTES, 'envelope id');
  if (!Number.isSafeInteger(time) || time < 0) throw new AudioError('INVALID_ARGUMENT', `envelope time ${time} is not a non-negative integer`);
  if (recipients.length === 0 || recipients.length > MAX_RECIPIENTS) {
    throw new AudioError('INVALID_ARGUMENT', `an envelope needs 1-${MAX_RECIPIENTS} recipients, got ${recipients.length}`);
  }
  recipients.forEach((r, i) => checkKey(r.envelope, KEY_BYTES, `recipient ${i} envelope key`));
  checkKey(sender.signing.secretKey, 64, 'sender signing secret key');
  return { recipients, id };
}

/**
 * A recipient's slot id: BLAKE2b-128 of the envelope id keyed by the crypto_kx key the wrap key is
 * not (the sender's sharedRx, the recipient's sharedTx). Only the sender and that recipient can
 * compute it, and it differs in every envelope, so a relay cannot tell who the recipients are.
 */
function slotId(sodium: Sodium, id: Uint8Array, key: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(SLOT_ID_BYTES, concatBytes([SLOT_CONTEXT, id]), key);
}

/** Whether two parties sign and receive envelopes with the same keys (compared in constant time). */
export function sameSender(sodium: Sodium, a: EnvelopeSender, b: EnvelopeSender): boolean {
  return sodium.memcmp(a.signing, b.signing) && sodium.memcmp(a.envelope, b.envelope);
}

function signedTranscript(sodium: Sodium, header: Uint8Array, sender: EnvelopeSender, audio: Uint8Array): Uint8Array {
  return concatBytes([SIGNATURE_CONTEXT, header, sender.signing, sender.envelope, sodium.crypto_generichash(32, audio, null)]);
}

function checkKey(key: Uint8Array, length: number, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== length) throw new AudioError('INVALID_ARGUMENT', `${what} must be ${length} bytes`);
}

/** Seals `audio` for `recipients`, signed by `sender`. Returns the envelope's bytes. */
export function sealEnvelope(sodium: Sodium, input: SealInput): Uint8Array {
  const { audio, sender, time } = input;
  const { recipients, id } = checkSealInput(sodium, input);
  const bodyLength = INNER_HEADER_BYTES + audio.length + TAG_BYTES;
  if (bodyLength > 0xffffffff) throw new AudioError('TOO_LARGE', `audio of ${audio.length} bytes does not fit an envelope`);

  const contentKey = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
  try {
    const wrapped = wrapForRecipients(sodium, id, contentKey, recipients);
    const header = headerBytes({ version: ENVELOPE_VERSION, contentType: CONTENT_OGG_OPUS, id, time, ...wrapped, bodyLength });
    const senderPublic = { envelope: sender.envelope.publicKey, signing: sender.signing.publicKey };
    const signature = sodium.crypto_sign_detached(signedTranscript(sodium, header, senderPublic, audio), sender.signing.secretKey);
    const plaintext = concatBytes([senderPublic.signing, senderPublic.envelope, signature, audio]);
    const body = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, header, null, ZERO_NONCE, contentKey);
    return concatBytes([header, body]);
  } finally {
    sodium.memzero(contentKey);
  }
}

export interface OpenOptions {
  /** When given, the sender must be one of these (signing and envelope keys), else UNKNOWN_SENDER. */
  readonly senders?: readonly EnvelopeSender[];
}

function decrypt(sodium: Sodium, what: string, ciphertext: Uint8Array, ad: Uint8Array, key: Uint8Array): Uint8Array {
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, ZERO_NONCE, key);
  } catch {
    throw new AudioError('INTEGRITY', `${what} fails authentication: the envelope was altered or is not for this key`);
  }
}

/**
 * Opens an envelope as recipient `me`: finds its wrapped key, decrypts, verifies the sender's
 * signature. Any altered byte gives a typed error; nothing is returned unverified. Check the
 * replay guard after this succeeds (never before: a forged envelope must not burn a real id).
 */
export function openEnvelope(sodium: Sodium, bytes: Uint8Array, me: Pick<PartyKeys, 'envelope'>, options: OpenOptions = {}): Envelope {
  checkKey(me.envelope.publicKey, KEY_BYTES, 'recipient envelope public key');
  options.senders?.forEach((s, i) => {
    checkKey(s.signing, KEY_BYTES, `trusted sender ${i} signing key`);
    checkKey(s.envelope, KEY_BYTES, `trusted sender ${i} envelope key`);
  });
  const r = new ByteReader(bytes, 'envelope');
  const header = readHeader(r);
  const headerRaw = bytes.subarray(0, r.offset);
  const body = r.bytes(header.bodyLength, 'body');
  r.end();
  const contentKey = unwrapContentKey(sodium, header, me);
  let opened: { sender: EnvelopeSender; audio: Uint8Array };
  try {
    opened = header.version === STREAM_ENVELOPE_VERSION ? openStreamBody(sodium, header, headerRaw, body, contentKey) : openBody(sodium, headerRaw, body, contentKey);
  } finally {
    sodium.memzero(contentKey);
  }
  const { sender, audio } = opened;
  if (options.senders && !options.senders.some((s) => sameSender(sodium, s, sender))) {
    throw new AudioError('UNKNOWN_SENDER', 'the envelope is signed by a key that is not among the trusted senders');
  }
  return {
    id: header.id.slice(),
    time: header.time,
    contentType: header.contentType,
    sender: { signing: sender.signing.slice(), envelope: sender.envelope.slice() },
    recipientCount: header.recipients.length,
    audio: audio.slice(),
  };
}

/** My content key from my slot: NOT_A_RECIPIENT without one, INTEGRITY if it does not unwrap. */
function unwrapContentKey(sodium: Sodium, header: EnvelopeHeader, me: Pick<PartyKeys, 'envelope'>): Uint8Array {
  let keys: { sharedRx: Uint8Array; sharedTx: Uint8Array };
  try {
    keys = sodium.crypto_kx_server_session_keys(me.envelope.publicKey, me.envelope.secretKey, header.ephemeral);
  } catch {
    throw new AudioError('INTEGRITY', 'envelope ephemeral key is not a usable X25519 key');
  }
  const mine = slotId(sodium, header.id, keys.sharedTx);
  sodium.memzero(keys.sharedTx);
  const slot = header.recipients.find((x) => sodium.memcmp(x.slot, mine));
  if (!slot) {
    sodium.memzero(keys.sharedRx);
    throw new AudioError('NOT_A_RECIPIENT', 'this key is not among the envelope recipients');
  }
  try {
    return decrypt(sodium, 'wrapped content key', slot.wrappedKey, wrapAd(header.id, slot.slot), keys.sharedRx);
  } finally {
    sodium.memzero(keys.sharedRx);
  }
}

/** Version 3's body: one AEAD message holding the sender's keys, the signature and the audio. */
function openBody(sodium: Sodium, headerRaw: Uint8Array, body: Uint8Array, contentKey: Uint8Array): { sender: EnvelopeSender; audio: Uint8Array } {
  const plaintext = decrypt(sodium, 'envelope body', body, headerRaw, contentKey);
  const inner = new ByteReader(plaintext, 'envelope body');
  const sender = { signing: inner.bytes(KEY_BYTES, 'sender signing key'), envelope: inner.bytes(KEY_BYTES, 'sender envelope key') };
  const signature = inner.bytes(SIGNATURE_BYTES, 'signature');
  const audio = inner.rest();
  if (!verifies(sodium, signature, signedTranscript(sodium, headerRaw, sender, audio), sender.signing)) {
    throw new AudioError('BAD_SIGNATURE', "the sender's signature over the envelope does not verify");
  }
  return { sender, audio };
}

/** Ed25519 verification that treats a malformed key as a failed signature. */
export function verifies(sodium: Sodium, signature: Uint8Array, message: Uint8Array, key: Uint8Array): boolean {
  try {
    return sodium.crypto_sign_verify_detached(signature, message, key);
  } catch {
    return false;
  }
}
