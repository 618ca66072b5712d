// Shared test material for audio/: real speech from espeak-ng, synthetic tones, and the
// measures the codec tests judge by (energy envelope, correlation, lag of best alignment).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteReader, ByteWriter, concatBytes } from '../../audio/bytes';
import { readEnvelopeHeader } from '../../audio/envelope';
import { AudioError } from '../../audio/errors';
import type { Pcm } from '../../audio/pcm';

/** A scratch directory removed when the test file ends. */
export function scratchDir(): { path: (name: string) => string; write: (name: string, bytes: Uint8Array) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-audio-'));
  return {
    path: (name) => join(dir, name),
    write: (name, bytes) => {
      writeFileSync(join(dir, name), bytes);
      return join(dir, name);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Speech as espeak-ng says it: a 22.05 kHz mono 16-bit WAV file's bytes. */
export function espeakWav(text: string): Uint8Array {
  const dir = scratchDir();
  try {
    execFileSync('espeak-ng', ['-w', dir.path('speech.wav'), text]);
    return new Uint8Array(readFileSync(dir.path('speech.wav')));
  } finally {
    dir.remove();
  }
}

export const GRANDMA = 'Hello sweetheart, this is grandma. I hope you had a lovely day at school. Sleep well, I love you.';

/** Runs a command-line tool and returns its stdout and stderr together. */
export function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function sine(sampleRate: number, frequency: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(sampleRate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
}

export function mono(sampleRate: number, samples: Float32Array): Pcm {
  return { sampleRate, channels: [samples] };
}

export function rms(x: Float32Array, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** RMS in consecutive windows: the loudness contour that makes speech recognisable. */
export function energyEnvelope(x: Float32Array, window: number): Float64Array {
  const out = new Float64Array(Math.floor(x.length / window));
  for (let w = 0; w < out.length; w++) out[w] = rms(x, w * window, (w + 1) * window);
  return out;
}

/** Normalised dot product of a[i] and b[i + lag] over where both exist. */
function normalisedDot(a: ArrayLike<number>, b: ArrayLike<number>, lag: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = Math.max(0, -lag); i < a.length && i + lag < b.length; i++) {
    const x = a[i] as number;
    const y = b[i + lag] as number;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Pearson correlation of two sequences over their common length. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  const centred = (x: ArrayLike<number>): Float64Array => {
    const values = Float64Array.from({ length: n }, (_, i) => x[i] as number);
    const mean = values.reduce((s, v) => s + v, 0) / n;
    return values.map((v) => v - mean);
  };
  return normalisedDot(centred(a), centred(b), 0);
}

/** Normalised cross-correlation of `b` shifted by `lag` samples against `a`. */
export function correlationAtLag(a: Float32Array, b: Float32Array, lag: number): number {
  return normalisedDot(a, b, lag);
}

/** The lag in [-maxLag, maxLag] at which `b` best matches `a`. */
export function bestLag(a: Float32Array, b: Float32Array, maxLag: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const value = correlationAtLag(a, b, lag);
    if (value > bestValue) [best, bestValue] = [lag, value];
  }
  return best;
}

/** Expects `fn` to throw an AudioError (anything else fails the test); returns the error. */
export function thrown(fn: () => unknown): AudioError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AudioError) return error;
    throw error;
  }
  throw new Error('expected an AudioError, nothing was thrown');
}

/** The same for a promise. */
export async function rejected(promise: Promise<unknown>): Promise<AudioError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AudioError) return error;
    throw error;
  }
  throw new Error('expected an AudioError, the promise resolved');
}

/** Runs a parser on arbitrary input: it may succeed or throw an AudioError, nothing else. */
export function parsesOrAudioError(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof AudioError)) throw error;
  }
  return true;
}

/** A streamed envelope (version 4) cut into its header and its body's records ([u16 length | ciphertext] each). */
export function envelopeRecords(envelope: Uint8Array): { header: Uint8Array; records: Uint8Array[] } {
  const { bodyLength } = readEnvelopeHeader(envelope);
  const header = envelope.subarray(0, envelope.length - bodyLength);
  const r = new ByteReader(envelope.subarray(header.length), 'body');
  const out: Uint8Array[] = [];
  while (r.remaining > 0) {
    const length = r.u16be('length');
    out.push(concatBytes([new ByteWriter().u16be(length).finish(), r.bytes(length, 'record')]));
  }
  return { header, records: out };
}
