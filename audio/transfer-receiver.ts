// The receiving half of a voice-message transfer (the toy, or a phone fetching from the toy):
// a sans-IO state machine fed transfer messages, returning messages to send and events.
//
// Bounded memory, whatever the sender sends: an offer larger than `maxBytes` (for a stream, its
// head and bound together) is refused before any chunk is accepted; the only buffer is the
// offered envelope's own size; chunks outside
// [next, next + window) are dropped, never buffered; one partial transfer at a time.
// Resumable: `snapshot()` is the partial state as a value the toy persists (see
// transfer-snapshot.ts); a receiver restored from it answers a re-offer with where it was.
// Whole-envelope integrity: the offer announces a BLAKE2b-256 hash; the envelope is delivered
// only when every chunk has arrived and the hash matches.
import type { Sodium } from '../pairing/sodium';
import { Bitmap } from './bitmap';
import { concatBytes } from './bytes';
import { AudioError } from './errors';
// prettier-ignore
import { type RejectReason, type TransferMessage, type TransferOutput, HASH_BYTES, MAX_CHUNK_SIZE, MAX_WINDOW, checkSetting, chunkCount, chunkRange, decodeOrIgnore, emptyOutput, encodeTransferMessage, streamHash, transferTag } from './transfer-wire';

export interface ReceiverOptions {
  /** Largest envelope accepted. Default 1 MiB: ~8 minutes of 16 kbit/s voice. */
  readonly maxBytes?: number;
  /** Chunks accepted beyond the first missing one. Default 32. */
  readonly window?: number;
  /** Largest chunk accepted. Default 2048 (pairing/ reassembles session frames up to 4 kB). */
  readonly maxChunkSize?: number;
}

export type ReceiverEvent =
  /**
   * A transfer started or resumed; `bytesDone` already held from before. `headBytes`: a stream's
   * head, held and stored besides its `total` body bytes (0 for a whole envelope).
   */
  | { readonly type: 'offer'; readonly hash: Uint8Array; readonly total: number; readonly bytesDone: number; readonly headBytes: number }
  | { readonly type: 'progress'; readonly bytesDone: number; readonly total: number }
  | { readonly type: 'complete'; readonly hash: Uint8Array; readonly envelope: Uint8Array }
  /** The transfer ended without an envelope (TOO_LARGE, INTEGRITY, CORRUPT offer, ABORTED). */
  | { readonly type: 'failed'; readonly error: AudioError }
  /** A message was malformed or out of place and had no effect. */
  | { readonly type: 'ignored'; readonly error: AudioError };

export type ReceiverOutput = TransferOutput<ReceiverEvent>;

/** A transfer under way: what the toy persists to resume after a disconnect or power cycle. */
export interface PartialTransfer {
  readonly hash: Uint8Array;
  readonly total: number;
  readonly chunkSize: number;
  /** Bit i set: chunk i has arrived. */
  readonly received: Uint8Array;
  /** The envelope's bytes so far (`total` long; chunks not yet arrived are zero). */
  readonly data: Uint8Array;
  /**
   * A streamed transfer (OPEN): its head; `total` is then the bound and `data` the body, and
   * `ended` the body's length once END told it.
   */
  readonly stream?: { readonly head: Uint8Array; readonly ended?: number };
}

export interface ReceiverSnapshot {
  readonly partial?: PartialTransfer;
  /** Hash of the last envelope completed, so a sender that missed DONE is told again. */
  readonly lastCompleted?: Uint8Array;
}

interface Partial {
  readonly hash: Uint8Array;
  readonly tag: number;
  /** Bytes offered; for a stream, its bound until END and then the body's length. */
  total: number;
  /** A stream's head and bound (the size of `data`). */
  readonly stream?: { readonly head: Uint8Array; readonly bound: number; ended: boolean };
  chunkSize: number;
  count: number;
  received: Bitmap;
  readonly data: Uint8Array;
  next: number;
  bytesDone: number;
}

const DEFAULT_MAX_BYTES = 1 << 20;
const DEFAULT_WINDOW = 32;
const DEFAULT_MAX_CHUNK = 2048;

export class TransferReceiver {
  readonly maxBytes: number;
  readonly window: number;
  readonly maxChunkSize: number;
  private partial: Partial | undefined;
  private lastCompleted: Uint8Array | undefined;
  private sinceAck = 0;
  /**
   * Acknowledge every this many in-order chunks: half the smaller window, so the sender always
   * has the other half to send while the acknowledgement travels (a quarter cost 1M/DLE links
   * about 7% of their capacity in acknowledgements, measured with bench/link.ts).
   */
  private ackEvery = 1;

