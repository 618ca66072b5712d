// The sending half of a voice-message transfer (a phone sending to the toy, or the toy sending
// a child's answer): a sans-IO state machine. Feed it the peer's messages and the time; it
// returns messages to send and events for the user interface.
//
// - Offer first: the envelope's size and BLAKE2b-256 hash; the receiver answers with where it
//   is (a fresh transfer, or the chunks it kept from before a disconnect), so resuming is the
//   same move as starting: `connect()` after every (re)connection asks "where were we?". The
//   first few chunks travel right behind the offer instead of a round trip later (OPENING_CHUNKS);
//   a receiver that refuses the offer drops them unstored.
// - SENT right behind the last chunk gives the receiver a packet to answer in the same BLE
//   connection event, so its DONE does not wait for the next one.
// - Flow control: at most `window` chunks unacknowledged (never a flood: noble and bleno queue
//   writes in arrays that slow to a crawl past ~16k entries), and only chunks inside the
//   receiver's window.
// - Acknowledgements are cumulative (`next`) plus a selective bitmap; chunks are resent only
//   when `retransmitMs` passes without progress (a BLE link is reliable while connected; loss
//   happens at disconnects), after a poll (the offer again) refreshes what the receiver holds.
import type { Sodium } from '../pairing/sodium';
import { Bitmap } from './bitmap';
import { AudioError } from './errors';
import { OutgoingStream } from './transfer-stream';
// prettier-ignore
import { type TransferMessage, type TransferOutput, DATA_HEADER_BYTES, HASH_BYTES, MAX_CHUNK_SIZE, MAX_WINDOW, checkSetting, chunkCount, chunkRange, decodeOrIgnore, emptyOutput, encodeTransferMessage, transferTag } from './transfer-wire';

export interface SenderOptions {
  /** Envelope bytes per DATA message; see chunkSizeFor(). */
  readonly chunkSize: number;
  /** Most chunks unacknowledged at once. Default 32. */
  readonly window?: number;
  /** Time without progress before polling and resending. Default 1000 ms. */
  readonly retransmitMs?: number;
  /** Polls without any progress before giving up with ABORTED. Default 10. */
  readonly maxRetries?: number;
  /**
   * Chunks sent right behind the offer, before the receiver's first answer (at most `window`).
   * Default OPENING_CHUNKS; 0 waits for the answer, as senders did before the opening burst.
   */
  readonly opening?: number;
}

/**
 * Chunks a sender sends with its offer, before the receiver has answered:
 * enough to keep the link busy for the round trip, few enough that a refusal (a full toy, a
 * message too large) wastes little air. Three frames of 8 packets outlast a connection event of
 * the fastest common link (2M PHY with DLE at 30 ms carries 21 packets per event), so the answer
 * arrives, in that event or the next, before the burst runs dry; a refusal costs at most these 24
 * packets (and SENT, when they are the whole message), and the receiver stores none of them.
 */
export const OPENING_CHUNKS = 3;

export type SenderPhase = 'idle' | 'offered' | 'sending' | 'disconnected' | 'done' | 'failed';

export type SenderEvent =
  | { readonly type: 'progress'; readonly bytesDone: number; readonly total: number }
  | { readonly type: 'complete' }
  | { readonly type: 'failed'; readonly error: AudioError }
  | { readonly type: 'ignored'; readonly error: AudioError };

export type SenderOutput = TransferOutput<SenderEvent>;

/** The chunk size that makes each DATA message exactly `messageBytes` (what one session message carries). */
export function chunkSizeFor(messageBytes: number): number {
  return messageBytes - DATA_HEADER_BYTES;
}

export class TransferSender {
  readonly hash: Uint8Array;
  private readonly tag: number;
  private readonly window: number;
  private readonly retransmitMs: number;
  private readonly maxRetries: number;
  private readonly opening: number;
  private chunkSize: number;
  private count: number;
  private acked: Bitmap;
  private next = 0;
  private bytesDone = 0;
  private readonly inFlight = new Set<number>();
  private receiverWindow = 1;
  private lastProgress = 0;
  private retries = 0;
  /** After an offer, the receiver's next state replaces what we believed it held. */
  private awaitingState = false;
  private current: SenderPhase = 'idle';
  /** A stream's END has been sent on this link (offer() sends it again after a reconnection). */
  private toldEnd = false;

