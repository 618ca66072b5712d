// What a compressed Opus stream is, independent of its container, and how long each packet
// plays. Ogg granule positions and the decoder's trimming both count 48 kHz samples per packet,
// so packets are measured and checked here (RFC 6716 section 3: TOC byte, frame packing, the
// R1-R7 well-formedness rules) before they reach libopus.
import { AudioError } from './errors';

/** A compressed Opus stream: what Ogg Opus files carry and what the codec makes and plays. */
export interface OpusStream {
  /** Decoded channel count (Ogg Opus channel mapping family 0: 1 or 2). */
  readonly channels: 1 | 2;
  /** Samples (at 48 kHz) to discard from the start of the decoded output (RFC 7845 pre-skip). */
  readonly preSkip: number;
  /** Playable length after pre-skip, in 48 kHz samples: the decoder trims the output to this. */
  readonly length48k: number;
  /** Rate of the audio before encoding; informational (RFC 7845 "input sample rate"). */
  readonly inputSampleRate: number;
  /** Gain to apply on output, Q7.8 dB (RFC 7845); plushlink writes 0. */
  readonly outputGain: number;
  readonly packets: readonly Uint8Array[];
}

/** Every duration in Opus is counted at 48 kHz regardless of the coded bandwidth. */
export const OPUS_RATE = 48000;
/** libopus's encoder delay is Fs/400 + Fs/250 at every rate: 312 samples at 48 kHz (6.5 ms). */
export const ENCODER_LOOKAHEAD_48K = 312;
/** RFC 6716: no packet lasts more than 120 ms. */
const MAX_PACKET_SAMPLES = 5760;
const MAX_FRAME_BYTES = 1275;

/** Samples per frame (48 kHz) for each of the 32 TOC configurations (RFC 6716 table 2). */
function frameSamples(config: number): number {
  if (config < 12) return [480, 960, 1920, 2880][config % 4] as number;
  if (config < 16) return [480, 960][config % 2] as number;
  return [120, 240, 480, 960][config % 4] as number;
}

/** Reads a frame length (1 or 2 bytes, RFC 6716 section 3.2.1); returns [length, bytes used]. */
function frameLength(packet: Uint8Array, at: number, index: number): [number, number] {
  const b0 = packet[at];
  if (b0 === undefined) throw new AudioError('CORRUPT', `Opus packet ${index} ends inside a frame length`);
  if (b0 < 252) return [b0, 1];
  const b1 = packet[at + 1];
  if (b1 === undefined) throw new AudioError('CORRUPT', `Opus packet ${index} ends inside a frame length`);
  return [b0 + 4 * b1, 2];
}

/**
 * Duration of one Opus packet in 48 kHz samples, after checking it is well formed (RFC 6716
 * section 3.4); throws CORRUPT naming the rule a bad packet breaks. `index` is for messages.
 */
export function opusPacketSamples(packet: Uint8Array, index = 0): number {
  const bad = (why: string): AudioError => new AudioError('CORRUPT', `Opus packet ${index} ${why}`);
  const toc = packet[0];
  if (toc === undefined) throw bad('is empty (RFC 6716 R1)');
  const perFrame = frameSamples(toc >> 3);
  const code = toc & 3;
  const rest = packet.length - 1;
  if (code === 0) {
    if (rest > MAX_FRAME_BYTES) throw bad(`has a ${rest}-byte frame (R2)`);
    return perFrame;
  }
  if (code === 1) {
    if (rest % 2 !== 0 || rest / 2 > MAX_FRAME_BYTES) throw bad(`has ${rest} bytes for two equal frames (R3)`);
    return 2 * perFrame;
  }
  if (code === 2) {
    const [first, used] = frameLength(packet, 1, index);
    const second = rest - used - first;
    if (second < 0 || first > MAX_FRAME_BYTES || second > MAX_FRAME_BYTES) throw bad('has frame lengths that do not fit (R4)');
    return 2 * perFrame;
  }
  const countByte = packet[1];
  if (countByte === undefined) throw bad('ends before its frame count (R6)');
  const count = countByte & 0x3f;
  const vbr = (countByte & 0x80) !== 0;
  if (count === 0 || count * perFrame > MAX_PACKET_SAMPLES) throw bad(`has ${count} frames, over 120 ms or none (R5)`);
  let at = 2;
  let padding = 0;
  if (countByte & 0x40) {
    for (;;) {
      const p = packet[at++];
      if (p === undefined) throw bad('ends inside its padding length (R6)');
      padding += p === 255 ? 254 : p;
      if (p !== 255) break;
    }
  }
  let payload = packet.length - at - padding;
  if (payload < 0) throw bad('is shorter than its padding (R6)');
  if (!vbr) {
    if (payload % count !== 0 || payload / count > MAX_FRAME_BYTES) throw bad('has CBR frames that do not divide its payload (R6)');
    return count * perFrame;
  }
  for (let i = 0; i < count - 1; i++) {
    const [length, used] = frameLength(packet, at, index);
    at += used;
    payload -= used + length;
    if (length > MAX_FRAME_BYTES) throw bad(`has a ${length}-byte frame (R7)`);
  }
  if (payload < 0 || payload > MAX_FRAME_BYTES) throw bad('has VBR frame lengths that do not fit (R7)');
  return count * perFrame;
}

/** Total duration of a packet list in 48 kHz samples, checking every packet. */
export function opusPacketsSamples(packets: readonly Uint8Array[]): number {
  return packets.reduce((sum, packet, i) => sum + opusPacketSamples(packet, i), 0);
}
