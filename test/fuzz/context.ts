// Everything the targets share, built once per process: seeded libsodium and the genuine
// pairing/ and audio/ material. Async only because libsodium's wasm loads asynchronously.
import { sodiumReady } from '../../pairing/sodium';
import { type SeededSodium, seededSodium } from './deterministic-sodium';
import { type GenuineAudio, buildGenuineAudio } from './genuine-audio';
import { type GenuinePairing, buildGenuinePairing } from './genuine-pairing';

export interface FuzzContext extends SeededSodium {
  readonly pairing: GenuinePairing;
  readonly audio: GenuineAudio;
}

let context: Promise<FuzzContext> | undefined;

export function fuzzContext(): Promise<FuzzContext> {
  context ??= sodiumReady().then((real) => {
    const seeded = seededSodium(real, 'plushlink fuzz genuine material v1');
    const pairing = buildGenuinePairing(seeded.sodium);
    const audio = buildGenuineAudio(seeded.sodium);
    return { ...seeded, pairing, audio };
  });
  return context;
}
