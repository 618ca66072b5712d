// Bounds-checked little/big-endian reading and writing for the binary formats in audio/ (WAV,
// Ogg, envelopes, transfer messages). A read past the end throws a TRUNCATED AudioError naming
// the field, so parsers never index out of range or return partial garbage.
import { concatAll } from '../pairing/bytes';
import { AudioError } from './errors';

export class ByteReader {
  private pos = 0;

  constructor(
    private readonly data: Uint8Array,
    /** Names the structure being read, for error messages ("WAV", "envelope", ...). */
    private readonly what: string,
  ) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.data.length - this.pos;
  }

  private need(n: number, field: string): number {
    if (n > this.remaining) {
      throw new AudioError(
        'TRUNCATED',
        `${this.what} ends inside ${field} (needs ${n} bytes at offset ${this.pos}, has ${this.remaining})`,
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(field: string): number {
    return this.data[this.need(1, field)] as number;
  }

  u16le(field: string): number {
    const at = this.need(2, field);
    return (this.data[at] as number) | ((this.data[at + 1] as number) << 8);
  }

  u16be(field: string): number {
    const at = this.need(2, field);
    return ((this.data[at] as number) << 8) | (this.data[at + 1] as number);
  }

  u32le(field: string): number {
    const at = this.need(4, field);
    return new DataView(this.data.buffer, this.data.byteOffset + at, 4).getUint32(0, true);
  }

  u32be(field: string): number {
    const at = this.need(4, field);
    return new DataView(this.data.buffer, this.data.byteOffset + at, 4).getUint32(0, false);
  }

  i16le(field: string): number {
    const at = this.need(2, field);
    return new DataView(this.data.buffer, this.data.byteOffset + at, 2).getInt16(0, true);
  }

  /** An unsigned 64-bit integer that must fit a JS number exactly (else CORRUPT). */
  u64(field: string, littleEndian: boolean): number {
    const at = this.need(8, field);
    const value = new DataView(this.data.buffer, this.data.byteOffset + at, 8).getBigUint64(0, littleEndian);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new AudioError('CORRUPT', `${this.what} ${field} ${value} is beyond 2^53`);
    }
    return Number(value);
  }

  /** A view (not a copy) of the next n bytes. */
  bytes(n: number, field: string): Uint8Array {
    const at = this.need(n, field);
    return this.data.subarray(at, at + n);
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining, 'the rest');
  }

  /** Throws CORRUPT if anything is left: formats here never allow trailing bytes. */
  end(): void {
    if (this.remaining !== 0) {
      throw new AudioError('CORRUPT', `${this.what} has ${this.remaining} unexpected trailing bytes`);
    }
  }
}

/** Builds a byte string from parts, copied once into place at the end. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];

  private push(part: Uint8Array): this {
    this.parts.push(part);
    return this;
  }

  private number(size: number, write: (view: DataView) => void): this {
    const part = new Uint8Array(size);
    write(new DataView(part.buffer));
    return this.push(part);
  }

  u8(value: number): this {
    return this.push(Uint8Array.of(value));
  }

  u16le(value: number): this {
    return this.number(2, (v) => v.setUint16(0, value, true));
  }

  u16be(value: number): this {
    return this.number(2, (v) => v.setUint16(0, value, false));
  }

  i16le(value: number): this {
    return this.number(2, (v) => v.setInt16(0, value, true));
  }

  u32le(value: number): this {
    return this.number(4, (v) => v.setUint32(0, value, true));
  }

  u32be(value: number): this {
    return this.number(4, (v) => v.setUint32(0, value, false));
  }

  u64(value: number, littleEndian: boolean): this {
    return this.number(8, (v) => v.setBigUint64(0, BigInt(value), littleEndian));
  }

  bytes(value: Uint8Array): this {
    return this.push(value);
  }

  ascii(text: string): this {
    return this.push(asciiBytes(text));
  }

  finish(): Uint8Array {
    return concatAll(this.parts);
  }
}

/** pairing/'s concatenation, under the name audio/ code and tests use. */
export const concatBytes = concatAll;

export function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
