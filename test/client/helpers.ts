// What the end-to-end specifications share: voices to send, a wrong code the phone accepts as
// well formed, a clock the test moves, a toy paired to an owner, and "what did this throw".
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ToyClient } from '../../client/toy-client';
import type { ToySession } from '../../client/toy-session';
import { writeWav } from '../../audio/wav';
import { speechLike } from '../../firmware-sim/microphone';
import { dammCheckDigit } from '../../pairing/code';
import { correlation, energyEnvelope } from '../audio/fixtures';
import { createWorld, type ToyOptions, type World, type WorldToy } from './world';

export const RATE = 16000;

export function voice(seconds: number, seed = 3): Float32Array {
  return speechLike(Math.round(RATE * seconds), seed);
}

export function voiceWav(seconds: number, seed = 3): Uint8Array {
  return writeWav({ sampleRate: RATE, channels: [voice(seconds, seed)] });
}

/** A long message: 6 s of voice said again and again (synthesising 36 s takes seconds under jest). */
export function longVoiceWav(seconds: number, seed = 3): Uint8Array {
  const part = voice(6, seed);
  const samples = new Float32Array(Math.round(RATE * seconds));
  for (let at = 0; at < samples.length; at += part.length) samples.set(part.subarray(0, samples.length - at), at);
  return writeWav({ sampleRate: RATE, channels: [samples] });
}

/** Full-scale random +-1 samples: the most bytes libopus spends at the voice bitrate (~33 kbit/s). */
export function loudNoiseWav(seconds: number, seed = 7): Uint8Array {
  const samples = new Float32Array(RATE * seconds);
  let state = seed;
  for (let i = 0; i < samples.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    samples[i] = state & 0x10000 ? 1 : -1;
  }
  return writeWav({ sampleRate: RATE, channels: [samples] });
}

/** Correlation of two signals' 10 ms loudness contours: ~1 for the same speech, far lower otherwise. */
export function envelopeCorrelation(a: Float32Array, b: Float32Array): number {
  return correlation(energyEnvelope(a, RATE / 100), energyEnvelope(b, RATE / 100));
}

/** A well-formed code (right check digit) that is not the toy's. */
export function wrongCode(code: string): string {
  const body = `${(Number(code[0]) + 1) % 10}${code.slice(1, 9)}`;
  return body + String(dammCheckDigit(body));
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_750_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** The error a promise rejected with (fails the test if it resolved). */
export async function thrown(work: Promise<unknown>): Promise<{ code: string; retryAfterMs?: number; details: Record<string, unknown>; message: string }> {
  try {
    await work;
  } catch (error) {
    return error as { code: string; retryAfterMs?: number; details: Record<string, unknown>; message: string };
  }
  throw new Error('expected a rejection, it resolved');
}

/** A toy with its first phone paired as owner; the session is left open. */
export async function ownedToy(world: World, label = 'Parent', options: ToyOptions = {}): Promise<{ toy: WorldToy; phone: ToyClient; session: ToySession }> {
  const toy = await world.toy(options);
  const phone = await world.phone(label);
  await toy.firmware.pawPress();
  // The phone holds its bond one message before the toy does (the toy stores it at the phone's
  // acknowledgement), so wait for the toy's side too.
  const stored = new Promise((resolve) => toy.firmware.once('paired', resolve));
  const session = await phone.pair(toy.firmware.identity.toyId, { code: toy.firmware.identity.code });
  await stored;
  return { toy, phone, session };
}

/** Every file's bytes under a folder, for "no byte of it is left" checks. */
export function filesUnder(dir: string): Buffer[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((name) => join(dir, name)).filter((p) => statSync(p).isFile()).map((p) => readFileSync(p));
}

export function containsBytes(files: readonly Buffer[], needle: Uint8Array): boolean {
  return files.some((file) => file.includes(Buffer.from(needle)));
}

/** Waits until `condition` holds (polling), or fails after `ms`. */
export async function until(condition: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A fresh world for each test of the enclosing describe block, closed after it. */
export function useWorld(seed: number): () => World {
  let world: World | undefined;
  beforeEach(() => {
    world = createWorld(seed);
  });
  afterEach(() => world?.close());
  return () => world!;
}
