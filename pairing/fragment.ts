// Fragmentation of frames into ATT payloads (20 to 512 bytes: whatever MTU the link agreed) and
// their reassembly with bounded memory. Each fragment is
//   header (u8: bit 7 FIRST, bit 6 LAST, bits 0-5 index mod 64) | [total length u16 LE, FIRST only] | data
// The reassembler holds at most one frame, allocated once at its declared length, which may not
// exceed `maxFrameBytes`; any deviation (continuation without a start, a gap, overflow, a start
// in the middle of a frame) drops the partial frame and throws, so a flood of fragments can
// neither grow memory nor smuggle bytes into the next frame.
import { concat, u16le } from './bytes';
import { PairingError } from './errors';

export const MIN_ATT_PAYLOAD = 20;
export const MAX_ATT_PAYLOAD = 512;
/** The u16 length field's limit. */
export const MAX_FRAME_BYTES = 0xffff;
/** Default bound on one connection's reassembly buffer. */
export const DEFAULT_MAX_FRAME_BYTES = 4096;

const FIRST = 0x80;
const LAST = 0x40;
const INDEX_MASK = 0x3f;
const FIRST_HEADER = 3;
const NEXT_HEADER = 1;

/** The largest frame that splits into exactly `count` fragments of `attPayload` bytes, all full. */
export function frameBytesFilling(attPayload: number, count: number): number {
  return attPayload - FIRST_HEADER + (count - 1) * (attPayload - NEXT_HEADER);
}

/** Splits one frame into fragments of at most `attPayload` bytes each. */
export function fragment(frame: Uint8Array, attPayload: number): Uint8Array[] {
  if (!Number.isInteger(attPayload) || attPayload < MIN_ATT_PAYLOAD || attPayload > MAX_ATT_PAYLOAD) {
    throw new PairingError('INVALID_ARGUMENT', `ATT payload size ${attPayload} outside ${MIN_ATT_PAYLOAD}-${MAX_ATT_PAYLOAD}`);
  }
  if (frame.length === 0) throw new PairingError('INVALID_ARGUMENT', 'empty frame');
  if (frame.length > MAX_FRAME_BYTES) throw new PairingError('TOO_LARGE', `frame of ${frame.length} bytes`);
  const fragments: Uint8Array[] = [];
  let offset = 0;
  for (let index = 0; offset < frame.length; index++) {
    const first = index === 0;
    const room = attPayload - (first ? FIRST_HEADER : NEXT_HEADER);
    const data = frame.subarray(offset, offset + room);
    offset += data.length;
    const header = (first ? FIRST : 0) | (offset === frame.length ? LAST : 0) | (index & INDEX_MASK);
    fragments.push(concat(Uint8Array.of(header), first ? u16le(frame.length) : new Uint8Array(0), data));
  }
  return fragments;
}

/** One connection's reassembly state. */
export class Reassembler {
  private buffer: Uint8Array | undefined;
  private filled = 0;
  private nextIndex = 0;

  constructor(readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > MAX_FRAME_BYTES) {
      throw new PairingError('INVALID_ARGUMENT', 'maxFrameBytes');
    }
  }

  /** Bytes held for a partial frame (never more than maxFrameBytes). */
  get bufferedBytes(): number {
    return this.buffer?.length ?? 0;
  }

  /** Takes one fragment; returns the frame it completes, if any. Throws and resets on any fault. */
  push(fragmentBytes: Uint8Array): Uint8Array | undefined {
    try {
      return this.accept(fragmentBytes);
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  reset(): void {
    this.buffer = undefined;
    this.filled = 0;
    this.nextIndex = 0;
  }

  private accept(bytes: Uint8Array): Uint8Array | undefined {
    if (bytes.length < 1 || bytes.length > MAX_ATT_PAYLOAD) throw new PairingError('MALFORMED', 'fragment size');
    const header = bytes[0] as number;
    const index = header & INDEX_MASK;
    let data: Uint8Array;
    if (header & FIRST) {
      if (this.buffer !== undefined) throw new PairingError('MALFORMED', 'new frame started inside another');
      if (bytes.length < FIRST_HEADER) throw new PairingError('MALFORMED', 'first fragment too short');
      if (index !== 0) throw new PairingError('MALFORMED', 'first fragment index');
      const total = (bytes[1] as number) | ((bytes[2] as number) << 8);
      if (total === 0) throw new PairingError('MALFORMED', 'empty frame');
      if (total > this.maxFrameBytes) throw new PairingError('TOO_LARGE', `frame of ${total} bytes`);
      this.buffer = new Uint8Array(total);
      data = bytes.subarray(FIRST_HEADER);
    } else {
      if (this.buffer === undefined) throw new PairingError('MALFORMED', 'continuation without a first fragment');
      if (index !== this.nextIndex) throw new PairingError('OUT_OF_ORDER', 'fragment missing or reordered');
      data = bytes.subarray(NEXT_HEADER);
    }
    if (data.length === 0) throw new PairingError('MALFORMED', 'fragment without data');
    const buffer = this.buffer;
    if (this.filled + data.length > buffer.length) throw new PairingError('MALFORMED', 'fragment overflows its frame');
    buffer.set(data, this.filled);
    this.filled += data.length;
    this.nextIndex = (index + 1) & INDEX_MASK;
    const complete = this.filled === buffer.length;
    if (complete !== Boolean(header & LAST)) throw new PairingError('MALFORMED', 'LAST flag disagrees with length');
    if (!complete) return undefined;
    this.reset();
    return buffer;
  }
}
