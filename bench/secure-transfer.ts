// The secure protocol on the realistic radio: how long a sealed voice message of a given length
// takes from the client library's call to the phone hearing the toy's "stored", in simulated
// time, for one link configuration, and where that time goes on the air. The phone is paired
// first; the message is sealed before the clock starts (sealing and Opus encoding take no air time).
//
// When the call is made matters by up to one connection interval: the first packet waits for the
// link's next anchor. An app's call lands at a random point of the interval, so the call is placed
// at `phases` points spread evenly over it (relative to the anchor) and the times are averaged;
// one more call placed right after an event (the longest wait, as the first version of this bench
// measured) is reported beside it.
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
import { Air, type AirPacket } from '../radio/air';
import type { Phy } from '../radio/link';
import { loadBleno } from '../radio/loaders';
import { type ConnectionEventSummary, connectionEvents } from './connection-event-summary';

export interface SecureTransferRun {
  readonly phy: Phy;
  readonly dataLength: number;
  readonly intervalMs: number;
  readonly messageSeconds: number;
  /** Where to write a sniffer capture of the air (pcap), if anywhere. */
  readonly snifferPath?: string;
  /** Messages sent one after another in each call (default 1); times cover them all. */
  readonly messages?: number;
  /** Calls placed evenly over the connection interval (default 4); 0 measures only the call right after an event. */
  readonly phases?: number;
  /** Opus encoder complexity of the message (default: the codec's default). */
  readonly complexity?: number;
}

/** Where one call's time went, in simulated milliseconds (they add up to its total). */
export interface TransferTimeline {
  /** From the call to the first packet of the transfer: waiting for the link's next anchor. */
  readonly waitMs: number;
  /** From the first packet to the last one the phone sends: the bytes travelling. */
  readonly sendingMs: number;
  /** From the phone's last packet to the phone hearing "stored": the toy's answer. */
  readonly answerMs: number;
}

export interface SecureTransferResult {
  readonly envelopeBytes: number;
  /** Mean over the phases (or the call right after an event when phases is 0): call to "stored" heard by the phone. */
  readonly simulatedSeconds: number;
  /** Envelope bits per simulated second, end to end, from simulatedSeconds. */
  readonly bitsPerSecond: number;
  /** Each phase's seconds, in phase order. */
  readonly phaseSeconds: readonly number[];
  /** The call placed right after an event (the longest wait for an anchor). */
  readonly afterEventSeconds: number;
  readonly afterEventBitsPerSecond: number;
  /** Mean over the calls averaged in simulatedSeconds. */
  readonly timeline: TransferTimeline;
  /** From the call to the first acknowledgement. */
  readonly startSeconds: number;
  /** Envelope bits per simulated second between the first and the last acknowledgement. */
  readonly dataPhaseBitsPerSecond: number;
  /** Link-layer packets the phone sent per call (data channel, not empty), and the toy sent back. */
  readonly phonePackets: number;
  readonly toyPackets: number;
  /** The connection events of the first call averaged, in order. */
  readonly events: readonly ConnectionEventSummary[];
  readonly wallSeconds: number;
}

/** Sealed voice messages by length, made once per process (encoding 40 s takes a while). */
const wavCache = new Map<number, Uint8Array>();

/** One call's figures: those the result averages over calls, and its simulated seconds. */
interface Call extends Pick<SecureTransferResult, 'timeline' | 'startSeconds' | 'dataPhaseBitsPerSecond' | 'phonePackets' | 'toyPackets' | 'events'> {
  readonly seconds: number;
}