  /**
   * `envelope`: the whole envelope (OFFER), or an OutgoingStream still being made (OPEN, then END
   * once it ends: call more() whenever it grows or ends).
   */
  constructor(
    sodium: Sodium,
    private readonly envelope: Uint8Array | OutgoingStream,
    options: SenderOptions,
  ) {
    if (envelope instanceof Uint8Array) checkSetting(envelope.length, 1, 0xffffffff, 'envelope length');
    this.chunkSize = checkSetting(options.chunkSize, 1, MAX_CHUNK_SIZE, 'chunk size');
    this.window = checkSetting(options.window ?? 32, 1, MAX_WINDOW, 'window');
    this.retransmitMs = checkSetting(options.retransmitMs ?? 1000, 1, 2 ** 31, 'retransmitMs');
    this.maxRetries = checkSetting(options.maxRetries ?? 10, 0, 2 ** 31, 'maxRetries');
    this.opening = Math.min(this.window, checkSetting(options.opening ?? OPENING_CHUNKS, 0, MAX_WINDOW, 'opening'));
    this.hash = envelope instanceof OutgoingStream ? envelope.hash : sodium.crypto_generichash(HASH_BYTES, envelope, null);
    this.tag = transferTag(this.hash);
    this.count = chunkCount(this.total, this.chunkSize);
    this.acked = new Bitmap(this.count);
  }

  /** Bytes to send: the envelope's, or a stream's bound until it ends and then its length. */
  get total(): number {
    const e = this.envelope;
    return e instanceof Uint8Array ? e.length : e.ended ? e.body.length : e.bound;
  }

  /** Bytes of a stream's head (sent in its OPEN, not as chunks); 0 for a whole envelope. */
  get head(): number {
    return this.envelope instanceof Uint8Array ? 0 : this.envelope.head.length;
  }

  /** A stream grew or ended: sends what is newly ready (and END once), within the window. */
  more(): SenderOutput {
    const out = emptyOutput<SenderEvent>();
    const e = this.envelope;
    if (!(e instanceof OutgoingStream) || this.finished) return out;
    if (e.ended && !this.toldEnd) {
      this.count = chunkCount(this.total, this.chunkSize);
      if (this.current === 'offered' || this.current === 'sending') this.end(out);
    }
    if (this.current === 'sending') this.pump(out);
    return out;
  }

  get phase(): SenderPhase {
    return this.current;
  }

  private get finished(): boolean {
    return this.current === 'done' || this.current === 'failed';
  }

  /**
   * Call when the link is up: at the start and after every reconnection ("where were we?").
   * A new `chunkSize` follows a changed MTU; the receiver keeps what it has either way.
   */
  connect(now: number, chunkSize = this.chunkSize): SenderOutput {
    const out = emptyOutput<SenderEvent>();
    if (this.finished) return out;
    if (chunkSize !== this.chunkSize) {
      this.chunkSize = checkSetting(chunkSize, 1, MAX_CHUNK_SIZE, 'chunk size');
      this.count = chunkCount(this.total, chunkSize);
      this.acked = new Bitmap(this.count);
      this.next = 0;
      this.bytesDone = 0;
    }
    this.current = 'offered';
    this.retries = 0;
    this.offer(now, out);
    // The first chunks travel with the offer instead of a round trip later. They are the ones we
    // do not know to have arrived; the receiver's answer then says what it really holds.
    this.pump(out, this.opening);
    return out;
  }

  /** The link dropped: nothing is in flight any more; wait for connect(). */
  disconnect(): void {
    if (this.finished) return;
    this.current = 'disconnected';
    this.inFlight.clear();
  }

  /** The user gives up; the receiver is told to drop its partial copy. */
  cancel(): SenderOutput {
    const out = emptyOutput<SenderEvent>();
    if (this.finished) return out;
    out.messages.push(encodeTransferMessage({ type: 'cancel', tag: this.tag }));
    this.fail(out, new AudioError('ABORTED', 'the sender cancelled the transfer'));
    return out;
  }

  /** Advances time: polls and resends after `retransmitMs` without progress. */
  tick(now: number): SenderOutput {
    const out = emptyOutput<SenderEvent>();
    if ((this.current !== 'offered' && this.current !== 'sending') || now - this.lastProgress < this.retransmitMs) return out;
    if (++this.retries > this.maxRetries) {
      this.fail(out, new AudioError('ABORTED', `the receiver did not answer ${this.maxRetries} polls`));
      return out;
    }
    this.offer(now, out);
    return out;
  }

