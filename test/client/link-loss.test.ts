// The client never hangs: when the toy dies, every pending call ends with LINK_LOST within the
// link's supervision timeout (on the fast and on the realistic clock), the session says it is
// closed, and hanging up still settles. Long calls stop on an AbortSignal; a machine without a
// Bluetooth adapter is a typed error.
import { ToyClient } from '../../client/toy-client';
import type { ToySession } from '../../client/toy-session';
import { MemoryPhoneStore } from '../../client/phone-store';
import { ToyFirmware } from '../../firmware-sim/firmware';
import { ToyGattServer } from '../../firmware-sim/gatt-server';
import { sodiumReady } from '../../pairing/sodium';
import { Air, type Device } from '../../radio/air';
import { PHONES } from '../../radio/link-policy';
import { loadBleno } from '../../radio/loaders';
import { thrown } from './helpers';
import { writeOggOpus } from '../../audio/ogg-opus';
import { encodeOpus } from '../../audio/opus-codec';
import { speechLike } from '../../firmware-sim/microphone';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A minute of Ogg Opus (~250 kB) made of one encoded second (encoding a minute under jest is slow). */
function minuteOfOgg(): Uint8Array {
  const second = encodeOpus({ sampleRate: 16000, channels: [speechLike(16000, 4)] }, { complexity: 0, bitrate: 64000 });
  return writeOggOpus({ ...second, packets: Array.from({ length: 60 }, () => second.packets).flat(), length48k: 60 * 48000 - second.preSkip });
}

interface Paired {
  readonly air: Air;
  readonly toy: ToyFirmware;
  readonly toyDevice: Device;
  readonly phone: ToyClient;
  readonly session: ToySession;
  close(): Promise<void>;
}

