// The receiver's persisted state as bytes: what a toy writes to flash so a transfer cut by a
// disconnect or a power cycle resumes where it stopped. Decoding checks every length and bound
// (a corrupt flash page must not become a huge allocation or a wrong envelope).
import { ByteReader, ByteWriter, asciiBytes, bytesEqual } from './bytes';
import { AudioError } from './errors';
import type { PartialTransfer, ReceiverSnapshot } from './transfer-receiver';
import { HASH_BYTES, chunkCount } from './transfer-wire';

const MAGIC = asciiBytes('PLRS');
/** 2 adds streamed partials (OPEN): their head and, once END came, their length. */
const VERSION = 2;
const HAS_PARTIAL = 0x01;
const HAS_COMPLETED = 0x02;
const IS_STREAM = 0x04;
const STREAM_ENDED = 0x08;

export function encodeReceiverSnapshot(snapshot: ReceiverSnapshot): Uint8Array {
  const { partial, lastCompleted } = snapshot;
  const stream = partial?.stream;
  const w = new ByteWriter()
    .bytes(MAGIC)
    .u8(stream ? VERSION : 1)
    .u8((partial ? HAS_PARTIAL : 0) | (lastCompleted ? HAS_COMPLETED : 0) | (stream ? IS_STREAM : 0) | (stream?.ended !== undefined ? STREAM_ENDED : 0));
  if (lastCompleted) w.bytes(lastCompleted);
  if (partial) w.bytes(partial.hash).u32be(partial.total).u16be(partial.chunkSize).bytes(partial.received).bytes(partial.data);
  if (stream) {
    w.u16be(stream.head.length).bytes(stream.head);
    if (stream.ended !== undefined) w.u32be(stream.ended);
  }
  return w.finish();
}

/** Parses a persisted snapshot, refusing one larger than `maxBytes` (TOO_LARGE) or malformed. */
export function decodeReceiverSnapshot(bytes: Uint8Array, maxBytes: number): ReceiverSnapshot {
  const r = new ByteReader(bytes, 'receiver snapshot');
  if (!bytesEqual(r.bytes(MAGIC.length, 'magic'), MAGIC)) throw new AudioError('CORRUPT', 'not a plushlink receiver snapshot');
  const version = r.u8('version');
  if (version !== 1 && version !== VERSION) throw new AudioError('UNSUPPORTED_FORMAT', `receiver snapshot version ${version}`);
  const flags = r.u8('flags');
  const allowed = version === 1 ? HAS_PARTIAL | HAS_COMPLETED : HAS_PARTIAL | HAS_COMPLETED | IS_STREAM | STREAM_ENDED;
  const streamed = (flags & IS_STREAM) !== 0;
  if (flags & ~allowed || (streamed && !(flags & HAS_PARTIAL)) || (flags & STREAM_ENDED && !streamed)) {
    throw new AudioError('CORRUPT', `receiver snapshot flags 0x${flags.toString(16)}`);
  }
  const lastCompleted = flags & HAS_COMPLETED ? r.bytes(HASH_BYTES, 'last completed hash').slice() : undefined;
  let partial: ReceiverSnapshot['partial'];
  if (flags & HAS_PARTIAL) {
    const hash = r.bytes(HASH_BYTES, 'hash').slice();
    const total = r.u32be('total');
    const chunkSize = r.u16be('chunk size');
    if (total > maxBytes) throw new AudioError('TOO_LARGE', `receiver snapshot holds a ${total}-byte transfer, over ${maxBytes}`);
    if (total === 0 || chunkSize === 0) throw new AudioError('CORRUPT', `receiver snapshot of ${total} bytes in ${chunkSize}-byte chunks`);
    const received = r.bytes(Math.ceil(chunkCount(total, chunkSize) / 8), 'received bitmap').slice();
    const data = r.bytes(total, 'data').slice();
    let stream: PartialTransfer['stream'];
    if (streamed) {
      const head = r.bytes(r.u16be('head length'), 'head').slice();
      stream = flags & STREAM_ENDED ? { head, ended: r.u32be('stream length') } : { head };
    }
    partial = { hash, total, chunkSize, received, data, ...(stream && { stream }) };
  }
  r.end();
  return { ...(partial && { partial }), ...(lastCompleted && { lastCompleted }) };
}
