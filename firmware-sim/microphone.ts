// The toy's microphone. It hears only what the simulation feeds it: a WAV file (a real voice, or
// espeak-ng's) or a generated speech-like voice. It is switched on by the paw button alone; no
// code path from the radio reaches it (see firmware.ts).
import { readFileSync } from 'node:fs';
import { downmixToMono, type Pcm, VOICE_SAMPLE_RATE } from '../audio/pcm';
import { resample } from '../audio/resample';
import { readWav } from '../audio/wav';

export type MicrophoneSource = { readonly kind: 'wav'; readonly path: string } | { readonly kind: 'generated'; readonly seed?: number };

export class Microphone {
  private take = 0;

  constructor(private readonly source: MicrophoneSource = { kind: 'generated' }) {}

  /** Captures `seconds` of 16 kHz mono sound. */
  capture(seconds: number): Pcm {
    const samples = Math.round(seconds * VOICE_SAMPLE_RATE);
    if (this.source.kind === 'wav') {
      const pcm = readWav(readFileSync(this.source.path));
      const mono = downmixToMono(pcm);
      const voice = mono.sampleRate === VOICE_SAMPLE_RATE ? mono : resample(mono, VOICE_SAMPLE_RATE);
      const data = voice.channels[0]!;
      return { sampleRate: VOICE_SAMPLE_RATE, channels: [data.slice(0, Math.min(samples, data.length))] };
    }
    return { sampleRate: VOICE_SAMPLE_RATE, channels: [speechLike(samples, (this.source.seed ?? 1) + this.take++)] };
  }
}

/**
 * A voice-like signal: a glottal-ish harmonic series on a wandering pitch, shaped by two vowel
 * formants, in syllables of about 200 ms. Deterministic for a seed, and speech-like enough that
 * Opus treats it as voice and its energy envelope survives coding.
 */
export function speechLike(samples: number, seed: number): Float32Array {
  const out = new Float32Array(samples);
  const rate = VOICE_SAMPLE_RATE;
  const vowels = [
    [730, 1090],
    [270, 2290],
    [300, 870],
    [530, 1840],
    [660, 1720],
  ] as const;
  let phase = 0;
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    const syllable = Math.floor(t / 0.2);
    const [f1, f2] = vowels[(syllable * 7 + seed) % vowels.length]!;
    const f0 = 150 + 40 * Math.sin(2 * Math.PI * 0.7 * t + seed) + 15 * Math.sin(2 * Math.PI * 3.1 * t);
    phase += (2 * Math.PI * f0) / rate;
    let value = 0;
    for (let h = 1; h * f0 < 4000; h++) {
      const f = h * f0;
      const weight = 1 / (1 + ((f - f1) / 90) ** 2) + 0.6 / (1 + ((f - f2) / 120) ** 2) + 0.02;
      value += (weight * Math.sin(h * phase)) / h;
    }
    const inSyllable = (t % 0.2) / 0.2;
    const envelope = Math.sin(Math.PI * inSyllable) ** 2 * ((syllable + seed) % 5 === 4 ? 0.1 : 1);
    out[i] = 0.35 * envelope * value;
  }
  return out;
}
