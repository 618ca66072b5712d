// What streamed envelopes (version 4) leave behind in libsodium's wasm heap: seals and opens many
// small ones (and, apart, opens that fail and seals that are abandoned) and reports the heap bytes
// per envelope still taken afterwards. libsodium's module exposes no allocator statistics, so the
// heap's in-use top is probed: the address malloc gives a fresh 52-byte block, before and after
// (freed at once). A leak moves it up by what each envelope keeps; none leaves it where it was.
import { concatBytes } from '../audio/bytes';
import { openEnvelope } from '../audio/envelope';
import { EnvelopeStreamSealer } from '../audio/envelope-stream';
import { generatePartyKeys, publicKeys } from '../pairing/identity';
import type { Sodium } from '../pairing/sodium';

interface HeapProbe {
  readonly HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(address: number): void;
}

/** Where malloc places a 52-byte block now (the size of a secretstream state). */
function heapTop(sodium: Sodium): number {
  const module = (sodium as unknown as { libsodium: HeapProbe }).libsodium;
  const address = module._malloc(52);
  module._free(address);
  return address;
}

export interface EnvelopeHeapFigures {
  readonly envelopes: number;
  /** Heap bytes kept per envelope sealed and then opened. */
  readonly sealedAndOpened: number;
  /** Per envelope whose opening fails (its last record altered). */
  readonly failedOpen: number;
  /** Per sealer abandoned before finish() (closed, as MessageStream.close() does). */
  readonly abandoned: number;
  /** The wasm memory's size at the end, bytes. */
  readonly wasmMemoryBytes: number;
}

export function measureEnvelopeHeap(sodium: Sodium, envelopes: number): EnvelopeHeapFigures {
  const [phone, toy] = [generatePartyKeys(sodium), generatePartyKeys(sodium)];
  const senders = [publicKeys(phone)];
  const audio = Uint8Array.from({ length: 200 }, (_, i) => i);
  const seal = (): EnvelopeStreamSealer => new EnvelopeStreamSealer(sodium, { sender: phone, recipients: [publicKeys(toy)], time: 1, maxAudioBytes: 256, maxPushes: 1 });
  const sealed = (): Uint8Array => {
    const sealer = seal();
    return concatBytes([sealer.header, sealer.push(audio), sealer.finish()]);
  };
  const perEnvelope = (work: () => void): number => {
    work(); // the first call's one-off allocations are not per envelope
    const before = heapTop(sodium);
    for (let i = 0; i < envelopes; i++) work();
    return Math.max(0, heapTop(sodium) - before) / envelopes;
  };
  const altered = sealed();
  altered[altered.length - 1]! ^= 1;
  return {
    envelopes,
    sealedAndOpened: perEnvelope(() => openEnvelope(sodium, sealed(), toy, { senders })),
    failedOpen: perEnvelope(() => {
      try {
        openEnvelope(sodium, altered, toy, { senders });
      } catch {
        // INTEGRITY, as expected: what it leaves behind is measured
      }
    }),
    abandoned: perEnvelope(() => {
      const sealer = seal();
      sealer.push(audio);
      sealer.close();
    }),
    wasmMemoryBytes: (sodium as unknown as { libsodium: HeapProbe }).libsodium.HEAPU8.length,
  };
}
