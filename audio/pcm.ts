// The in-memory audio value shared by every audio/ module: planar float samples in [-1, 1]
// (the representation both WAV variants and the Opus decoder map onto without loss).
import { AudioError } from './errors';

/** Uncompressed audio: one Float32Array per channel, all the same length. */
export interface Pcm {
  readonly sampleRate: number;
  readonly channels: readonly Float32Array[];
}

/** Rates plushlink accepts as input (the brief: 8-48 kHz), and the one it speaks. */
export const MIN_INPUT_RATE = 8000;
export const MAX_INPUT_RATE = 48000;
export const VOICE_SAMPLE_RATE = 16000;

export function pcmLength(pcm: Pcm): number {
  return pcm.channels[0]?.length ?? 0;
}

export function durationSeconds(pcm: Pcm): number {
  return pcmLength(pcm) / pcm.sampleRate;
}

/** Throws UNSUPPORTED_FORMAT unless the rate and channel count are ones plushlink handles. */
export function checkPcmShape(sampleRate: number, channelCount: number, what: string): void {
  if (!Number.isInteger(sampleRate) || sampleRate < MIN_INPUT_RATE || sampleRate > MAX_INPUT_RATE) {
    throw new AudioError('UNSUPPORTED_FORMAT', `${what} sample rate ${sampleRate} Hz is outside 8000-48000 Hz`);
  }
  if (channelCount !== 1 && channelCount !== 2) {
    throw new AudioError('UNSUPPORTED_FORMAT', `${what} has ${channelCount} channels; only mono and stereo are supported`);
  }
}

/** Averages the channels: for speech recorded in stereo the two sides carry the same voice. */
export function downmixToMono(pcm: Pcm): Pcm {
  if (pcm.channels.length === 1) return pcm;
  const length = pcmLength(pcm);
  const mono = new Float32Array(length);
  const scale = 1 / pcm.channels.length;
  for (const channel of pcm.channels) {
    for (let i = 0; i < length; i++) mono[i] = (mono[i] as number) + (channel[i] as number) * scale;
  }
  return { sampleRate: pcm.sampleRate, channels: [mono] };
}

/** Interleaved signed 16-bit little-endian samples, clamped (the form opusscript encodes). */
export function toInt16Interleaved(pcm: Pcm, start = 0, count = pcmLength(pcm) - start): Int16Array {
  const channelCount = pcm.channels.length;
  const out = new Int16Array(count * channelCount);
  for (let c = 0; c < channelCount; c++) {
    const channel = pcm.channels[c] as Float32Array;
    for (let i = 0; i < count; i++) {
      const s = channel[start + i] ?? 0;
      out[i * channelCount + c] = s >= 1 ? 32767 : s <= -1 ? -32768 : Math.round(s * 32767);
    }
  }
  return out;
}