  constructor(
    private readonly sodium: Sodium,
    options: ReceiverOptions = {},
    snapshot: ReceiverSnapshot = {},
  ) {
    this.maxBytes = checkSetting(options.maxBytes ?? DEFAULT_MAX_BYTES, 1, 0xffffffff, 'maxBytes');
    this.window = checkSetting(options.window ?? DEFAULT_WINDOW, 1, MAX_WINDOW, 'window');
    this.maxChunkSize = checkSetting(options.maxChunkSize ?? DEFAULT_MAX_CHUNK, 1, MAX_CHUNK_SIZE, 'maxChunkSize');
    this.lastCompleted = snapshot.lastCompleted?.slice();
    if (snapshot.partial) this.partial = this.restore(snapshot.partial);
  }

  private restore(p: PartialTransfer): Partial {
    const size = p.total + (p.stream?.head.length ?? 0);
    if (size > this.maxBytes) throw new AudioError('TOO_LARGE', `persisted transfer of ${size} bytes exceeds maxBytes ${this.maxBytes}`);
    if (!Number.isInteger(p.total) || p.total < 1 || !Number.isInteger(p.chunkSize) || p.chunkSize < 1 || p.chunkSize > MAX_CHUNK_SIZE) {
      throw new AudioError('CORRUPT', `persisted transfer of ${p.total} bytes in ${p.chunkSize}-byte chunks is impossible`);
    }
    const bound = p.total;
    const ended = p.stream?.ended;
    const total = ended ?? bound;
    const count = chunkCount(bound, p.chunkSize);
    const received = new Bitmap(count, p.received.slice());
    const streamOk = !p.stream || (ended === undefined || (Number.isInteger(ended) && ended >= 1 && ended <= bound)) && this.sodium.memcmp(streamHash(this.sodium, bound, p.stream.head), p.hash);
    if (p.hash.length !== HASH_BYTES || p.data.length !== p.total || p.received.length !== Math.ceil(count / 8) || !received.isCanonical() || !streamOk) {
      throw new AudioError('CORRUPT', 'persisted transfer state is inconsistent');
    }
    const partial: Partial = {
      hash: p.hash.slice(),
      tag: transferTag(p.hash),
      total,
      ...(p.stream && { stream: { head: p.stream.head.slice(), bound, ended: ended !== undefined } }),
      chunkSize: p.chunkSize,
      count: chunkCount(total, p.chunkSize),
      received,
      data: p.data.slice(),
      next: received.firstClear(),
      bytesDone: 0,
    };
    for (let i = 0; i < partial.count; i++) if (received.has(i)) partial.bytesDone += this.chunkBytes(partial, i);
    return partial;
  }

  private chunkBytes(p: Pick<Partial, 'total' | 'chunkSize'>, index: number): number {
    const [start, end] = chunkRange(index, p.total, p.chunkSize);
    return end - start;
  }

  /** The state to persist: enough to resume the partial transfer after any interruption. */
  snapshot(): ReceiverSnapshot {
    const p = this.partial;
    return {
      ...(p && {
        partial: {
          hash: p.hash.slice(),
          total: p.stream ? p.stream.bound : p.total,
          chunkSize: p.chunkSize,
          received: p.received.bytes.slice(),
          data: p.data.slice(),
          ...(p.stream && { stream: { head: p.stream.head.slice(), ...(p.stream.ended && { ended: p.total }) } }),
        },
      }),
      ...(this.lastCompleted && { lastCompleted: this.lastCompleted.slice() }),
    };
  }

  /** Bytes this receiver holds for transfers (a stream's head too): never more than maxBytes plus its bitmap. */
  memoryBytes(): number {
    const p = this.partial;
    return p ? (p.stream?.head.length ?? 0) + p.data.length + p.received.bytes.length : 0;
  }

  /** The link dropped; the partial transfer stays, waiting for the sender's next offer. */
  disconnect(): void {
    this.sinceAck = 0;
  }

