// Streamed voice envelopes (version 4): sealed while the audio is still being encoded, so a message
// can travel as it is made. The header (recipients' wrapped content key, an upper bound on the
// body) is known up front; the body is a libsodium crypto_secretstream_xchacha20poly1305 stream of
// records written as audio arrives; the sender's Ed25519 signature comes last, in the record
// tagged FINAL, over the header and a BLAKE2b-512 hash of every plaintext byte before it. The
// secretstream's chained nonces refuse reordered or spliced records and its FINAL tag a
// truncated stream; nothing is returned before the signature verifies. Layout and reasoning:
// docs/PROTOCOL.md section 10.3, "Format, version 4".
import type { Sodium } from '../pairing/sodium';
import { freeAbandonedHashState, freeSecretstreamState } from '../pairing/sodium-state';
import { ByteReader, ByteWriter, asciiBytes, concatBytes } from './bytes';
import {
  CONTENT_OGG_OPUS,
  type EnvelopeHeader,
  type EnvelopeSender,
  type SealInput,
  checkSealInput,
  headerBytes,
  verifies,
  wrapForRecipients,
} from './envelope';
import { AudioError } from './errors';

export const STREAM_ENVELOPE_VERSION = 4;
/** crypto_secretstream_xchacha20poly1305_HEADERBYTES. */
export const STREAM_HEADER_BYTES = 24;
/** crypto_secretstream_xchacha20poly1305_ABYTES: tag byte + Poly1305 tag, per record. */
const RECORD_ABYTES = 17;
/** u16 length before every record. */
const RECORD_OVERHEAD = 2 + RECORD_ABYTES;
/** Largest plaintext in one record (an Ogg page of a second of voice is ~2 kB). */
export const MAX_RECORD_PLAINTEXT = 16384;
const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
const TRANSCRIPT_HASH_BYTES = 64;
// Secretstream tags (crypto_secretstream_xchacha20poly1305_TAG_*).
const TAG_MESSAGE = 0;
const TAG_FINAL = 3;
const SIGNATURE_CONTEXT = 'plushlink voice envelope v4\0';

type StreamState = ReturnType<Sodium['crypto_secretstream_xchacha20poly1305_init_pull']>;
type HashState = ReturnType<Sodium['crypto_generichash_init']>;

export interface StreamSealInput extends Omit<SealInput, 'audio'> {
  /** The most audio bytes that will be pushed: what the header's body bound is computed from. */
  readonly maxAudioBytes: number;
  /** The most push() calls that will be made (each starts a record). */
  readonly maxPushes: number;
}

/** The largest body `maxAudioBytes` in at most `maxPushes` pushes can make. */
export function streamBodyBound(maxAudioBytes: number, maxPushes: number): number {
  const records = 2 + maxPushes + Math.ceil(maxAudioBytes / MAX_RECORD_PLAINTEXT);
  return records * RECORD_OVERHEAD + 2 * KEY_BYTES + SIGNATURE_BYTES + maxAudioBytes;
}

function signedTranscript(header: Uint8Array, hash: Uint8Array): Uint8Array {
  return concatBytes([asciiBytes(SIGNATURE_CONTEXT), header, hash]);
}

/**
 * Seals a voice message as it is made: `header` first, then the body bytes push() and finish()
 * return, in order. Envelope = header || every returned body byte. A push beyond the announced
 * bound is TOO_LARGE and changes nothing (the caller may then seal the audio as version 3).
 */
export class EnvelopeStreamSealer {
  readonly header: Uint8Array;
  readonly id: Uint8Array;
  readonly maxBodyLength: number;
  private readonly state: StreamState;
  private readonly transcript: HashState;
  private readonly signingKey: Uint8Array;
  private pending: Uint8Array[] = [];
  private written = 0;
  private finished = false;

