// Codec benchmark: how fast plushlink encodes and decodes voice (as multiples of real time), how
// many bytes a second of voice costs, and what each encoder complexity costs in quality (an
// objective measure, bench/speech-quality.ts), on espeak-ng speech. Prints one JSON object.
// Run: npx tsx bench/codec.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_COMPLEXITY, decodeOpus, encodeOpus, VOICE_BITRATE } from '../audio/opus-codec';
import { writeOggOpus } from '../audio/ogg-opus';
import { downmixToMono } from '../audio/pcm';
import { resample } from '../audio/resample';
import { readWav } from '../audio/wav';
import { type SpeechQuality, speechQuality } from './speech-quality';

const TEXT =
  'Once upon a time, in a house at the edge of the woods, there lived a small bear who loved stories. ' +
  'Every night, before he went to sleep, his grandmother told him one about the stars, the river and the moon.';

function speech(): ReturnType<typeof readWav> {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-bench-'));
  try {
    execFileSync('espeak-ng', ['-w', join(dir, 'speech.wav'), TEXT]);
    return readWav(new Uint8Array(readFileSync(join(dir, 'speech.wav'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function timed<T>(fn: () => T, repeat: number): { result: T; seconds: number } {
  const start = process.hrtime.bigint();
  let result = fn();
  for (let i = 1; i < repeat; i++) result = fn();
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 / repeat };
}

async function main(): Promise<void> {
  const original = downmixToMono(speech());
  const input = resample(original, 16000);
  const audioSeconds = (input.channels[0]?.length ?? 0) / 16000;
  encodeOpus(input); // warm up wasm
  // Every complexity: speed, size, and quality against the original speech after decoding (see
  // bench/speech-quality.ts), with the cost against complexity 10 (libopus's best).
  const encodes = [];
  let best: SpeechQuality | undefined;
  for (const complexity of [10, 8, 6, 5, 4, 3, 2, 1, 0]) {
    const { result, seconds } = timed(() => encodeOpus(input, { complexity }), 3);
    const quality = speechQuality(input.channels[0]!, (await decodeOpus(result)).channels[0]!, 16000);
    best ??= quality;
    encodes.push({
      complexity,
      ...(complexity === DEFAULT_COMPLEXITY && { default: true }),
      xRealTime: round(audioSeconds / seconds),
      opusBytesPerSecond: round(result.packets.reduce((n, p) => n + p.length, 0) / audioSeconds),
      snrDb: round2(quality.snrDb),
      segmentalSnrDb: round2(quality.segmentalSnrDb),
      logSpectralDistanceDb: round2(quality.logSpectralDistanceDb),
      costAgainstComplexity10: { snrDb: round2(quality.snrDb - best.snrDb), segmentalSnrDb: round2(quality.segmentalSnrDb - best.segmentalSnrDb), logSpectralDistanceDb: round2(quality.logSpectralDistanceDb - best.logSpectralDistanceDb) },
    });
  }
  const stream = encodeOpus(input);
  await decodeOpus(stream);
  const start = process.hrtime.bigint();
  const repeat = 5;
  for (let i = 0; i < repeat; i++) await decodeOpus(stream);
  const decodeSeconds = Number(process.hrtime.bigint() - start) / 1e9 / repeat;
  const opusBytes = stream.packets.reduce((n, p) => n + p.length, 0);
  const oggBytes = writeOggOpus(stream).length;
  const resampleRun = timed(() => resample(original, 16000), 3);
  console.log(
    JSON.stringify(
      {
        audio: { source: 'espeak-ng speech, 22.05 kHz resampled to 16 kHz mono', seconds: round(audioSeconds) },
        bitrateTarget: VOICE_BITRATE,
        encode: encodes,
        qualityMethod: 'decoded against the original after alignment: waveform SNR, segmental SNR (20 ms frames, clamped to [-10, 35] dB, quiet frames left out) and log-spectral distance (32 ms Hann frames, 0-8 kHz; lower is better); costs are differences from complexity 10 (negative SNR = worse, positive distance = worse). PESQ and ViSQOL are not available on these machines.',
        decode: { sampleRate: 16000, xRealTime: round(audioSeconds / decodeSeconds) },
        resample: { from: original.sampleRate, to: 16000, xRealTime: round(audioSeconds / resampleRun.seconds) },
        bytesPerSecondOfVoice: { opusPackets: round(opusBytes / audioSeconds), oggFile: round(oggBytes / audioSeconds) },
        node: process.version,
      },
      null,
      2,
    ),
  );
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

void main();
