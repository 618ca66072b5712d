// What a streamed transfer sends: a head known up front (an envelope header), then a body that
// grows as it is made, up to a bound announced in the OPEN, and ends once. The sender
// (transfer-sender.ts) sends whole chunks as they fill and the last one after end().
import type { Sodium } from '../pairing/sodium';
import { AudioError } from './errors';
import { MAX_HEAD_BYTES, checkSetting, streamHash } from './transfer-wire';

export class OutgoingStream {
  readonly hash: Uint8Array;
  private readonly buffer: Uint8Array;
  private length = 0;
  private finished = false;

  constructor(
    sodium: Sodium,
    readonly head: Uint8Array,
    readonly bound: number,
  ) {
    checkSetting(head.length, 1, MAX_HEAD_BYTES, 'head length');
    checkSetting(bound, 1, 0xffffffff, 'bound');
    this.buffer = new Uint8Array(bound);
    this.hash = streamHash(sodium, bound, head);
  }

  /** The body so far. */
  get body(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  get ended(): boolean {
    return this.finished;
  }

  append(bytes: Uint8Array): void {
    if (this.finished) throw new AudioError('INVALID_ARGUMENT', 'the stream has ended');
    if (this.length + bytes.length > this.bound) throw new AudioError('TOO_LARGE', `the stream outgrew its ${this.bound}-byte bound`);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  end(): void {
    if (this.length === 0) throw new AudioError('INVALID_ARGUMENT', 'a stream needs at least one body byte');
    this.finished = true;
  }
}
