// The transfer protocol's messages and their bytes: what the sender and receiver state
// machines exchange inside an encrypted session (one message per session message). Layouts
// are in docs/PROTOCOL.md, section 10; every parse failure is a typed AudioError.
import { ByteReader, ByteWriter } from './bytes';
import { AudioError, type AudioErrorCode } from './errors';

export const HASH_BYTES = 32;
/** type u8 | tag u16 | index u32: what a DATA message adds to its chunk. */
export const DATA_HEADER_BYTES = 7;
export const MAX_CHUNK_SIZE = 0xffff;
export const MAX_WINDOW = 1024;

/** Why a receiver refused or ended a transfer, as carried on the wire. */
export const REJECT_REASONS = ['TOO_LARGE', 'INTEGRITY', 'CORRUPT', 'ABORTED'] as const satisfies readonly AudioErrorCode[];
export type RejectReason = (typeof REJECT_REASONS)[number];

export type TransferMessage =
  /** Sender: "I have this envelope; where were we?" At start, on reconnect, and as a poll. */
  | { readonly type: 'offer'; readonly hash: Uint8Array; readonly total: number; readonly chunkSize: number; readonly window: number }
  /**
   * Sender, streamed transfers: "I am making this envelope; where were we?" `head` is what is known
   * up front (an envelope header), the body follows as DATA of at most `bound` bytes, its length
   * told by END once known. Named by BLAKE2b-256(bound u32 || head).
   */
  | { readonly type: 'open'; readonly bound: number; readonly chunkSize: number; readonly window: number; readonly head: Uint8Array }
  /** Sender, streamed transfers: the body is `total` bytes long; no DATA beyond it will come. */
  | { readonly type: 'end'; readonly tag: number; readonly total: number }
  | { readonly type: 'data'; readonly tag: number; readonly index: number; readonly payload: Uint8Array }
  /** Sender abandons the transfer; the receiver drops its partial copy. */
  | { readonly type: 'cancel'; readonly tag: number }
  /**
   * Sender: every chunk has now been sent; a receiver still missing some answers with its
   * STATE, one that completed has already said DONE and stays silent. Its use is on the air: it
   * keeps the connection event open after the last chunk, so that DONE rides in it.
   */
  | { readonly type: 'sent'; readonly tag: number }
  /** Receiver: chunks below `next` all arrived; bit i of `received` is chunk next + 1 + i. */
  | { readonly type: 'state'; readonly tag: number; readonly next: number; readonly window: number; readonly received: Uint8Array }
  /** Receiver: the whole envelope arrived and its hash matched. */
  | { readonly type: 'done'; readonly hash: Uint8Array }
  | { readonly type: 'reject'; readonly hash: Uint8Array; readonly reason: RejectReason };

const TYPE_CODES = { offer: 0x01, data: 0x02, cancel: 0x03, open: 0x04, end: 0x05, sent: 0x06, state: 0x11, done: 0x12, reject: 0x13 } as const;
/** The type bytes of the streamed transfer's messages (protocol 2), for peers that must tell them apart. */
export const STREAM_MESSAGE_TYPES = { open: TYPE_CODES.open, end: TYPE_CODES.end } as const;
/** The most header bytes an OPEN carries (an envelope header for 32 recipients is 2,136). */
export const MAX_HEAD_BYTES = 4096;

/** A streamed transfer's name: BLAKE2b-256 of its bound and head, as both ends compute it. */
export function streamHash(sodium: { crypto_generichash(n: number, m: Uint8Array, k: null): Uint8Array }, bound: number, head: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(HASH_BYTES, new ByteWriter().u32be(bound).bytes(head).finish(), null);
}

/** What a transfer state machine returns from every input: bytes to send, events to report. */
export interface TransferOutput<Event> {
  readonly messages: Uint8Array[];
  readonly events: Event[];
}

export function emptyOutput<Event>(): TransferOutput<Event> {
  return { messages: [], events: [] };
}

/**
 * Decodes an incoming message; a malformed one becomes an 'ignored' event on `out` (a state
 * machine never throws on what the peer sends) and undefined.
 */
export function decodeOrIgnore(
  bytes: Uint8Array,
  out: { readonly events: { push(event: { type: 'ignored'; error: AudioError }): number } },
): TransferMessage | undefined {
  try {
    return decodeTransferMessage(bytes);
  } catch (error) {
    out.events.push({ type: 'ignored', error: error instanceof AudioError ? error : new AudioError('CORRUPT', String(error)) });
    return undefined;
  }
}

/** An integer setting inside [min, max], else INVALID_ARGUMENT naming it. */
export function checkSetting(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new AudioError('INVALID_ARGUMENT', `${what} ${value} is outside ${min}-${max}`);
  return value;
}

/** A transfer's short name on DATA, CANCEL and STATE: the first two bytes of its hash. */
export function transferTag(hash: Uint8Array): number {
  return ((hash[0] as number) << 8) | (hash[1] as number);
}

