// Ogg framing (RFC 3533): pages with their CRC, and packets laced across them. Knows nothing of
// Opus; ogg-opus.ts gives the packets their meaning. Reading is strict: every page must follow
// the previous one exactly (no resynchronising past junk), because a voice message with a gap
// in it is a broken message, not one to play around.
import { ByteReader, ByteWriter, asciiBytes, bytesEqual } from './bytes';
import { AudioError } from './errors';

export const OGG_FLAG_CONTINUED = 0x01;
export const OGG_FLAG_BOS = 0x02;
export const OGG_FLAG_EOS = 0x04;
/** A granule position of -1 (all ones) marks a page on which no packet ends. */
export const NO_GRANULE = -1;

const CAPTURE = asciiBytes('OggS');
const HEADER_BYTES = 27;
const MAX_SEGMENTS = 255;

export interface OggPage {
  readonly flags: number;
  /** Codec-defined position after the last packet ending on this page, or NO_GRANULE. */
  readonly granule: number;
  readonly serial: number;
  readonly sequence: number;
  readonly lacing: Uint8Array;
  readonly body: Uint8Array;
}

/** A packet reassembled from its lacing, with the page on which it ends. */
export interface OggPacket {
  readonly data: Uint8Array;
  readonly page: number;
}

const CRC_TABLE = (() => {
  // RFC 3533's CRC-32: polynomial 0x04c11db7, MSB first, no reflection, initial value 0.
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ b) & 0xff] as number)) >>> 0;
  return crc;
}

function readPage(r: ByteReader, bytes: Uint8Array, index: number): OggPage {
  const start = r.offset;
  const what = `Ogg page ${index}`;
  if (r.remaining < HEADER_BYTES) throw new AudioError('TRUNCATED', `${what} header is cut off at byte ${start}`);
  if (!bytesEqual(r.bytes(4, 'capture pattern'), CAPTURE)) {
    throw new AudioError('CORRUPT', `${what} at byte ${start} does not start with "OggS"`);
  }
  const version = r.u8('stream structure version');
  if (version !== 0) throw new AudioError('CORRUPT', `${what} has stream structure version ${version}, not 0`);
  const flags = r.u8('header type');
  if (flags & ~0x07) throw new AudioError('CORRUPT', `${what} has undefined header flags 0x${flags.toString(16)}`);
  const granuleLow = r.u32le('granule position');
  const granuleHigh = r.u32le('granule position');
  const granule =
    granuleLow === 0xffffffff && granuleHigh === 0xffffffff ? NO_GRANULE : granuleHigh * 2 ** 32 + granuleLow;
  if (granule !== NO_GRANULE && granuleHigh >= 0x200000) throw new AudioError('CORRUPT', `${what} granule position is beyond 2^53`);
  const serial = r.u32le('serial number');
  const sequence = r.u32le('page sequence number');
  const crc = r.u32le('CRC');
  const segmentCount = r.u8('segment count');
  const lacing = r.bytes(segmentCount, 'segment table');
  const bodyLength = lacing.reduce((a, b) => a + b, 0);
  if (r.remaining < bodyLength) throw new AudioError('TRUNCATED', `${what} body is cut off (needs ${bodyLength} bytes, has ${r.remaining})`);
  const body = r.bytes(bodyLength, 'page body');
  // A copy: on a Node Buffer, slice() is a view, and zeroing its CRC field would change the caller's file.
  const raw = Uint8Array.prototype.slice.call(bytes, start, r.offset);
  raw.fill(0, 22, 26);
  const actual = oggCrc(raw);
  if (actual !== crc) {
    throw new AudioError('BAD_CRC', `${what} CRC is 0x${crc.toString(16)} but its bytes give 0x${actual.toString(16)}`);
  }
  return { flags, granule, serial, sequence, lacing, body };
}

/** Splits a file into pages, checking each capture pattern, version and CRC. */
export function readOggPages(bytes: Uint8Array): OggPage[] {
  const r = new ByteReader(bytes, 'Ogg');
  const pages: OggPage[] = [];
  while (r.remaining > 0) pages.push(readPage(r, bytes, pages.length));
  if (pages.length === 0) throw new AudioError('TRUNCATED', 'Ogg file is empty');
  return pages;
}

/**
 * Reassembles packets from one logical stream's pages, checking that continuation flags agree
 * with the lacing. A packet still open after the last page is TRUNCATED.
 */
export function oggPackets(pages: readonly OggPage[]): OggPacket[] {
  const packets: OggPacket[] = [];
  let open: Uint8Array[] | undefined;
  pages.forEach((page, index) => {
    const continued = (page.flags & OGG_FLAG_CONTINUED) !== 0;
    if (continued !== (open !== undefined)) {
      throw new AudioError(
        'CORRUPT',
        `Ogg page ${index} ${continued ? 'continues a packet that had ended' : 'does not continue the packet the previous page left open'}`,
      );
    }
    let at = 0;
    let segmentStart = 0;
    page.lacing.forEach((length, i) => {
      at += length;
      if (length < 255) {
        const parts: Uint8Array[] = [...(open ?? []), page.body.subarray(segmentStart, at)];
        open = undefined;
        const total = parts.reduce((n, p) => n + p.length, 0);
        const data = new Uint8Array(total);
        parts.reduce((offset, p) => (data.set(p, offset), offset + p.length), 0);
        packets.push({ data, page: index });
        segmentStart = at;
      } else if (i === page.lacing.length - 1) {
        open = [...(open ?? []), page.body.subarray(segmentStart, at)];
      }
    });
  });
  if (open !== undefined) throw new AudioError('TRUNCATED', 'Ogg stream ends inside a packet');
  return packets;
}

export interface OggPageToWrite {
  readonly flags: number;
  readonly granule: number;
  readonly serial: number;
  readonly sequence: number;
  /** Whole packets; plushlink never splits a packet across pages (voice packets are small). */
  readonly packets: readonly Uint8Array[];
}

export function lacingFor(packets: readonly Uint8Array[]): number[] {
  return packets.flatMap((p) => [...Array<number>(Math.floor(p.length / 255)).fill(255), p.length % 255]);
}

export function writeOggPage(page: OggPageToWrite): Uint8Array {
  const lacing = lacingFor(page.packets);
  if (lacing.length > MAX_SEGMENTS) {
    throw new AudioError('INVALID_ARGUMENT', `an Ogg page holds 255 segments; these packets need ${lacing.length}`);
  }
  const w = new ByteWriter().ascii('OggS').u8(0).u8(page.flags);
  if (page.granule === NO_GRANULE) w.u32le(0xffffffff).u32le(0xffffffff);
  else w.u64(page.granule, true);
  w.u32le(page.serial).u32le(page.sequence).u32le(0).u8(lacing.length).bytes(Uint8Array.from(lacing));
  for (const packet of page.packets) w.bytes(packet);
  const bytes = w.finish();
  new DataView(bytes.buffer).setUint32(22, oggCrc(bytes), true);
  return bytes;
}
