// Streamed envelopes give back libsodium's heap: a toy that opens messages for years, or a phone
// that seals them, must not run out of wasm memory one 52-byte secretstream state at a time
// (libsodium-wrappers never frees those itself; docs/PROTOCOL.md section 10.3).
import { measureEnvelopeHeap } from '../../bench/envelope-heap';
import { sodiumReady } from '../../pairing/sodium';

describe("streamed envelopes and libsodium's heap", () => {
  it('keeps nothing per envelope sealed and opened, per failed opening, or per abandoned seal', async () => {
    const figures = measureEnvelopeHeap(await sodiumReady(), 300);
    // Unfreed, these were 112, 424 and 424 bytes per envelope: far above the allocator's jitter.
    expect(figures.sealedAndOpened).toBeLessThan(4);
    expect(figures.failedOpen).toBeLessThan(4);
    expect(figures.abandoned).toBeLessThan(4);
  });
});
