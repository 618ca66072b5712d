// Codec benchmark: how fast plushlink encodes and decodes voice (as multiples of real time) and
// how many bytes a second of voice costs, on espeak-ng speech. Prints one JSON object.
// Run: npx tsx bench/codec.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeOpus, encodeOpus, VOICE_BITRATE } from '../audio/opus-codec';
import { writeOggOpus } from '../audio/ogg-opus';
import { downmixToMono } from '../audio/pcm';
import { resample } from '../audio/resample';
import { readWav } from '../audio/wav';

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
  const encodes = [10, 5, 0].map((complexity) => {
    const { seconds } = timed(() => encodeOpus(input, { complexity }), 3);
    return { complexity, xRealTime: round(audioSeconds / seconds) };
  });
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

void main();
