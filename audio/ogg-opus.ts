// Ogg Opus files (RFC 7845): the container voice messages are stored and sealed in, and what
// `opusinfo`, `opusdec` and ordinary players open. Writes an ID header page, a comment header
// page, then audio pages of up to one second whose granule positions count 48 kHz samples
// including pre-skip, the last one trimming the padding. Reads one logical stream with channel
// mapping family 0 (mono or stereo), which is everything opusenc makes from speech.
import { randomInt } from 'node:crypto';
import { ByteReader, ByteWriter, asciiBytes, bytesEqual, concatBytes } from './bytes';
import { AudioError } from './errors';
import {
  NO_GRANULE,
  OGG_FLAG_BOS,
  OGG_FLAG_EOS,
  type OggPage,
  lacingFor,
  oggPackets,
  readOggPages,
  writeOggPage,
} from './ogg-page';
import type { OpusStream } from './opus-packet';
import { opusPacketSamples } from './opus-packet';

/** The comment header's contents (Vorbis comments: "TAG=value"). */
export interface OpusTags {
  readonly vendor: string;
  readonly comments: readonly string[];
}

export interface OggOpus {
  readonly stream: OpusStream;
  readonly tags: OpusTags;
}

export const PLUSHLINK_VENDOR = 'plushlink (libopus 1.4 via opusscript)';
const OPUS_HEAD = asciiBytes('OpusHead');
const OPUS_TAGS = asciiBytes('OpusTags');
/** One second of 20 ms packets per page: small pages, little overhead (~27 bytes a second). */
export const PACKETS_PER_PAGE = 50;
/** Guards against a comment header claiming a gigabyte of tags before it is read. */
const MAX_COMMENTS = 10000;

function opusHead(stream: Omit<OpusStream, 'packets'>): Uint8Array {
  return new ByteWriter()
    .bytes(OPUS_HEAD)
    .u8(1)
    .u8(stream.channels)
    .u16le(stream.preSkip)
    .u32le(stream.inputSampleRate)
    .i16le(stream.outputGain)
    .u8(0)
    .finish();
}

function opusTags(tags: OpusTags): Uint8Array {
  const encoded = (s: string): Uint8Array => new TextEncoder().encode(s);
  const w = new ByteWriter().bytes(OPUS_TAGS);
  const vendor = encoded(tags.vendor);
  w.u32le(vendor.length).bytes(vendor).u32le(tags.comments.length);
  for (const comment of tags.comments) {
    const bytes = encoded(comment);
    w.u32le(bytes.length).bytes(bytes);
  }
  return w.finish();
}

export interface WriteOggOptions {
  /** Ogg stream serial number; random by default, as RFC 3533 asks. */
  readonly serial?: number;
  readonly tags?: OpusTags;
}

/** An Opus stream's shape, known before its packets: what the header pages and the last granule need. */
export type OpusStreamShape = Omit<OpusStream, 'packets'> & { readonly packetCount: number };

/**
 * Writes an Ogg Opus file page by page as its packets arrive (a page holds up to a second of
 * them), so the file can travel while the rest is encoded; the bytes are the same as
 * writeOggOpus() would write for the same packets and serial.
 */
export class OggOpusPager {
  private readonly serial: number;
  private readonly end: number;
  private sequence = 2;
  private granule = 0;
  private packetsSeen = 0;
  private onPage: Uint8Array[] = [];
  private segments = 0;
  /** The ID and comment header pages: the file's first bytes. */
  readonly head: Uint8Array;

  constructor(
    private readonly shape: OpusStreamShape,
    options: WriteOggOptions = {},
  ) {
    if (shape.packetCount === 0) throw new AudioError('INVALID_ARGUMENT', 'an Ogg Opus file needs at least one audio packet');
    this.serial = options.serial ?? randomInt(0, 2 ** 32 - 1);
    this.end = shape.preSkip + shape.length48k;
    const tags = options.tags ?? { vendor: PLUSHLINK_VENDOR, comments: [] };
    this.head = concatBytes([
      writeOggPage({ flags: OGG_FLAG_BOS, granule: 0, serial: this.serial, sequence: 0, packets: [opusHead(shape)] }),
      // writeOggPage refuses tags beyond one page (~65 kB); voice messages carry a few short ones.
      writeOggPage({ flags: 0, granule: 0, serial: this.serial, sequence: 1, packets: [opusTags(tags)] }),
    ]);
  }

  /** Adds the next packet; returns the pages it completes (none until a page is full, or the last packet). */
  add(packet: Uint8Array): Uint8Array {
    if (this.packetsSeen >= this.shape.packetCount) throw new AudioError('INVALID_ARGUMENT', `the stream was announced with ${this.shape.packetCount} packets`);
    const need = lacingFor([packet]).length;
    if (need > 255) throw new AudioError('INVALID_ARGUMENT', 'an Opus packet is too large for one Ogg page');
    const pages: Uint8Array[] = [];
    if (this.segments + need > 255) pages.push(this.page(false));
    this.granule += opusPacketSamples(packet, this.packetsSeen++);
    this.onPage.push(packet);
    this.segments += need;
    const last = this.packetsSeen === this.shape.packetCount;
    if (last && this.end > this.granule) {
      throw new AudioError('INVALID_ARGUMENT', `stream length ${this.shape.length48k} + pre-skip exceeds its ${this.granule} samples of packets`);
    }
    if (last || this.onPage.length === PACKETS_PER_PAGE) pages.push(this.page(last));
    return concatBytes(pages);
  }

  private page(last: boolean): Uint8Array {
    const granule = last ? this.end : this.granule;
    const bytes = writeOggPage({ flags: last ? OGG_FLAG_EOS : 0, granule, serial: this.serial, sequence: this.sequence++, packets: this.onPage });
    this.onPage = [];
    this.segments = 0;
    return bytes;
  }
}

