// Splits an H4 byte stream (TCP, a pseudo-terminal) into whole HCI packets. The packet type byte
// and each type's header give the length, so a stream of any chunking reassembles exactly; an
// unknown type byte means the stream is out of step and cannot be trusted any further.
import { H4 } from './hci';

/** Header bytes after the type byte, and how to read the payload length from them. */
const HEADERS: ReadonlyMap<number, { readonly size: number; readonly payload: (h: Buffer) => number }> = new Map([
  [H4.command, { size: 3, payload: (h: Buffer) => h[2]! }],
  [H4.acl, { size: 4, payload: (h: Buffer) => h.readUInt16LE(2) }],
  [H4.sco, { size: 3, payload: (h: Buffer) => h[2]! }],
  [H4.event, { size: 2, payload: (h: Buffer) => h[1]! }],
  [H4.iso, { size: 4, payload: (h: Buffer) => h.readUInt16LE(2) & 0x3fff }],
]);

export class H4FramingError extends Error {
  override readonly name = 'H4FramingError';
}

export class H4Framer {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the whole packets they complete. Throws H4FramingError on a bad type byte. */
  push(chunk: Uint8Array): Buffer[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const packets: Buffer[] = [];
    for (;;) {
      if (this.pending.length === 0) break;
      const type = this.pending[0]!;
      const header = HEADERS.get(type);
      if (!header) throw new H4FramingError(`unknown H4 packet type 0x${type.toString(16).padStart(2, '0')}`);
      if (this.pending.length < 1 + header.size) break;
      const total = 1 + header.size + header.payload(this.pending.subarray(1, 1 + header.size));
      if (this.pending.length < total) break;
      packets.push(Buffer.from(this.pending.subarray(0, total)));
      this.pending = this.pending.subarray(total);
    }
    return packets;
  }

  /** Bytes held waiting for the rest of a packet (at most one packet's worth). */
  get buffered(): number {
    return this.pending.length;
  }
}