  /** The toy gives up the transfer under way (e.g. it is being factory reset). */
  cancel(): ReceiverOutput {
    const out = emptyOutput<ReceiverEvent>();
    if (this.partial) {
      out.messages.push(encodeTransferMessage({ type: 'reject', hash: this.partial.hash, reason: 'ABORTED' }));
      this.fail(out, new AudioError('ABORTED', 'the receiver cancelled the transfer'));
    }
    return out;
  }

  receive(bytes: Uint8Array): ReceiverOutput {
    const out = emptyOutput<ReceiverEvent>();
    const message = decodeOrIgnore(bytes, out);
    if (!message) return out;
    switch (message.type) {
      case 'offer':
        this.onOffer(message, out);
        break;
      case 'open':
        this.onOffer({ ...message, hash: streamHash(this.sodium, message.bound, message.head), total: message.bound }, out, message.head);
        break;
      case 'end':
        this.onEnd(message, out);
        break;
      case 'data':
        this.onData(message, out);
        break;
      case 'cancel':
        if (this.partial && this.partial.tag === message.tag) this.fail(out, new AudioError('ABORTED', 'the sender cancelled the transfer'));
        break;
      case 'sent':
        // A transfer still under way misses chunks: say which. A completed one said DONE already.
        if (this.partial && this.partial.tag === message.tag) out.messages.push(this.stateMessage(this.partial));
        break;
      default:
        out.events.push({ type: 'ignored', error: new AudioError('CORRUPT', `a receiver does not take ${message.type} messages`) });
    }
    return out;
  }

  private reject(out: ReceiverOutput, hash: Uint8Array, reason: RejectReason, why: string): void {
    out.messages.push(encodeTransferMessage({ type: 'reject', hash, reason }));
    out.events.push({ type: 'failed', error: new AudioError(reason, why) });
  }

  private fail(out: ReceiverOutput, error: AudioError): void {
    this.partial = undefined;
    out.events.push({ type: 'failed', error });
  }

  /** OFFER, or OPEN (with its `head`, `total` its bound): start, resume, or refuse. */
  private onOffer(offer: Omit<Extract<TransferMessage, { type: 'offer' }>, 'type'>, out: ReceiverOutput, head?: Uint8Array): void {
    const { hash, total, chunkSize } = offer;
    this.ackEvery = Math.max(1, Math.min(offer.window, this.window) >> 1);
    if (this.lastCompleted && this.sodium.memcmp(this.lastCompleted, hash)) {
      out.messages.push(encodeTransferMessage({ type: 'done', hash }));
      return;
    }
    // A stream's head is part of the envelope the toy will hold and store: it counts too.
    const size = total + (head?.length ?? 0);
    if (size > this.maxBytes) return this.reject(out, hash, 'TOO_LARGE', `offered envelope of ${size} bytes exceeds the ${this.maxBytes}-byte maximum`);
    if (chunkSize > this.maxChunkSize) return this.reject(out, hash, 'CORRUPT', `offered chunk size ${chunkSize} exceeds ${this.maxChunkSize}`);
    const p = this.partial;
    if (p && (p.stream?.bound ?? p.total) === total && !p.stream === !head && this.sodium.memcmp(p.hash, hash)) {
      if (chunkSize !== p.chunkSize) this.rechunk(p, chunkSize);
    } else {
      const count = chunkCount(total, chunkSize);
      this.partial = {
        hash: hash.slice(),
        tag: transferTag(hash),
        total,
        ...(head && { stream: { head: head.slice(), bound: total, ended: false } }),
        chunkSize,
        count,
        received: new Bitmap(count),
        data: new Uint8Array(total),
        next: 0,
        bytesDone: 0,
      };
    }
    const current = this.partial as Partial;
    out.events.push({ type: 'offer', hash: current.hash.slice(), total: current.total, bytesDone: current.bytesDone, headBytes: current.stream?.head.length ?? 0 });
    this.sinceAck = 0;
    // A restored or re-chunked transfer may already hold every byte: check it now.
    if (current.next >= current.count && !(current.stream && !current.stream.ended)) return this.finish(current, out);
    out.messages.push(this.stateMessage(current));
  }