  receive(bytes: Uint8Array, now: number): SenderOutput {
    const out = emptyOutput<SenderEvent>();
    if (this.current !== 'offered' && this.current !== 'sending') return out;
    const message = decodeOrIgnore(bytes, out);
    if (!message) return out;
    const ours = (hash: Uint8Array): boolean => hash.every((b, i) => b === this.hash[i]);
    switch (message.type) {
      case 'state':
        if (message.tag === this.tag) this.onState(message, now, out);
        break;
      case 'done':
        if (ours(message.hash)) {
          this.current = 'done';
          if (this.bytesDone < this.total) out.events.push({ type: 'progress', bytesDone: this.total, total: this.total });
          this.bytesDone = this.total;
          out.events.push({ type: 'complete' });
        }
        break;
      case 'reject':
        if (ours(message.hash)) this.fail(out, new AudioError(message.reason, `the receiver refused the transfer (${message.reason})`));
        break;
      default:
        out.events.push({ type: 'ignored', error: new AudioError('CORRUPT', `a sender does not take ${message.type} messages`) });
    }
    return out;
  }

  private offer(now: number, out: SenderOutput): void {
    this.inFlight.clear();
    this.awaitingState = true;
    this.lastProgress = now;
    const e = this.envelope;
    if (e instanceof Uint8Array) {
      out.messages.push(encodeTransferMessage({ type: 'offer', hash: this.hash, total: this.total, chunkSize: this.chunkSize, window: this.window }));
      return;
    }
    out.messages.push(encodeTransferMessage({ type: 'open', bound: e.bound, chunkSize: this.chunkSize, window: this.window, head: e.head }));
    if (e.ended) this.end(out);
  }

  private end(out: SenderOutput): void {
    this.toldEnd = true;
    this.count = chunkCount(this.total, this.chunkSize);
    out.messages.push(encodeTransferMessage({ type: 'end', tag: this.tag, total: this.total }));
  }

  /** Every byte to send exists: an envelope, or a stream that ended. */
  private get complete(): boolean {
    return this.envelope instanceof Uint8Array || this.envelope.ended;
  }

  /** Chunks whose bytes exist: all of an envelope; a stream's full chunks, and its last once ended. */
  private get ready(): number {
    const e = this.envelope;
    if (e instanceof Uint8Array || e.ended) return this.count;
    return Math.floor(e.body.length / this.chunkSize);
  }

  private fail(out: SenderOutput, error: AudioError): void {
    this.current = 'failed';
    this.inFlight.clear();
    out.events.push({ type: 'failed', error });
  }

  private ack(index: number): void {
    if (this.acked.has(index)) return;
    this.acked.set(index);
    this.inFlight.delete(index);
    const [start, end] = chunkRange(index, this.total, this.chunkSize);
    this.bytesDone += end - start;
  }

  private onState(state: Extract<TransferMessage, { type: 'state' }>, now: number, out: SenderOutput): void {
    if (state.next > this.count) {
      out.events.push({ type: 'ignored', error: new AudioError('CORRUPT', `receiver state next ${state.next} is beyond ${this.count} chunks`) });
      return;
    }
    const before = this.bytesDone;
    const fresh = this.awaitingState;
    if (fresh) {
      // The receiver's word after an offer is the truth, even if it lost chunks we thought it had.
      this.acked = new Bitmap(this.count);
      this.bytesDone = 0;
      this.next = 0;
      this.awaitingState = false;
      this.current = 'sending';
    }
    for (let i = this.next; i < state.next; i++) this.ack(i);
    const bits = new Bitmap(state.received.length * 8, state.received);
    for (let i = 0; i < bits.size; i++) if (bits.has(i) && state.next + 1 + i < this.count) this.ack(state.next + 1 + i);
    this.next = this.acked.firstClear(this.next);
    this.receiverWindow = state.window;
    // An answer to an offer shows the receiver is there; new acknowledgements show progress.
    if (fresh || this.bytesDone > before) {
      this.lastProgress = now;
      this.retries = 0;
    }
    if (this.bytesDone !== before) out.events.push({ type: 'progress', bytesDone: this.bytesDone, total: this.total });
    this.pump(out);
  }

  private pump(out: SenderOutput, window = Math.min(this.window, this.receiverWindow)): void {
    const end = Math.min(this.ready, this.next + window);
    let i = this.next;
    let sent = false;
    for (; i < end && this.inFlight.size < window; i++) {
      if (this.acked.has(i) || this.inFlight.has(i)) continue;
      const [start, stop] = chunkRange(i, this.total, this.chunkSize);
      const bytes = this.envelope instanceof Uint8Array ? this.envelope : this.envelope.body;
      out.messages.push(encodeTransferMessage({ type: 'data', tag: this.tag, index: i, payload: bytes.subarray(start, stop) }));
      this.inFlight.add(i);
      sent = true;
    }
    // The last chunk is out. A BLE connection event closes once neither side has more to send,
    // and the receiver cannot answer within the packet that completes the envelope: one packet
    // more lets its DONE ride in this event instead of waiting up to an interval for the next.
    if (sent && i === this.count && this.complete) out.messages.push(encodeTransferMessage({ type: 'sent', tag: this.tag }));
  }
}