/** A toy and its owner's phone on one air (fast or realistic), paired, session open. */
async function paired(air: Air): Promise<Paired> {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-link-loss-'));
  const toy = await ToyFirmware.boot({ dir: join(dir, 'toy') });
  const { bleno, device } = loadBleno({ kind: 'virtual', air }, { name: 'toy' });
  await ToyGattServer.start(bleno, toy);
  const phone = await ToyClient.create({ radio: { kind: 'virtual', air }, store: MemoryPhoneStore.create(await sodiumReady()), label: 'Parent' });
  await toy.pawPress();
  const session = await phone.pair(toy.identity.toyId, { code: toy.identity.code });
  return {
    air,
    toy,
    toyDevice: device!,
    phone,
    session,
    async close() {
      await phone.close();
      // Switching the firmware off stops the server (not awaited: a toy whose radio was cut never
      // hears its advertising stop); closing the air releases both stacks.
      toy.powerOff();
      air.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kills the toy's radio with a request pending; resolves with what the phone saw and when. */
async function toyDiesDuringRequest(world: Paired): Promise<{ error: Awaited<ReturnType<typeof thrown>>; wallMs: number; simulatedMs: number; closed: boolean }> {
  let closed = false;
  world.session.once('closed', () => (closed = true));
  const pending = thrown(world.session.listRecordings());
  const wallStart = performance.now();
  const simulatedStart = world.air.clock.now();
  world.air.powerOff(world.toyDevice.controller);
  const error = await pending;
  return { error, wallMs: performance.now() - wallStart, simulatedMs: world.air.clock.now() - simulatedStart, closed };
}

describe('when the toy dies', () => {
  it('on the fast clock, a pending request ends with LINK_LOST at once, `closed` fires and disconnect() settles', async () => {
    const world = await paired(new Air({ seed: 5 }));
    try {
      const { error, wallMs, closed } = await toyDiesDuringRequest(world);
      expect(error.code).toBe('LINK_LOST');
      expect(closed).toBe(true);
      expect(world.session.open).toBe(false);
      expect(wallMs).toBeLessThan(2000);
      process.stdout.write(`fast clock: toy powered off → LINK_LOST in ${wallMs.toFixed(1)} ms wall\n`);
      await expect(world.session.disconnect()).resolves.toBeUndefined();
      expect((await thrown(world.session.status())).code).toBe('LINK_LOST');
    } finally {
      await world.close();
    }
  });

  it("on the realistic clock with an iPhone's link, LINK_LOST comes after the 720 ms supervision timeout, not later", async () => {
    const world = await paired(new Air({ seed: 5, clock: 'realistic', link: PHONES.ios }));
    try {
      const { error, wallMs, simulatedMs, closed } = await toyDiesDuringRequest(world);
      expect(error.code).toBe('LINK_LOST');
      expect(closed).toBe(true);
      expect(simulatedMs).toBeGreaterThanOrEqual(720);
      expect(simulatedMs).toBeLessThan(720 + 2 * 30 + 1);
      process.stdout.write(`realistic clock (iOS, 720 ms timeout): toy powered off → LINK_LOST at ${simulatedMs.toFixed(1)} ms simulated, ${wallMs.toFixed(1)} ms wall\n`);
      await expect(world.session.disconnect()).resolves.toBeUndefined();
    } finally {
      await world.close();
    }
  });

  it('an upload under way ends TRANSFER_INTERRUPTED, resumable, its cause the LINK_LOST', async () => {
    const world = await paired(new Air({ seed: 6 }));
    try {
      let killed = false;
      const error = (await thrown(
        world.session.sendSealed(world.session.sealMessage(minuteOfOgg()), {
          onProgress: (p) => {
            if (!killed && p.bytesDone > 0) {
              killed = true;
              world.air.powerOff(world.toyDevice.controller);
            }
          },
        }),
      )) as unknown as { code: string; resumable: boolean; cause: { code: string } };
      expect(error.code).toBe('TRANSFER_INTERRUPTED');
      expect(error.resumable).toBe(true);
      expect(error.cause.code).toBe('LINK_LOST');
    } finally {
      await world.close();
    }
  });
});

describe('cancelling', () => {
  it('an AbortSignal stops a send part-way with ABORTED, and the toy keeps nothing of it', async () => {
    const world = await paired(new Air({ seed: 7 }));
    try {
      const abort = new AbortController();
      const envelope = world.session.sealMessage(minuteOfOgg());
      const error = await thrown(world.session.sendSealed(envelope, { signal: abort.signal, onProgress: (p) => p.bytesDone > 0 && abort.abort() }));
      expect(error.code).toBe('ABORTED');
      expect(world.session.open).toBe(true);
      expect(world.toy.storage.listVoice('messages')).toEqual([]);
      // The session is still good for the next call.
      expect((await world.session.status()).messages).toBe(0);
    } finally {
      await world.close();
    }
  });

  /** The phone hangs up, the toy goes silent, and the phone tries to connect again, with `options`. */
  async function connectingToAGoneToy(seed: number, options: { signal?: AbortSignal } = {}): Promise<{ world: Paired; error: ReturnType<typeof thrown> }> {
    const world = await paired(new Air({ seed }));
    await world.session.disconnect();
    world.air.powerOff(world.toyDevice.controller);
    return { world, error: thrown(world.phone.connect(world.toy.identity.toyId, options)) };
  }

  it('an AbortSignal stops connecting to a toy that is not there', async () => {
    const abort = new AbortController();
    const { world, error } = await connectingToAGoneToy(8, { signal: abort.signal });
    const started = Date.now();
    setTimeout(() => abort.abort(), 200);
    try {
      expect((await error).code).toBe('ABORTED');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await world.close();
    }
  });

  it('close() ends what is pending with CLOSED and settles', async () => {
    const { world, error } = await connectingToAGoneToy(9);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await world.phone.close();
      expect((await error).code).toBe('CLOSED');
    } finally {
      await world.close();
    }
  });
});

it('a machine without a usable Bluetooth adapter is RADIO_UNAVAILABLE, its cause the socket error', async () => {
  const error = (await thrown(ToyClient.create({ radio: { kind: 'hardware' }, store: MemoryPhoneStore.create(await sodiumReady()) }))) as unknown as {
    code: string;
    cause: unknown;
  };
  expect(error.code).toBe('RADIO_UNAVAILABLE');
  expect(error.cause).toBeInstanceOf(Error);
});