/** Writes an Opus stream as an Ogg Opus file. */
export function writeOggOpus(stream: OpusStream, options: WriteOggOptions = {}): Uint8Array {
  const pager = new OggOpusPager({ ...stream, packetCount: stream.packets.length }, options);
  return concatBytes([pager.head, ...stream.packets.map((p) => pager.add(p))]);
}

interface OpusHeader {
  readonly channels: 1 | 2;
  readonly preSkip: number;
  readonly inputSampleRate: number;
  readonly outputGain: number;
}

function readHead(packet: Uint8Array): OpusHeader {
  const r = new ByteReader(packet, 'OpusHead');
  if (!bytesEqual(r.bytes(8, 'magic'), OPUS_HEAD)) throw new AudioError('CORRUPT', 'first Ogg packet is not an OpusHead');
  const version = r.u8('version');
  if (version >> 4 !== 0) throw new AudioError('UNSUPPORTED_FORMAT', `OpusHead version ${version} is not 0.x`);
  const channels = r.u8('channel count');
  const preSkip = r.u16le('pre-skip');
  const inputSampleRate = r.u32le('input sample rate');
  const outputGain = r.i16le('output gain');
  const family = r.u8('channel mapping family');
  if (family !== 0) throw new AudioError('UNSUPPORTED_FORMAT', `Opus channel mapping family ${family}; only family 0 (mono/stereo) is supported`);
  if (channels !== 1 && channels !== 2) throw new AudioError('CORRUPT', `OpusHead with mapping family 0 has ${channels} channels`);
  return { channels, preSkip, inputSampleRate, outputGain };
}

function readTags(packet: Uint8Array): OpusTags {
  const r = new ByteReader(packet, 'OpusTags');
  if (!bytesEqual(r.bytes(8, 'magic'), OPUS_TAGS)) throw new AudioError('CORRUPT', 'second Ogg packet is not OpusTags');
  const text = (field: string): string => {
    const bytes = r.bytes(r.u32le(`${field} length`), field);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new AudioError('CORRUPT', `OpusTags ${field} is not UTF-8`);
    }
  };
  const vendor = text('vendor string');
  const count = r.u32le('comment count');
  if (count > MAX_COMMENTS || count * 4 > r.remaining) throw new AudioError('CORRUPT', `OpusTags claims ${count} comments in ${r.remaining} bytes`);
  const comments = Array.from({ length: count }, (_, i) => text(`comment ${i}`));
  return { vendor, comments };
}

function checkOneStream(pages: readonly OggPage[]): void {
  const serial = (pages[0] as OggPage).serial;
  const stranger = pages.findIndex((page) => page.serial !== serial);
  if (stranger >= 0) {
    throw new AudioError('UNSUPPORTED_FORMAT', `Ogg page ${stranger} belongs to another stream: multiplexed or chained files are not supported`);
  }
  pages.forEach((page, i) => {
    if (page.sequence !== i) throw new AudioError('CORRUPT', `Ogg page ${i} has sequence number ${page.sequence}: a page is missing or repeated`);
    if ((page.flags & OGG_FLAG_BOS) !== 0 !== (i === 0)) throw new AudioError('CORRUPT', `Ogg page ${i} has a misplaced beginning-of-stream flag`);
    const isLast = i === pages.length - 1;
    if ((page.flags & OGG_FLAG_EOS) !== 0 && !isLast) throw new AudioError('CORRUPT', `Ogg page ${i} ends the stream but more pages follow`);
    if (isLast && (page.flags & OGG_FLAG_EOS) === 0) throw new AudioError('TRUNCATED', `Ogg stream stops after page ${i} without an end-of-stream page`);
  });
}

/** Reads an Ogg Opus file; every structural problem is a typed AudioError naming it. */
export function readOggOpus(bytes: Uint8Array): OggOpus {
  const pages = readOggPages(bytes);
  checkOneStream(pages);
  const packets = oggPackets(pages);
  const [head, tags, ...audio] = packets;
  if (!head || head.page !== 0 || packets[1]?.page === 0) throw new AudioError('CORRUPT', 'OpusHead must be alone on the first Ogg page');
  const header = readHead(head.data);
  if (!tags) throw new AudioError('TRUNCATED', 'Ogg Opus file has no OpusTags header');
  const parsedTags = readTags(tags.data);
  if (audio[0] && audio[0].page === tags.page) throw new AudioError('CORRUPT', 'audio shares the last OpusTags page (RFC 7845 section 3)');
  if (audio.length === 0) throw new AudioError('TRUNCATED', 'Ogg Opus file has no audio packets');
  // Check each page's granule against the samples of the packets that end on or before it.
  let samples = 0;
  let next = 0;
  let end = 0;
  pages.forEach((page, index) => {
    for (let packet = audio[next]; packet && packet.page === index; packet = audio[++next]) {
      samples += opusPacketSamples(packet.data, next);
    }
    if (index <= tags.page) return;
    const last = index === pages.length - 1;
    if (page.granule === NO_GRANULE) {
      if (last) throw new AudioError('CORRUPT', 'last Ogg page has no granule position');
      return;
    }
    if (last) end = page.granule;
    else if (page.granule !== samples) {
      throw new AudioError('CORRUPT', `Ogg page ${index} granule position ${page.granule} does not match the ${samples} samples before it`);
    }
  });
  if (end < header.preSkip || end > samples) {
    throw new AudioError('CORRUPT', `final granule position ${end} is outside pre-skip ${header.preSkip} .. ${samples} samples of audio`);
  }
  return {
    stream: { ...header, length48k: end - header.preSkip, packets: audio.map((p) => p.data) },
    tags: parsedTags,
  };
}
