// PCM to Opus and back. Encoding uses opusscript (libopus 1.4 compiled to wasm, no install
// scripts); decoding uses opus-decoder (libopus in wasm, outputs any Opus rate directly).
//
// Voice defaults, and why:
// - 16 kHz mono ("wideband"): speech energy and intelligibility live below 8 kHz, and a plush
//   toy's small speaker reproduces little above that; 16 kHz is also what the toy records.
// - 20 ms frames: the Opus sweet spot for speech (10 ms costs ~15% more bits of framing and
//   CELT/SILK overhead; 40-60 ms saves little and makes each lost packet audible).
// - 16 kbit/s VBR, signal type voice, VOIP application: libopus's SILK mode reaches good
//   wideband speech quality around 12-16 kbit/s and gains little above 20 kbit/s; 16 kbit/s is
//   2 kB per second of voice, so a 40 s message is ~80 kB: a few seconds over BLE even at a
//   20-byte ATT payload, where CloudPets needed 30-40 s.
// - complexity 5: chosen by measurement (npm run bench:codec, bench/e2e.ts): half the encoding
//   time of 10 (libopus's best), which was 0.8-0.9 of a 40 s message's send, for a small
//   objective cost on espeak-ng speech: log-spectral distance +0.34 dB, SNR -0.33 dB,
//   segmental SNR -0.24 dB, 2% fewer bytes. 8-10 give identical packets here; 4 is the same SILK
//   tier as 5 (identical packets); 3 and below cost ~0.9-1.1 dB of spectral distance.
import OpusScript from 'opusscript';
import { AudioError } from './errors';
import type { OpusStream } from './opus-packet';
import { ENCODER_LOOKAHEAD_48K, OPUS_RATE, opusPacketSamples } from './opus-packet';
import type { Pcm } from './pcm';
import { VOICE_SAMPLE_RATE, checkPcmShape, downmixToMono, pcmLength, toInt16Interleaved } from './pcm';
import { resample } from './resample';

