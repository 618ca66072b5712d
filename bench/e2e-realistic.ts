// A 40 s message's send on the realistic link (2M PHY, DLE, 15 ms interval), the old way (seal
// the whole envelope, then send it) and the new way (sendMessage encodes while sending: envelope
// version 4), in one run. Hosts take no simulated time on the realistic clock, so the encoder's
// measured wall time is charged to simulated time: the old path sleeps it before sending; the new
// path's encoder sleeps each slice's time (StreamOptions.encodeYield) while the air goes on. This
// models a phone whose encoder runs as fast as this machine's, beside a real radio.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../audio/wav';
import { MessageStream } from '../client/message-stream';
import { MemoryPhoneStore } from '../client/phone-store';
import { ToyClient } from '../client/toy-client';
import { ToyFirmware } from '../firmware-sim/firmware';
import { ToyGattServer } from '../firmware-sim/gatt-server';
import { speechLike } from '../firmware-sim/microphone';
import { sodiumReady } from '../pairing/sodium';
import { Air } from '../radio/air';
import { loadBleno } from '../radio/loaders';

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface RealisticSend {
  readonly send_ms: number;
  readonly blocked_on_encoder_ms: number;
  readonly blocked_fraction: number;
  readonly encode_cpu_ms: number;
  readonly air_only_ms: number;
}

export async function realisticSends(seconds: number, runs: number, goal: number): Promise<Record<string, unknown>> {
  const sodium = await sodiumReady();
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-bench-e2e-realistic-'));
  const air = new Air({ seed: 5, clock: 'realistic', link: { intervalMs: 15, phy: '2M', dataLength: 251 } });
  try {
    const firmware = await ToyFirmware.boot({ dir, handshakeTimeoutMs: 600_000, capacityBytes: 16 * 1024 * 1024 });
    await ToyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'toy' }).bleno, firmware);
    const phone = await ToyClient.create({ radio: { kind: 'virtual', air }, store: MemoryPhoneStore.create(sodium), label: 'bench' });
    await firmware.pawPress();
    const session = await phone.pair(firmware.identity.toyId, { code: firmware.identity.code }, { timeoutMs: 60_000 });
    const wav = writeWav({ sampleRate: 16000, channels: [speechLike(16000 * seconds, seconds)] });
    let played = 0;
    let sent = 0;
    firmware.on('played', () => played++);
    const settle = async (): Promise<void> => {
      while (played < sent) await new Promise((resolve) => setTimeout(resolve, 5));
      await air.clock.idle();
    };
    const timed = async (send: () => Promise<unknown>): Promise<number> => {
      await settle();
      const t0 = air.clock.now();
      await send();
      sent++;
      return air.clock.now() - t0;
    };
    const old: RealisticSend[] = [];
    const streamed: RealisticSend[] = [];
    for (let i = 0; i < runs; i++) {
      // Old: the whole envelope first (its encoding charged as simulated time), then the transfer.
      let encodeOld = 0;
      let airOld = 0;
      const sendOld = await timed(async () => {
        const w0 = performance.now();
        const envelope = session.sealMessage(wav);
        encodeOld = performance.now() - w0;
        await air.clock.sleep(encodeOld);
        const a0 = air.clock.now();
        await session.sendSealed(envelope, { stallMs: 120_000 });
        airOld = air.clock.now() - a0;
      });
      old.push({ send_ms: sendOld, blocked_on_encoder_ms: encodeOld, blocked_fraction: encodeOld / sendOld, encode_cpu_ms: encodeOld, air_only_ms: airOld });

      // New: encode while sending; then the same kind of envelope, already made, alone on the air.
      let encodeNew = 0;
      const sendNew = await timed(() =>
        session.sendMessage(wav, {
          stallMs: 120_000,
          encodeYield: (ms) => {
            encodeNew += ms;
            return air.clock.sleep(ms);
          },
        }),
      );
      const made = new MessageStream(sodium, wav, phone.keysFor(firmware.identity.toyId), session.bond.peer, Date.now());
      const envelope = made.envelope();
      const airNew = await timed(() => session.sendSealed(envelope, { stallMs: 120_000 }));
      const blocked = Math.max(0, sendNew - airNew);
      streamed.push({ send_ms: sendNew, blocked_on_encoder_ms: blocked, blocked_fraction: blocked / sendNew, encode_cpu_ms: encodeNew, air_only_ms: airNew });
    }
    await settle();
    await session.disconnect();
    const summarize = (xs: readonly RealisticSend[]) => {
      const keys = ['send_ms', 'blocked_on_encoder_ms', 'encode_cpu_ms', 'air_only_ms'] as const;
      const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, r1(median(xs.map((x) => x[k])))]));
      out.blocked_fraction = r3(median(xs.map((x) => x.blocked_fraction)));
      return { ...out, blocked_fraction: out.blocked_fraction as number, runs: xs.map((x) => ({ send_ms: r1(x.send_ms), blocked_on_encoder_ms: r1(x.blocked_on_encoder_ms), encode_cpu_ms: r1(x.encode_cpu_ms) })) };
    };
    const newSummary = summarize(streamed);
    return {
      link: '2M PHY, DLE (251), 15 ms interval: radio/realistic-clock.ts (simulated time)',
      message_seconds: seconds,
      encode_then_send: summarize(old),
      encode_while_sending: newSummary,
      goal: { blocked_fraction_at_most: goal, met: newSummary.blocked_fraction <= goal },
      method:
        'Simulated milliseconds on the realistic clock, median of runs. encode_cpu_ms: wall time this machine spent in Opus encoding and sealing, charged to simulated time (hosts take none by themselves): the old path sleeps it before sendSealed(), the new one sleeps each 10-frame slice while the link goes on (StreamOptions.encodeYield). blocked_on_encoder_ms: the old path, all of its encoding; the new path, its send time less the time the same kind of envelope (version 4, already made) takes alone on the air (air_only_ms): what the send waited for the encoder. blocked_fraction = blocked / send_ms.',
    };
  } finally {
    air.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
