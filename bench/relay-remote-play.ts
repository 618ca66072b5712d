// Part of bench:relay: the time from grandma's sendRemote() to the toy playing her message, on the
// fast clock: the toy (firmware on bleno) and the parent's phone (ToyClient on noble) on one
// virtual air, a relay on loopback (SQLite, in this process), grandma's phone far away (no radio).
// The parent's phone bridges as `plushlink bridge --watch` would, but waking on the relay's long
// poll instead of a timer. Also timed: sendRemote() alone (Opus encoding, sealing, the upload), and
// the toy's "played" receipt on its way back until grandma's inbox yields it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../audio/wav';
import { acceptGrant } from '../client/accept-grant';
import { FamilyRelay, type FamilyInboxItem, type FamilyPhone } from '../client/family-relay';
import { MemoryPhoneStore } from '../client/phone-store';
import { newRelayId } from '../client/relay-client';
import { ToyClient } from '../client/toy-client';
import { ToyFirmware } from '../firmware-sim/firmware';
import { ToyGattServer } from '../firmware-sim/gatt-server';
import { speechLike } from '../firmware-sim/microphone';
import { keysForToy, publicKeys } from '../pairing/identity';
import { parseToyId } from '../pairing/qr';
import type { Sodium } from '../pairing/sodium';
import { Air } from '../radio/air';
import { loadBleno } from '../radio/loaders';
import { DEFAULT_RELAY_CONFIG } from '../relay/config';
import { startRelay } from '../relay/server';
import { openStore } from '../relay/store/open-store';

const RATE = 16000;

const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const round = (x: number): number => Math.round(x * 10) / 10;
const summary = (xs: readonly number[]) => ({ p50: round(percentile(xs, 0.5)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), runs: xs.map(round) });

/** A phone far from the toy: a store and per-toy keys, no radio. */
function farPhone(sodium: Sodium): FamilyPhone & { store: MemoryPhoneStore } {
  const store = MemoryPhoneStore.create(sodium);
  return { sodium, store, keysFor: (toyId) => keysForToy(sodium, store.keys, parseToyId(toyId)) };
}

export async function remotePlayTimes(sodium: Sodium, messages = 7, seconds = 2): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-bench-remote-'));
  const air = new Air({ seed: 11 });
  const radio = { kind: 'virtual' as const, air };
  const store = await openStore({ dir: join(dir, 'relay') });
  const relay = await startRelay({ ...DEFAULT_RELAY_CONFIG, port: 0, logLevel: 'silent', ratePerMinute: 100_000 }, { store });
  const firmware = await ToyFirmware.boot({ dir: join(dir, 'toy'), capacityBytes: 16 * 1024 * 1024 });
  await ToyGattServer.start(loadBleno(radio, { name: 'toy' }).bleno, firmware);
  const toyId = firmware.identity.toyId;
  const parent = await ToyClient.create({ radio, store: MemoryPhoneStore.create(sodium), label: 'parent' });
  const grandma = farPhone(sodium);
  const stop = new AbortController();
  try {
    await firmware.pawPress();
    const session = await parent.pair(toyId, { code: firmware.identity.code });
    // Grandma joins by her keys (how she joins does not matter to this timing; the tests run the remote invitation).
    const { grant } = await session.addMember(publicKeys(grandma.keysFor(toyId)), 'Grandma');
    acceptGrant(grandma.store, grant, Date.now());
    const mailbox = newRelayId(sodium);
    const home = new FamilyRelay(parent, { url: relay.url, mailbox, toyId });
    const far = new FamilyRelay(grandma, { url: relay.url, mailbox, toyId });
    await home.relay.putRoster(mailbox, 1, [home.relay.keyId, far.relay.keyId]);

    // The bridge at home: a long poll on the mailbox, a bridge pass as soon as something waits.
    const bridging = (async () => {
      while (!stop.signal.aborted) {
        const waiting = await home.relay.pending(mailbox, 5).catch(() => []);
        if (waiting.length > 0 && !stop.signal.aborted) await home.bridge(session);
      }
    })();
    const receipts = far.inbox({ waitSeconds: 5, signal: stop.signal });

    const wav = writeWav({ sampleRate: RATE, channels: [speechLike(RATE * seconds, 5)] });
    const toPlayed: number[] = [];
    const sendRemote: number[] = [];
    const toReceipt: number[] = [];
    for (let i = 0; i < messages; i++) {
      const played = new Promise<{ id: string; at: number }>((resolve) => firmware.once('played', (p) => resolve({ id: p.id, at: performance.now() })));
      const t0 = performance.now();
      const id = await far.sendRemote(wav);
      sendRemote.push(performance.now() - t0);
      const { id: playedId, at } = await played;
      if (playedId !== id) throw new Error(`the toy played ${playedId}, not ${id}`);
      toPlayed.push(at - t0);
      const item = (await receipts.next()).value as FamilyInboxItem | undefined;
      if (item?.kind !== 'receipt' || item.receipt.message !== id) throw new Error(`grandma got no receipt for ${id}`);
      toReceipt.push(performance.now() - at);
      await item.acknowledge();
    }
    stop.abort();
    await receipts.return(undefined);
    await bridging;
    await session.disconnect();
    return {
      messages,
      messageSeconds: seconds,
      sendRemoteToPlayedMs: summary(toPlayed),
      sendRemoteCallMs: summary(sendRemote),
      playedToReceiptAtSenderMs: summary(toReceipt),
      method:
        "performance.now() in one process holding the toy (firmware on bleno) and the parent's phone (ToyClient on noble) on one virtual air on the fast clock, a relay on loopback (SQLite, same process) and grandma's phone (no radio). sendRemoteToPlayedMs: from calling grandma's sendRemote(WAV) (Opus encoding, sealing, padding, the signed upload) until the toy's 'played' event; the parent's phone bridges over an open session, woken by the relay's long poll. sendRemoteCallMs: sendRemote() alone. playedToReceiptAtSenderMs: from the toy playing until grandma's inbox() yields the toy's sealed receipt (the bridge takes it from the toy with take-receipts and posts it, grandma's long poll wakes, fetch, open).",
    };
  } finally {
    stop.abort();
    await relay.close();
    await store.close();
    air.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
