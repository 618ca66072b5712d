// npm run bench:envelope-heap [-- ENVELOPES]: the heap bytes each streamed envelope (version 4)
// leaves in libsodium's wasm heap, as JSON, with the goal (none) beside it.
import { sodiumReady } from '../pairing/sodium';
import { measureEnvelopeHeap } from './envelope-heap';

async function main(): Promise<void> {
  const envelopes = Number(process.argv[2] ?? 10_000);
  const figures = measureEnvelopeHeap(await sodiumReady(), envelopes);
  process.stdout.write(`${JSON.stringify({ bench: 'envelope-heap', goalBytesPerEnvelope: 0, ...figures }, null, 2)}\n`);
}

void main();