export function chunkCount(total: number, chunkSize: number): number {
  return Math.ceil(total / chunkSize);
}

/** Byte range [start, end) of chunk `index`. */
export function chunkRange(index: number, total: number, chunkSize: number): [number, number] {
  const start = index * chunkSize;
  return [start, Math.min(total, start + chunkSize)];
}

export function encodeTransferMessage(m: TransferMessage): Uint8Array {
  const w = new ByteWriter().u8(TYPE_CODES[m.type]);
  switch (m.type) {
    case 'offer':
      return w.bytes(m.hash).u32be(m.total).u16be(m.chunkSize).u16be(m.window).finish();
    case 'data':
      return w.u16be(m.tag).u32be(m.index).bytes(m.payload).finish();
    case 'open':
      return w.u32be(m.bound).u16be(m.chunkSize).u16be(m.window).bytes(m.head).finish();
    case 'end':
      return w.u16be(m.tag).u32be(m.total).finish();
    case 'cancel':
    case 'sent':
      return w.u16be(m.tag).finish();
    case 'state':
      return w.u16be(m.tag).u32be(m.next).u16be(m.window).bytes(m.received).finish();
    case 'done':
      return w.bytes(m.hash).finish();
    case 'reject':
      return w.bytes(m.hash).u8(REJECT_REASONS.indexOf(m.reason) + 1).finish();
  }
}

function readWindow(r: ByteReader): number {
  const window = r.u16be('window');
  if (window === 0 || window > MAX_WINDOW) throw new AudioError('CORRUPT', `transfer window ${window} is outside 1-${MAX_WINDOW}`);
  return window;
}

/** Parses one message; malformed bytes are TRUNCATED or CORRUPT, never a half-read message. */
export function decodeTransferMessage(bytes: Uint8Array): TransferMessage {
  const r = new ByteReader(bytes, 'transfer message');
  const code = r.u8('type');
  let message: TransferMessage;
  switch (code) {
    case TYPE_CODES.offer: {
      const hash = r.bytes(HASH_BYTES, 'hash');
      const total = r.u32be('total');
      const chunkSize = r.u16be('chunk size');
      const window = readWindow(r);
      if (total === 0 || chunkSize === 0) throw new AudioError('CORRUPT', `transfer offer of ${total} bytes in ${chunkSize}-byte chunks`);
      message = { type: 'offer', hash, total, chunkSize, window };
      break;
    }
    case TYPE_CODES.data: {
      const tag = r.u16be('tag');
      const index = r.u32be('chunk index');
      const payload = r.rest();
      if (payload.length === 0) throw new AudioError('CORRUPT', 'transfer data message carries no bytes');
      message = { type: 'data', tag, index, payload };
      break;
    }
    case TYPE_CODES.cancel:
      message = { type: 'cancel', tag: r.u16be('tag') };
      break;
    case TYPE_CODES.sent:
      message = { type: 'sent', tag: r.u16be('tag') };
      break;
    case TYPE_CODES.open: {
      const bound = r.u32be('bound');
      const chunkSize = r.u16be('chunk size');
      const window = readWindow(r);
      const head = r.rest();
      if (bound === 0 || chunkSize === 0) throw new AudioError('CORRUPT', `transfer open of up to ${bound} bytes in ${chunkSize}-byte chunks`);
      if (head.length === 0 || head.length > MAX_HEAD_BYTES) throw new AudioError('CORRUPT', `transfer open with a ${head.length}-byte head (1-${MAX_HEAD_BYTES})`);
      message = { type: 'open', bound, chunkSize, window, head };
      break;
    }
    case TYPE_CODES.end:
      message = { type: 'end', tag: r.u16be('tag'), total: r.u32be('total') };
      break;
    case TYPE_CODES.state: {
      const tag = r.u16be('tag');
      const next = r.u32be('next chunk');
      const window = readWindow(r);
      const received = r.rest();
      if (received.length > Math.ceil(window / 8)) throw new AudioError('CORRUPT', `transfer state has ${received.length} bitmap bytes for a ${window}-chunk window`);
      message = { type: 'state', tag, next, window, received };
      break;
    }
    case TYPE_CODES.done:
      message = { type: 'done', hash: r.bytes(HASH_BYTES, 'hash') };
      break;
    case TYPE_CODES.reject: {
      const hash = r.bytes(HASH_BYTES, 'hash');
      const reasonCode = r.u8('reason');
      const reason = REJECT_REASONS[reasonCode - 1];
      if (!reason) throw new AudioError('CORRUPT', `transfer reject reason ${reasonCode} is unknown`);
      message = { type: 'reject', hash, reason };
      break;
    }
    default:
      throw new AudioError('CORRUPT', `transfer message type 0x${code.toString(16)} is unknown`);
  }
  r.end();
  return message;
}