// opus-decoder is an ES module; Node 20 loads it with require(), jest's swc transform too.
type OpusDecoderModule = typeof import('opus-decoder', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { OpusDecoder } = require('opus-decoder') as OpusDecoderModule;

export type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;

export const VOICE_BITRATE = 16000;
export const FRAME_MS = 20;
export const DEFAULT_COMPLEXITY = 5;
/** Progress is reported once per second of audio. */
const FRAMES_PER_PROGRESS = 1000 / FRAME_MS;

export interface EncodeOptions {
  /** Rate the encoder runs at; input is resampled to it. Default 16000. */
  readonly sampleRate?: OpusRate;
  /** 1 downmixes to mono (default), 2 keeps stereo input stereo. */
  readonly channels?: 1 | 2;
  /** Target bits per second. Default 16000. */
  readonly bitrate?: number;
  /** libopus complexity 0-10. Default DEFAULT_COMPLEXITY (5). */
  readonly complexity?: number;
  /**
   * Called as encoding goes (every second of audio, and at the end) with frames done and the total:
   * a long message takes seconds to encode, and the caller can show it.
   */
  readonly onProgress?: (framesDone: number, frames: number) => void;
}

// libopus request codes (opus_defines.h).
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_VBR = 4006;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_SIGNAL = 4024;
const OPUS_SIGNAL_VOICE = 3001;
/** opus-decoder's input buffer holds 3840 bytes per channel; a larger packet would overflow it. */
const DECODER_MAX_PACKET_PER_CHANNEL = 3840;

const OPUS_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

function checkOptions(options: EncodeOptions): Required<Omit<EncodeOptions, 'onProgress'>> {
  const chosen = {
    sampleRate: options.sampleRate ?? VOICE_SAMPLE_RATE,
    channels: options.channels ?? 1,
    bitrate: options.bitrate ?? VOICE_BITRATE,
    complexity: options.complexity ?? DEFAULT_COMPLEXITY,
  } as const;
  if (!OPUS_RATES.includes(chosen.sampleRate)) {
    throw new AudioError('INVALID_ARGUMENT', `Opus cannot run at ${chosen.sampleRate} Hz`);
  }
  if (!Number.isInteger(chosen.bitrate) || chosen.bitrate < 6000 || chosen.bitrate > 510000) {
    throw new AudioError('INVALID_ARGUMENT', `Opus bitrate ${chosen.bitrate} is outside 6000-510000`);
  }
  if (!Number.isInteger(chosen.complexity) || chosen.complexity < 0 || chosen.complexity > 10) {
    throw new AudioError('INVALID_ARGUMENT', `Opus complexity ${chosen.complexity} is outside 0-10`);
  }
  return chosen;
}

/**
 * An Opus encoder fed from a whole PCM recording one 20 ms frame at a time, so a caller can send
 * what is encoded while the rest is still being encoded (client/ streams a message this way). The
 * stream's shape (packet count, pre-skip, length) is known before the first frame: the input is
 * all there, only the work is spread out.
 */
export class OpusFrameEncoder {
  readonly frames: number;
  readonly channels: 1 | 2;
  readonly preSkip = ENCODER_LOOKAHEAD_48K;
  readonly length48k: number;
  readonly inputSampleRate: number;
  readonly outputGain = 0;
  private readonly input: Pcm;
  private readonly frameSize: number;
  private readonly encoder: OpusScript;
  private done = 0;
  private closed = false;

  constructor(pcm: Pcm, options: EncodeOptions = {}) {
    const { sampleRate, channels, bitrate, complexity } = checkOptions(options);
    checkPcmShape(pcm.sampleRate, pcm.channels.length, 'input');
    const shaped = channels === 1 ? downmixToMono(pcm) : pcm.channels.length === 2 ? pcm : { ...pcm, channels: [pcm.channels[0] as Float32Array, pcm.channels[0] as Float32Array] };
    this.input = resample(shaped, sampleRate);
    const ratio = OPUS_RATE / sampleRate;
    const length = pcmLength(this.input);
    this.frameSize = (sampleRate * FRAME_MS) / 1000;
    // Encode enough trailing silence that the delayed output still covers every input sample.
    this.frames = Math.ceil((length + ENCODER_LOOKAHEAD_48K / ratio) / this.frameSize);
    this.channels = channels;
    this.length48k = length * ratio;
    this.inputSampleRate = pcm.sampleRate;
    this.encoder = new OpusScript(sampleRate, channels, OpusScript.Application.VOIP);
    try {
      this.encoder.setBitrate(bitrate);
      this.encoder.encoderCTL(OPUS_SET_VBR, 1);
      this.encoder.encoderCTL(OPUS_SET_COMPLEXITY, complexity);
      this.encoder.encoderCTL(OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  get framesDone(): number {
    return this.done;
  }

  /** The next frame's packet; undefined once every frame is encoded (the encoder is then freed). */
  next(): Uint8Array | undefined {
    if (this.done >= this.frames || this.closed) return undefined;
    const samples = toInt16Interleaved(this.input, this.done * this.frameSize, this.frameSize);
    const packet = new Uint8Array(this.encoder.encode(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength), this.frameSize));
    if (++this.done === this.frames) this.close();
    return packet;
  }

  /** Frees the wasm encoder (idempotent); call when abandoning an encoding halfway. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.encoder.delete();
  }
}

/**
 * Encodes PCM (any supported rate, mono or stereo) as an Opus stream, 20 ms per packet.
 * The stream's pre-skip is the encoder's delay and its length the input's exact duration, so
 * decoding gives back exactly as many samples as went in.
 */
export function encodeOpus(pcm: Pcm, options: EncodeOptions = {}): OpusStream {
  const encoder = new OpusFrameEncoder(pcm, options);
  try {
    const packets: Uint8Array[] = [];
    for (let packet = encoder.next(); packet; packet = encoder.next()) {
      packets.push(packet);
      const f = encoder.framesDone;
      if (options.onProgress && (f % FRAMES_PER_PROGRESS === 0 || f === encoder.frames)) options.onProgress(f, encoder.frames);
    }
    const { channels, preSkip, length48k, inputSampleRate, outputGain } = encoder;
    return { channels, preSkip, length48k, inputSampleRate, outputGain, packets };
  } finally {
    encoder.close();
  }
}

/**
 * Decodes an Opus stream to PCM at `sampleRate` (default 16 kHz), with pre-skip removed, the
 * end trimmed to the stream's length and its output gain applied. A packet libopus rejects, or
 * a stream declaring more audio than its packets hold, is CORRUPT: never partial audio.
 */
export async function decodeOpus(stream: OpusStream, sampleRate: OpusRate = VOICE_SAMPLE_RATE): Promise<Pcm> {
  if (!OPUS_RATES.includes(sampleRate)) throw new AudioError('INVALID_ARGUMENT', `Opus cannot decode at ${sampleRate} Hz`);
  const ratio = OPUS_RATE / sampleRate;
  const durations = stream.packets.map((packet, i) => {
    if (packet.length > DECODER_MAX_PACKET_PER_CHANNEL * stream.channels) {
      throw new AudioError('UNSUPPORTED_FORMAT', `Opus packet ${i} is ${packet.length} bytes, beyond the decoder's buffer`);
    }
    return opusPacketSamples(packet, i) / ratio;
  });
  const total = durations.reduce((a, b) => a + b, 0);
  const skip = Math.round(stream.preSkip / ratio);
  const length = Math.round(stream.length48k / ratio);
  if (skip + length > total) {
    throw new AudioError('CORRUPT', `Opus stream declares ${skip + length} samples at ${sampleRate} Hz but its packets hold ${total}`);
  }
  const channels = Array.from({ length: stream.channels }, () => new Float32Array(total));
  const decoder = new OpusDecoder({ sampleRate, channels: stream.channels, preSkip: 0 });
  await decoder.ready;
  try {
    let at = 0;
    stream.packets.forEach((packet, i) => {
      const decoded = decoder.decodeFrame(packet);
      if (decoded.errors.length > 0 || decoded.samplesDecoded !== durations[i]) {
        const why = decoded.errors[0]?.message ?? `gave ${decoded.samplesDecoded} samples, expected ${durations[i]}`;
        throw new AudioError('CORRUPT', `Opus packet ${i} does not decode: ${why}`);
      }
      decoded.channelData.forEach((data, c) => channels[c]?.set(data.subarray(0, decoded.samplesDecoded), at));
      at += decoded.samplesDecoded;
    });
  } finally {
    decoder.free();
  }
  const gain = 10 ** (stream.outputGain / (20 * 256));
  return {
    sampleRate,
    channels: channels.map((c) => {
      const out = c.slice(skip, skip + length);
      if (gain !== 1) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * gain;
      return out;
    }),
  };
}
