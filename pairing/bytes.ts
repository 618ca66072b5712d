// Byte helpers shared by every encoder and decoder in pairing/: concatenation, hex, and a reader
// whose every failure is a PairingError('MALFORMED'), so decoders cannot throw anything else.
import { PairingError } from './errors';

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** The same for a list of any length (a spread of many thousand parts would overflow the stack). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `bytes` when it is exactly `length` long (an encoder's argument check), else INVALID_ARGUMENT. */
export function fixedBytes(bytes: Uint8Array, length: number, what: string): Uint8Array {
  if (bytes.length !== length) throw new PairingError('INVALID_ARGUMENT', `${what} must be ${length} bytes`);
  return bytes;
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Parses lowercase or uppercase hex of an exact byte length; MALFORMED otherwise. */
export function fromHex(hex: string, length?: number): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new PairingError('MALFORMED', 'not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  if (length !== undefined && out.length !== length) {
    throw new PairingError('MALFORMED', `expected ${length} bytes, got ${out.length}`);
  }
  return out;
}

export function u16le(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff);
}

export function u64le(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

/** Reads fields off the front of a message; running short or leaving bytes is MALFORMED. */
export class ByteReader {
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what = 'message',
  ) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(): number {
    return this.take(1)[0] as number;
  }

  u16(): number {
    const b = this.take(2);
    return (b[0] as number) | ((b[1] as number) << 8);
  }

  u64(): bigint {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  /** Exactly n bytes, copied so the caller's buffer can be reused. */
  bytesOf(n: number): Uint8Array {
    return this.take(n).slice();
  }

  /** A u8 length then that many bytes. */
  shortBytes(): Uint8Array {
    return this.bytesOf(this.u8());
  }

  rest(): Uint8Array {
    return this.bytesOf(this.remaining);
  }

  end(): void {
    if (this.remaining !== 0) throw new PairingError('MALFORMED', `${this.remaining} trailing bytes in ${this.what}`);
  }

  private take(n: number): Uint8Array {
    if (n > this.remaining) throw new PairingError('MALFORMED', `${this.what} too short`);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}
