// A fixed-size bit set: which chunks of a transfer have arrived (receiver) or been acknowledged
// (sender), and the selective-acknowledgement bits on the wire.

export class Bitmap {
  readonly bytes: Uint8Array;

  constructor(
    readonly size: number,
    bytes?: Uint8Array,
  ) {
    this.bytes = bytes ?? new Uint8Array(Math.ceil(size / 8));
  }

  has(i: number): boolean {
    return i >= 0 && i < this.size && (((this.bytes[i >> 3] as number) >> (i & 7)) & 1) === 1;
  }

  set(i: number): void {
    if (i >= 0 && i < this.size) this.bytes[i >> 3] = (this.bytes[i >> 3] as number) | (1 << (i & 7));
  }

  /** First index at or after `from` that is not set (size when all are). */
  firstClear(from = 0): number {
    let i = from;
    while (i < this.size && this.has(i)) i++;
    return i;
  }

  /** True when no bit at or beyond `size` is set in the backing bytes (for parsing). */
  isCanonical(): boolean {
    for (let i = this.size; i < this.bytes.length * 8; i++) if ((((this.bytes[i >> 3] as number) >> (i & 7)) & 1) === 1) return false;
    return true;
  }
}
