// A voice message sealed while it is encoded (envelope version 4): Opus frames are encoded a slice
// at a time, each full Ogg page is sealed as a record and appended to the OutgoingStream the
// transfer sends from, so the first chunks travel while the rest is still being encoded. The
// envelope's bound (in its header and the OPEN) comes from the recording's duration.
import { EnvelopeStreamSealer } from '../audio/envelope-stream';
import { concatBytes } from '../audio/bytes';
import { AudioError } from '../audio/errors';
import { OggOpusPager, PACKETS_PER_PAGE } from '../audio/ogg-opus';
import { FRAME_MS, OpusFrameEncoder, VOICE_BITRATE } from '../audio/opus-codec';
import { OutgoingStream } from '../audio/transfer-stream';
import { readWav } from '../audio/wav';
import type { PartyKeys, PeerPublicKeys } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';

/**
 * The bitrate the bound allows for by default: twice the 16 kbit/s target. libopus's VBR at this
 * target stays below it on the whole (speech: mean 29 bytes a packet, max 60; white noise: mean 51,
 * max 60; a loud two-tone: mean 40, max 65; full-scale square waves: mean 43, max 100; full-scale
 * random +-1 samples, the worst found: mean 81.5 against the 80 allowed, which the pages'
 * allowance still covers; measured here); audio that outgrows it is sent as version 3.
 */
export const DEFAULT_BOUND_BITRATE = 2 * VOICE_BITRATE;

export interface MessageStreamOptions {
  /**
   * Bits per second of audio the envelope's announced bound allows for (default twice the voice
   * bitrate). A tighter bound fits a fuller toy; audio that outgrows it is TOO_LARGE mid-stream.
   */
  readonly boundBitrate?: number;
}
/** Ogg page header plus a full lacing table: the most a page adds to its packets. */
const PAGE_OVERHEAD = 27 + 255;

export class MessageStream {
  readonly outgoing: OutgoingStream;
  readonly id: Uint8Array;
  /** Milliseconds of CPU spent encoding and sealing so far. */
  encodeMs = 0;
  private readonly encoder: OpusFrameEncoder;
  private readonly pager: OggOpusPager;
  private readonly sealer: EnvelopeStreamSealer;

  /** `wav`: the recording (throws AudioError for anything else). */
  constructor(sodium: Sodium, wav: Uint8Array, sender: PartyKeys, toy: PeerPublicKeys, now: number, options: MessageStreamOptions = {}) {
    const t0 = performance.now();
    const boundBitrate = options.boundBitrate ?? DEFAULT_BOUND_BITRATE;
    if (!Number.isSafeInteger(boundBitrate) || boundBitrate <= 0) throw new AudioError('INVALID_ARGUMENT', `boundBitrate ${boundBitrate} is not a positive integer`);
    const boundBytesPerPacket = Math.ceil((boundBitrate * FRAME_MS) / 8000);
    this.encoder = new OpusFrameEncoder(readWav(wav));
    try {
      this.pager = new OggOpusPager({ ...this.encoder, packetCount: this.encoder.frames });
      const pages = Math.ceil(this.encoder.frames / PACKETS_PER_PAGE);
      // A page may split once more when its lacing table fills: at most twice the pages.
      const maxPushes = 1 + 2 * pages;
      const maxAudioBytes = this.pager.head.length + this.encoder.frames * boundBytesPerPacket + 2 * pages * PAGE_OVERHEAD;
      this.sealer = new EnvelopeStreamSealer(sodium, { sender, recipients: [toy], time: now, id: sodium.randombytes_buf(16), maxAudioBytes, maxPushes });
      this.id = this.sealer.id;
      this.outgoing = new OutgoingStream(sodium, this.sealer.header, this.sealer.maxBodyLength);
      this.take(this.pager.head);
    } catch (error) {
      // Nobody gets this object to close(): its wasm encoder and sealer state go now.
      this.close();
      throw error;
    }
    this.encodeMs += performance.now() - t0;
  }

  get done(): boolean {
    return this.outgoing.ended;
  }

  /** Encodes up to `frames` more frames and appends what they complete; seals the end after the last. */
  encode(frames: number): void {
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) {
      const packet = this.encoder.next();
      if (!packet) break;
      const pages = this.pager.add(packet);
      if (pages.length > 0) this.take(pages);
    }
    if (this.encoder.framesDone === this.encoder.frames && !this.outgoing.ended) {
      this.outgoing.append(this.sealer.finish());
      this.outgoing.end();
    }
    this.encodeMs += performance.now() - t0;
  }

  /** The whole envelope (encoding what is left first): what a resumed send passes to sendSealed(). */
  envelope(): Uint8Array {
    this.encode(this.encoder.frames);
    if (!this.done) throw new AudioError('INVALID_ARGUMENT', 'the encoding was abandoned (close()) before its last frame');
    return concatBytes([this.outgoing.head, this.outgoing.body]);
  }

  close(): void {
    this.encoder.close();
    // Undefined only while the constructor fails.
    (this.sealer as EnvelopeStreamSealer | undefined)?.close();
  }

  private take(bytes: Uint8Array): void {
    this.outgoing.append(this.sealer.push(bytes));
  }
}