  constructor(
    private readonly sodium: Sodium,
    input: StreamSealInput,
  ) {
    const { recipients, id } = checkSealInput(sodium, input);
    if (!Number.isSafeInteger(input.maxAudioBytes) || input.maxAudioBytes < 0 || !Number.isSafeInteger(input.maxPushes) || input.maxPushes < 0) {
      throw new AudioError('INVALID_ARGUMENT', 'maxAudioBytes and maxPushes must be non-negative integers');
    }
    this.maxBodyLength = streamBodyBound(input.maxAudioBytes, input.maxPushes);
    if (this.maxBodyLength > 0xffffffff) throw new AudioError('TOO_LARGE', `audio of ${input.maxAudioBytes} bytes does not fit an envelope`);
    this.id = id;
    this.signingKey = input.sender.signing.secretKey;
    const contentKey = sodium.crypto_secretstream_xchacha20poly1305_keygen();
    try {
      const wrapped = wrapForRecipients(sodium, id, contentKey, recipients);
      const stream = sodium.crypto_secretstream_xchacha20poly1305_init_push(contentKey);
      this.state = stream.state;
      this.header = headerBytes({
        version: STREAM_ENVELOPE_VERSION,
        contentType: CONTENT_OGG_OPUS,
        id,
        time: input.time,
        ...wrapped,
        bodyLength: 0,
        maxBodyLength: this.maxBodyLength,
        streamHeader: stream.header,
      });
    } finally {
      sodium.memzero(contentKey);
    }
    this.transcript = sodium.crypto_generichash_init(null, TRANSCRIPT_HASH_BYTES);
    // The first record names the sender and carries the header as associated data; the chained
    // nonces bind every later record to it.
    const senderKeys = concatBytes([input.sender.signing.publicKey, input.sender.envelope.publicKey]);
    this.pending.push(this.record(senderKeys, TAG_MESSAGE, this.header));
  }

  /** Body bytes written so far (header not counted). */
  get bodyBytes(): number {
    return this.written;
  }

  /** Seals the next audio bytes; returns the body bytes to send (possibly with the first record). */
  push(audio: Uint8Array): Uint8Array {
    if (this.finished) throw new AudioError('INVALID_ARGUMENT', 'the envelope is already finished');
    if (audio.length === 0) return this.flush([]);
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < audio.length; at += MAX_RECORD_PLAINTEXT) pieces.push(audio.subarray(at, at + MAX_RECORD_PLAINTEXT));
    const size = pieces.reduce((n, p) => n + p.length + RECORD_OVERHEAD, 0);
    const pendingBytes = this.pending.reduce((n, p) => n + p.length, 0);
    const final = RECORD_OVERHEAD + SIGNATURE_BYTES;
    if (this.written + pendingBytes + size + final > this.maxBodyLength) {
      throw new AudioError('TOO_LARGE', `the audio outgrew the ${this.maxBodyLength}-byte body announced in the envelope header`);
    }
    return this.flush(pieces.map((p) => this.record(p, TAG_MESSAGE, null)));
  }

  /** Signs and closes the stream: the last body bytes. */
  finish(): Uint8Array {
    if (this.finished) throw new AudioError('INVALID_ARGUMENT', 'the envelope is already finished');
    this.finished = true;
    const hash = this.sodium.crypto_generichash_final(this.transcript, TRANSCRIPT_HASH_BYTES);
    const signature = this.sodium.crypto_sign_detached(signedTranscript(this.header, hash), this.signingKey);
    const last = this.flush([this.record(signature, TAG_FINAL, null, false)]);
    freeSecretstreamState(this.sodium, this.state);
    return last;
  }

  /** Gives back the heap of an envelope abandoned before finish() (idempotent; a no-op after it). */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    freeSecretstreamState(this.sodium, this.state);
    freeAbandonedHashState(this.sodium, this.transcript);
  }

  private flush(records: Uint8Array[]): Uint8Array {
    const out = concatBytes([...this.pending, ...records]);
    this.pending = [];
    this.written += out.length;
    return out;
  }

  private record(plaintext: Uint8Array, tag: number, ad: Uint8Array | null, hashed = true): Uint8Array {
    if (hashed) this.sodium.crypto_generichash_update(this.transcript, plaintext);
    const ciphertext = this.sodium.crypto_secretstream_xchacha20poly1305_push(this.state, plaintext, ad, tag);
    return new ByteWriter().u16be(ciphertext.length).bytes(ciphertext).finish();
  }
}