  /** END of a stream: its body's length; the transfer completes once every chunk below it is here. */
  private onEnd(end: Extract<TransferMessage, { type: 'end' }>, out: ReceiverOutput): void {
    const p = this.partial;
    if (!p || p.tag !== end.tag || !p.stream) return void out.events.push({ type: 'ignored', error: new AudioError('CORRUPT', 'END for no stream under way') });
    if (p.stream.ended && end.total === p.total) return; // told again after a reconnect
    if (p.stream.ended || end.total < 1 || end.total > p.stream.bound || end.total < p.next * p.chunkSize) {
      out.messages.push(encodeTransferMessage({ type: 'reject', hash: p.hash, reason: 'CORRUPT' }));
      return this.fail(out, new AudioError('CORRUPT', `stream END of ${end.total} bytes does not fit its bound ${p.stream.bound} or what arrived`));
    }
    p.stream.ended = true;
    p.total = end.total;
    p.count = chunkCount(end.total, p.chunkSize);
    p.bytesDone = 0;
    for (let i = 0; i < p.count; i++) if (p.received.has(i)) p.bytesDone += this.chunkBytes(p, i);
    if (p.next >= p.count) return this.finish(p, out);
  }

  /** The link's chunk size changed across a reconnect: keep the contiguous prefix. */
  private rechunk(p: Partial, chunkSize: number): void {
    const prefix = Math.min(p.total, p.next * p.chunkSize);
    p.chunkSize = chunkSize;
    p.count = chunkCount(p.total, chunkSize);
    // A stream's bitmap spans its bound, ended or not: what a snapshot of it is read back as.
    p.received = new Bitmap(chunkCount(p.stream?.bound ?? p.total, chunkSize));
    p.next = prefix === p.total ? p.count : Math.floor(prefix / chunkSize);
    for (let i = 0; i < p.next; i++) p.received.set(i);
    p.bytesDone = Math.min(p.total, p.next * chunkSize);
  }

  private stateMessage(p: Partial): Uint8Array {
    const last = Math.min(p.count - 1, p.next + this.window - 1);
    const bits = new Bitmap(Math.max(0, last - p.next));
    for (let i = p.next + 1; i <= last; i++) if (p.received.has(i)) bits.set(i - p.next - 1);
    return encodeTransferMessage({ type: 'state', tag: p.tag, next: p.next, window: this.window, received: bits.bytes });
  }

  private onData(d: Extract<TransferMessage, { type: 'data' }>, out: ReceiverOutput): void {
    const p = this.partial;
    const ignore = (why: string): void => void out.events.push({ type: 'ignored', error: new AudioError('CORRUPT', why) });
    if (!p || p.tag !== d.tag) return ignore(`chunk ${d.index} belongs to no transfer under way`);
    if (d.index >= p.count) return ignore(`chunk ${d.index} is beyond the ${p.count} chunks offered`);
    const [start, end] = chunkRange(d.index, p.total, p.chunkSize);
    if (d.payload.length !== end - start) return ignore(`chunk ${d.index} is ${d.payload.length} bytes, expected ${end - start}`);
    if (p.received.has(d.index) || d.index >= p.next + this.window) {
      // A duplicate or a chunk beyond the window: not stored; tell the sender where we are.
      out.messages.push(this.stateMessage(p));
      return;
    }
    p.data.set(d.payload, start);
    p.received.set(d.index);
    p.bytesDone += d.payload.length;
    const gap = d.index > p.next;
    if (d.index === p.next) p.next = p.received.firstClear(p.next);
    out.events.push({ type: 'progress', bytesDone: p.bytesDone, total: p.total });
    if (p.next >= p.count) return this.finish(p, out);
    this.sinceAck++;
    if (gap || this.sinceAck >= this.ackEvery) {
      this.sinceAck = 0;
      out.messages.push(this.stateMessage(p));
    }
  }

  private finish(p: Partial, out: ReceiverOutput): void {
    if (p.stream && !p.stream.ended) return;
    this.partial = undefined;
    // A stream has no hash of its bytes up front: the envelope's own records and final signature
    // are its integrity, checked by whoever opens it (nothing is stored as a message before).
    const envelope = p.stream ? concatBytes([p.stream.head, p.data.subarray(0, p.total)]) : p.data;
    if (!p.stream && !this.sodium.memcmp(this.sodium.crypto_generichash(HASH_BYTES, p.data, null), p.hash)) {
      return this.reject(out, p.hash, 'INTEGRITY', 'the received envelope does not match the hash announced in the offer');
    }
    this.lastCompleted = p.hash;
    out.messages.push(encodeTransferMessage({ type: 'done', hash: p.hash }));
    out.events.push({ type: 'complete', hash: p.hash.slice(), envelope });
  }
}
