// The secure protocol on the realistic radio: how long a sealed voice message of a given length
// takes from the client library to the simulated toy (sent, stored and acknowledged), in
// simulated time, for one link configuration. The phone is paired first; the message is sealed
// before the clock starts (sealing and Opus encoding take no air time).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../audio/wav';
import { sealVoiceMessage } from '../audio/voice-message';
import { MemoryPhoneStore } from '../client/phone-store';
import { ToyClient } from '../client/toy-client';
import { ToyFirmware } from '../firmware-sim/firmware';
import { ToyGattServer } from '../firmware-sim/gatt-server';
import { speechLike } from '../firmware-sim/microphone';
import { sodiumReady } from '../pairing/sodium';
import { Air } from '../radio/air';
import type { Phy } from '../radio/link';
import { loadBleno } from '../radio/loaders';

export interface SecureTransferRun {
  readonly phy: Phy;
  readonly dataLength: number;
  readonly intervalMs: number;
  readonly messageSeconds: number;
  /** Where to write a sniffer capture of the air (pcap), if anywhere. */
  readonly snifferPath?: string;
  /** Messages sent one after another in the same session (default 1); times cover them all. */
  readonly messages?: number;
}

export interface SecureTransferResult {
  readonly envelopeBytes: number;
  /** From the first offer to the toy's "stored". */
  readonly simulatedSeconds: number;
  /** Envelope bits per simulated second, end to end. */
  readonly bitsPerSecond: number;
  /** From the offer to the first acknowledgement: the "where were we?" round trip and a first batch. */
  readonly startSeconds: number;
  /** Envelope bits per simulated second between the first and the last acknowledgement. */
  readonly dataPhaseBitsPerSecond: number;
  readonly wallSeconds: number;
}

/** Sealed voice messages by length, made once per process (encoding 40 s takes a while). */
const sealedCache = new Map<number, Uint8Array>();

export async function measureSecureTransfer(run: SecureTransferRun): Promise<SecureTransferResult> {
  const wallStart = performance.now();
  const sodium = await sodiumReady();
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-bench-'));
  const air = new Air({ seed: 3, clock: 'realistic', link: { intervalMs: run.intervalMs, phy: run.phy, dataLength: run.dataLength }, ...(run.snifferPath ? { snifferPath: run.snifferPath } : {}) });
  try {
    const firmware = await ToyFirmware.boot({ dir });
    await ToyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'toy' }).bleno, firmware);
    const phone = await ToyClient.create({ radio: { kind: 'virtual', air }, store: MemoryPhoneStore.create(sodium), label: 'bench' });
    await firmware.pawPress();
    const session = await phone.pair(firmware.identity.toyId, { code: firmware.identity.code }, { timeoutMs: 60_000 });
    let wav = sealedCache.get(run.messageSeconds);
    if (!wav) {
      wav = writeWav({ sampleRate: 16000, channels: [speechLike(16000 * run.messageSeconds, 5)] });
      sealedCache.set(run.messageSeconds, wav);
    }
    const recording = wav;
    const envelopes = Array.from({ length: run.messages ?? 1 }, (_, i) => sealVoiceMessage(sodium, { recording, sender: phone.keysFor(firmware.identity.toyId), recipients: [session.bond.peer], now: Date.now() + i }).envelope);
    const envelopeBytes = envelopes.reduce((sum, e) => sum + e.length, 0);
    await air.clock.idle();
    const start = air.clock.now();
    let firstProgress: number | undefined;
    let firstBytes: number | undefined;
    let lastProgress = start;
    let sentBefore = 0;
    for (const envelope of envelopes) {
      await session.sendSealed(envelope, {
        stallMs: 120_000,
        onProgress: (p) => {
          if (firstProgress === undefined) {
            firstProgress = air.clock.now();
            firstBytes = p.bytesDone;
          }
          lastProgress = air.clock.now();
        },
      });
      sentBefore += envelope.length;
    }
    const end = air.clock.now();
    const simulatedSeconds = (end - start) / 1000;
    const first = firstProgress ?? end;
    await session.disconnect();
    return {
      envelopeBytes: sentBefore,
      simulatedSeconds,
      bitsPerSecond: (envelopeBytes * 8) / simulatedSeconds,
      startSeconds: (first - start) / 1000,
      dataPhaseBitsPerSecond: (firstBytes === undefined ? 0 : (envelopeBytes - firstBytes) * 8) / Math.max(1e-9, (lastProgress - first) / 1000),
      wallSeconds: (performance.now() - wallStart) / 1000,
    };
  } finally {
    air.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