/**
 * Opens a version 4 body with its content key (called by openEnvelope once the key is unwrapped):
 * every record authenticated in order, the first naming the sender, the FINAL one holding the
 * signature, nothing after it. TRUNCATED without a FINAL record, INTEGRITY for an altered,
 * reordered or foreign record, CORRUPT for a misplaced one, BAD_SIGNATURE last.
 */
export function openStreamBody(
  sodium: Sodium,
  header: EnvelopeHeader,
  headerRaw: Uint8Array,
  body: Uint8Array,
  contentKey: Uint8Array,
): { sender: EnvelopeSender; audio: Uint8Array } {
  if (!header.streamHeader) throw new AudioError('CORRUPT', 'a version 4 envelope without a stream header');
  let state: StreamState;
  try {
    state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header.streamHeader, contentKey);
  } catch {
    throw new AudioError('INTEGRITY', 'the envelope stream header is unusable');
  }
  const transcript = sodium.crypto_generichash_init(null, TRANSCRIPT_HASH_BYTES);
  let hashed = false;
  try {
    const { sender, audio, signature } = openRecords(sodium, state, transcript, headerRaw, body);
    hashed = true; // crypto_generichash_final frees the transcript's state
    const hash = sodium.crypto_generichash_final(transcript, TRANSCRIPT_HASH_BYTES);
    if (!verifies(sodium, signature, signedTranscript(headerRaw, hash), sender.signing)) {
      throw new AudioError('BAD_SIGNATURE', "the sender's signature over the envelope does not verify");
    }
    return { sender, audio: concatBytes(audio) };
  } finally {
    freeSecretstreamState(sodium, state);
    if (!hashed) freeAbandonedHashState(sodium, transcript);
  }
}

/** openStreamBody's records, authenticated in order and hashed into `transcript`; the signature unchecked. */
function openRecords(
  sodium: Sodium,
  state: StreamState,
  transcript: HashState,
  headerRaw: Uint8Array,
  body: Uint8Array,
): { sender: EnvelopeSender; audio: Uint8Array[]; signature: Uint8Array } {
  const r = new ByteReader(body, 'envelope body');
  const audio: Uint8Array[] = [];
  let sender: EnvelopeSender | undefined;
  let signature: Uint8Array | undefined;
  for (let index = 0; r.remaining > 0; index++) {
    if (signature) throw new AudioError('CORRUPT', 'the envelope body continues after its final record');
    const length = r.u16be(`record ${index} length`);
    if (length < RECORD_ABYTES) throw new AudioError('CORRUPT', `record ${index} of ${length} bytes is shorter than its tag`);
    const ciphertext = r.bytes(length, `record ${index}`);
    const opened = sodium.crypto_secretstream_xchacha20poly1305_pull(state, ciphertext, index === 0 ? headerRaw : null) as { message: Uint8Array; tag: number } | false;
    if (!opened) throw new AudioError('INTEGRITY', `envelope record ${index} fails authentication: altered, out of order or from another envelope`);
    const { message, tag } = opened;
    if (tag === TAG_FINAL) {
      if (index === 0 || message.length !== SIGNATURE_BYTES) throw new AudioError('CORRUPT', `final record ${index} is not a signature after the sender's keys`);
      signature = message;
      continue;
    }
    if (tag !== TAG_MESSAGE) throw new AudioError('CORRUPT', `envelope record ${index} has secretstream tag ${tag}`);
    sodium.crypto_generichash_update(transcript, message);
    if (index === 0) {
      if (message.length !== 2 * KEY_BYTES) throw new AudioError('CORRUPT', "the envelope's first record is not the sender's keys");
      sender = { signing: message.subarray(0, KEY_BYTES), envelope: message.subarray(KEY_BYTES) };
    } else audio.push(message);
  }
  if (!signature || !sender) throw new AudioError('TRUNCATED', 'the envelope body ends before its final, signed record');
  return { sender, audio, signature };
}
