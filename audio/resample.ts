// Sample-rate conversion for voice input (44.1 kHz phone recordings, 22.05 kHz espeak, 48 kHz
// headsets ... to the 16 kHz plushlink encodes). A polyphase windowed-sinc filter: exact for
// any rational ratio, with a Kaiser window for a flat passband and ~80 dB of alias rejection,
// which is far below what a 16 kbit/s voice codec can hear. Written here rather than taken from
// npm because the maintained packages are either browser-only (Web Audio) or native builds.
import { AudioError } from './errors';
import type { Pcm } from './pcm';
import { pcmLength } from './pcm';

/** Zero crossings of the sinc on each side; 16 gives a ~0.1 x Nyquist transition band. */
const HALF_ZEROS = 16;
/** Kaiser beta 8.6: about 80 dB stopband attenuation. */
const KAISER_BETA = 8.6;
/** Passband edge as a fraction of the lower Nyquist; the rest is the transition band. */
const CUTOFF = 0.92;

interface FilterBank {
  /** Output samples per `down` input samples, reduced by their gcd. */
  readonly up: number;
  readonly down: number;
  /** Taps per phase, and `up` phases of them laid end to end. */
  readonly taps: number;
  readonly coefficients: Float32Array;
  /** Input index of tap 0 relative to floor(t). */
  readonly firstTap: number;
}

const banks = new Map<string, FilterBank>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

function filterBank(fromRate: number, toRate: number): FilterBank {
  const key = `${fromRate}>${toRate}`;
  const cached = banks.get(key);
  if (cached) return cached;
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  // Cutoff in cycles per input sample; downsampling narrows it to the output's Nyquist.
  const fc = (CUTOFF * Math.min(1, toRate / fromRate)) / 2;
  const halfWidth = HALF_ZEROS / (2 * fc);
  const firstTap = -Math.ceil(halfWidth) + 1;
  const taps = 2 * Math.ceil(halfWidth);
  const coefficients = new Float32Array(up * taps);
  const i0Beta = besselI0(KAISER_BETA);
  for (let phase = 0; phase < up; phase++) {
    const frac = phase / up;
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const x = firstTap + k - frac;
      const r = x / halfWidth;
      const window = Math.abs(r) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
      const arg = 2 * fc * x;
      const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      const h = 2 * fc * sinc * window;
      coefficients[phase * taps + k] = h;
      sum += h;
    }
    // Normalise each phase to unity DC gain so no phase ripples the level.
    for (let k = 0; k < taps; k++) coefficients[phase * taps + k] = (coefficients[phase * taps + k] as number) / sum;
  }
  const bank = { up, down, taps, coefficients, firstTap };
  banks.set(key, bank);
  return bank;
}

/** Output length for an input of `length` samples: the same duration, rounded to a sample. */
export function resampledLength(length: number, fromRate: number, toRate: number): number {
  return Math.round((length * toRate) / fromRate);
}

function resampleChannel(input: Float32Array, bank: FilterBank, outLength: number): Float32Array {
  const { up, down, taps, coefficients, firstTap } = bank;
  const out = new Float32Array(outLength);
  const last = input.length - 1;
  for (let n = 0; n < outLength; n++) {
    // Output n sits at input position n * down / up = base + phase / up.
    const position = n * down;
    const base = Math.floor(position / up);
    const phase = position - base * up;
    const offset = phase * taps;
    let acc = 0;
    const start = base + firstTap;
    if (start >= 0 && start + taps - 1 <= last) {
      for (let k = 0; k < taps; k++) acc += (input[start + k] as number) * (coefficients[offset + k] as number);
    } else {
      // Near the edges the signal is taken as silence beyond its ends.
      for (let k = 0; k < taps; k++) {
        const i = start + k;
        if (i >= 0 && i <= last) acc += (input[i] as number) * (coefficients[offset + k] as number);
      }
    }
    out[n] = acc;
  }
  return out;
}

/** Converts `pcm` to `toRate`, keeping its duration; a no-op when the rates already match. */
export function resample(pcm: Pcm, toRate: number): Pcm {
  if (!Number.isInteger(toRate) || toRate <= 0 || !Number.isInteger(pcm.sampleRate) || pcm.sampleRate <= 0) {
    throw new AudioError('INVALID_ARGUMENT', `cannot resample ${pcm.sampleRate} Hz to ${toRate} Hz`);
  }
  if (pcm.sampleRate === toRate) return pcm;
  const bank = filterBank(pcm.sampleRate, toRate);
  const outLength = resampledLength(pcmLength(pcm), pcm.sampleRate, toRate);
  return { sampleRate: toRate, channels: pcm.channels.map((c) => resampleChannel(c, bank, outLength)) };
}