export async function measureSecureTransfer(run: SecureTransferRun): Promise<SecureTransferResult> {
  const wallStart = performance.now();
  const sodium = await sodiumReady();
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-bench-'));
  const air = new Air({ seed: 3, clock: 'realistic', link: { intervalMs: run.intervalMs, phy: run.phy, dataLength: run.dataLength }, ...(run.snifferPath ? { snifferPath: run.snifferPath } : {}) });
  // Data-channel packets as the sniffer sees them: anchors (the central's first packet of an
  // event) and what each call put on the air.
  let packets: AirPacket[] = [];
  // Empty packets too: they show how long each connection event stayed open.
  let everyPacket: AirPacket[] = [];
  let lastAnchorUs = 0;
  let lastCentralUs = -Infinity;
  const stopObserving = air.observe((p) => {
    if (p.direction === undefined) return;
    if (p.direction === 'central') {
      // Exchanges inside an event follow each other within ~2.2 ms (the longest 1M packet pair);
      // a longer gap starts a new event at its anchor.
      if (p.timeUs - lastCentralUs > 2500) lastAnchorUs = p.timeUs;
      lastCentralUs = p.timeUs;
    }
    everyPacket.push(p);
    if (p.pdu.length > 2) packets.push(p);
  });
  try {
    // The toy drops a central without a session after 5 s of wall time; on the realistic clock a
    // loaded machine can take longer than that to compute the pairing's simulated events.
    const firmware = await ToyFirmware.boot({ dir, handshakeTimeoutMs: 600_000 });
    await ToyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'toy' }).bleno, firmware);
    const phone = await ToyClient.create({ radio: { kind: 'virtual', air }, store: MemoryPhoneStore.create(sodium), label: 'bench' });
    await firmware.pawPress();
    const session = await phone.pair(firmware.identity.toyId, { code: firmware.identity.code }, { timeoutMs: 60_000 });
    let wav = wavCache.get(run.messageSeconds);
    if (!wav) {
      wav = writeWav({ sampleRate: 16000, channels: [speechLike(16000 * run.messageSeconds, 5)] });
      wavCache.set(run.messageSeconds, wav);
    }
    const recording = wav;
    let sealed = 0;
    // Same audio each call; a new id and time each, so the toy takes each as a new message.
    const seal = (): Uint8Array =>
      sealVoiceMessage(sodium, { recording, sender: phone.keysFor(firmware.identity.toyId), recipients: [session.bond.peer], now: Date.now() + sealed++, ...(run.complexity !== undefined && { complexity: run.complexity }) }).envelope;
    const intervalUs = run.intervalMs * 1000;

    /** One call at simulated `startUs` (or now): sends `messages` envelopes and times them. */
    let played = 0;
    firmware.on('played', () => played++);
    let sent = 0;
    const call = async (envelopes: readonly Uint8Array[], startUs?: number): Promise<Call> => {
      // The toy plays each message after storing it (decoding takes wall time) and then tells the
      // phone: wait for that, so its notification does not land inside the next call.
      while (played < sent) await new Promise((resolve) => setTimeout(resolve, 5));
      await air.clock.idle();
      if (startUs !== undefined) await air.clock.sleep(Math.max(0, startUs / 1000 - air.clock.now()));
      packets = [];
      everyPacket = [];
      const envelopeBytes = envelopes.reduce((sum, e) => sum + e.length, 0);
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
              firstBytes = sentBefore + p.bytesDone;
            }
            lastProgress = air.clock.now();
          },
        });
        sentBefore += envelope.length;
        sent++;
      }
      const end = air.clock.now();
      const mine = packets;
      const fromPhone = mine.filter((p) => p.direction === 'central');
      const firstMs = (fromPhone[0]?.timeUs ?? end * 1000) / 1000;
      const lastMs = (fromPhone.at(-1)?.timeUs ?? end * 1000) / 1000;
      const first = firstProgress ?? end;
      return {
        seconds: (end - start) / 1000,
        timeline: { waitMs: firstMs - start, sendingMs: lastMs - firstMs, answerMs: end - lastMs },
        startSeconds: (first - start) / 1000,
        dataPhaseBitsPerSecond: (firstBytes === undefined ? 0 : (envelopeBytes - firstBytes) * 8) / Math.max(1e-9, (lastProgress - first) / 1000),
        phonePackets: fromPhone.length,
        toyPackets: mine.length - fromPhone.length,
        events: connectionEvents(everyPacket, start),
      };
    };
    const messages = run.messages ?? 1;
    const batch = (): Uint8Array[] => Array.from({ length: messages }, seal);
    const first = batch();
    const envelopeBytes = first.reduce((sum, e) => sum + e.length, 0);
    const afterEvent = await call(first);
    const phases = run.phases ?? 4;
    const spread: Call[] = [];
    for (let k = 0; k < phases; k++) {
      const envelopes = batch();
      while (played < sent) await new Promise((resolve) => setTimeout(resolve, 5));
      await air.clock.idle();
      // The k-th of `phases` points spread evenly over the interval after an anchor, at or after now.
      let at = lastAnchorUs + ((k + 0.5) / phases) * intervalUs;
      while (at < air.clock.now() * 1000) at += intervalUs;
      spread.push(await call(envelopes, at));
    }
    const averaged = spread.length > 0 ? spread : [afterEvent];
    const mean = (f: (c: Call) => number): number => averaged.reduce((s, c) => s + f(c), 0) / averaged.length;
    const simulatedSeconds = mean((c) => c.seconds);
    await session.disconnect();
    return {
      envelopeBytes,
      simulatedSeconds,
      bitsPerSecond: (envelopeBytes * 8) / simulatedSeconds,
      phaseSeconds: spread.map((c) => c.seconds),
      afterEventSeconds: afterEvent.seconds,
      afterEventBitsPerSecond: (envelopeBytes * 8) / afterEvent.seconds,
      timeline: { waitMs: mean((c) => c.timeline.waitMs), sendingMs: mean((c) => c.timeline.sendingMs), answerMs: mean((c) => c.timeline.answerMs) },
      startSeconds: mean((c) => c.startSeconds),
      dataPhaseBitsPerSecond: mean((c) => c.dataPhaseBitsPerSecond),
      phonePackets: afterEvent.phonePackets,
      toyPackets: afterEvent.toyPackets,
      events: (averaged[0] as Call).events,
      wallSeconds: (performance.now() - wallStart) / 1000,
    };
  } finally {
    stopObserving();
    air.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
