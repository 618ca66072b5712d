// The two toys under attack, behind one interface so each attack is written once: the legacy
// CloudPets profile and plushlink's secure profile, each on its own air with its owner's phone
// set up the way the product intends (the legacy owner's app; the secure owner paired in person).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOggOpus } from '../../audio/ogg-opus';
import { encodeOpus } from '../../audio/opus-codec';
import { ToyClient } from '../../client/toy-client';
import { MemoryPhoneStore } from '../../client/phone-store';
import { sealVoiceMessage } from '../../audio/voice-message';
import { Flash } from '../../firmware-sim/flash';
import { ToyFirmware } from '../../firmware-sim/firmware';
import { ToyStorage } from '../../firmware-sim/toy-storage';
import { ToyGattServer } from '../../firmware-sim/gatt-server';
import { LEGACY_NAME, LegacyCharacteristic, LegacyGattServer } from '../../firmware-sim/legacy-gatt-server';
import { LegacyToy } from '../../firmware-sim/legacy-toy';
import { speechLike } from '../../firmware-sim/microphone';
import { advertisedName } from '../../firmware-sim/profile';
import { sodiumReady } from '../../pairing/sodium';
import { Air } from '../../radio/air';
import type { Controller } from '../../radio/controller';
import { loadBleno } from '../../radio/loaders';
import { AttackerPhone } from './attacker-phone';
import { CloudPetsApp, withCloudPetsApp } from './cloudpets-app';
import { Sniffer } from './sniffer';

export type Profile = 'legacy' | 'secure';

export interface Observed {
  /** Messages the toy's speaker played. */
  played: number;
  /** Recordings the microphone made without a paw press. */
  remoteRecordings: number;
  led: string;
  volume: number;
}

export interface Target {
  readonly profile: Profile;
  readonly air: Air;
  /** The name the toy advertises. */
  readonly name: string;
  readonly toyController: Controller;
  /** Listening since before the owner first used the toy. */
  readonly sniffer: Sniffer;
  readonly observed: Observed;
  /** The child presses the paw and speaks; returns the bytes the toy stored. */
  childRecords(): Promise<Buffer>;
  /** The owner sends a voice message with the profile's own app. */
  ownerSendsVoice(ogg: Uint8Array): Promise<void>;
  /** Whether the owner can still connect and use the toy (after an attack). */
  ownerCanStillUseToy(): Promise<boolean>;
  /** Every piece of audio the toy holds, to check nothing was altered or lost. */
  storedAudio(): Buffer[];
  /** Starts a fake toy on the same air that advertises exactly as this one does. */
  startFakeToy(): Promise<{ receivedAudio(): number }>;
  /**
   * A second family phone is enrolled (as the profile allows), its credentials are copied by a
   * thief, and the owner revokes the phone. Returns whether the thief's copy still works.
   */
  stolenCredentialsAfterRevocation(): Promise<{ worked: boolean; detail: string }>;
  /** What a relay (cloud mailbox, phone backup, sniffer) holds of a voice message in transit. */
  voiceAsRelayed(ogg: Uint8Array): Promise<Buffer>;
  /** Delivers a relayed message after the relay altered it; true if the toy played it. */
  deliverAltered(relayed: Buffer): Promise<boolean>;
  readonly secure?: {
    readonly firmware: ToyFirmware;
    readonly owner: ToyClient;
    readonly dir: string;
    /** Switches on a second toy (flash in `name`) on this air; again with the same name, it is power-cycled. */
    switchOn(name: string, options?: { pawHeldMs?: number }): Promise<ToyFirmware>;
  };
  close(): Promise<void>;
}

const clips = new Map<string, Uint8Array>();

/** A short voice clip as Ogg Opus, as either app would send (encoded once per seed; a fresh copy each call). */
export function voiceClip(seed: number, seconds = 1): Uint8Array {
  const key = `${seed}/${seconds}`;
  let clip = clips.get(key);
  if (!clip) clips.set(key, (clip = writeOggOpus(encodeOpus({ sampleRate: 16000, channels: [speechLike(16000 * seconds, seed)] }))));
  return clip.slice();
}

export async function createTarget(profile: Profile, seed = 7): Promise<Target> {
  return profile === 'legacy' ? legacyTarget(seed) : secureTarget(seed);
}

async function secureTarget(seed: number): Promise<Target> {
  const air = new Air({ seed });
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-attack-'));
  const firmware = await ToyFirmware.boot({ dir: join(dir, 'toy'), recordSeconds: 1 });
  const { bleno, device } = loadBleno({ kind: 'virtual', air }, { name: 'toy' });
  const sniffer = new Sniffer(device!.controller);
  await ToyGattServer.start(bleno, firmware);
  const sodium = await sodiumReady();
  const owner = await ToyClient.create({ radio: { kind: 'virtual', air }, store: MemoryPhoneStore.create(sodium), label: 'Parent' });
  await firmware.pawPress();
  await (await owner.pair(firmware.identity.toyId, { code: firmware.identity.code })).disconnect();
  const observed: Observed = { played: 0, remoteRecordings: 0, led: firmware.led.mode, volume: firmware.storage.loadSettings().volume };
  firmware.on('played', () => observed.played++);
  let pawPressed = false;
  firmware.on('recorded', () => {
    if (!pawPressed) observed.remoteRecordings++;
  });
  const refresh = (): void => {
    observed.led = firmware.led.mode;
    observed.volume = firmware.storage.loadSettings().volume;
  };
  const toyId = firmware.identity.toyId;
  const spares = new Map<string, { firmware: ToyFirmware; server: ToyGattServer; controller: Controller }>();
  return {
    profile: 'secure',
    air,
    name: advertisedName(toyId),
    toyController: device!.controller,
    sniffer,
    get observed() {
      refresh();
      return observed;
    },
    async childRecords() {
      pawPressed = true;
      await firmware.pawPress();
      pawPressed = false;
      const keys = firmware.storage.flash.keys('recordings/');
      return firmware.storage.flash.read(keys.at(-1)!)!;
    },
    async ownerSendsVoice(ogg) {
      const session = await owner.connect(toyId);
      await session.sendMessage(ogg);
      await session.disconnect();
    },
    async ownerCanStillUseToy() {
      try {
        const session = await owner.connect(toyId, { timeoutMs: 5000 });
        const status = await session.status();
        await session.disconnect();
        return status.role === 'owner';
      } catch {
        return false;
      }
    },
    storedAudio() {
      const flash = firmware.storage.flash;
      return [...flash.keys('messages/'), ...flash.keys('recordings/')].map((k) => flash.read(k)!);
    },
    async startFakeToy() {
      // Same toy id, name and service; its own keys (it cannot have the real toy's).
      const fakeDir = join(dir, 'fake');
      const real = firmware.identity;
      const fresh = await ToyFirmware.boot({ dir: join(dir, 'scratch') });
      new ToyStorage(Flash.mount(fakeDir)).saveIdentity({ ...fresh.identity, toyId: real.toyId });
      const fake = await ToyFirmware.boot({ dir: fakeDir });
      await ToyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'fake toy' }).bleno, fake);
      let received = 0;
      fake.on('played', () => received++);
      return { receivedAudio: () => received };
    },
    async stolenCredentialsAfterRevocation() {
      const memberStore = MemoryPhoneStore.create(sodium);
      const member = await ToyClient.create({ radio: { kind: 'virtual', air }, store: memberStore, label: 'Grandma' });
      const ownerSession = await owner.connect(toyId);
      const { code } = await ownerSession.inviteMember();
      await ownerSession.disconnect();
      const memberSession = await member.pair(toyId, { code });
      const bondId = memberSession.bond.bondId;
      await memberSession.disconnect();
      // The thief copies the phone's keys and bonds, then the owner revokes the phone.
      const copy = new MemoryPhoneStore(memberStore.keys);
      for (const bond of memberStore.bonds.list()) copy.bonds.put(bond);
      const revoking = await owner.connect(toyId);
      await revoking.removeMember(bondId);
      await revoking.disconnect();
      const thief = await ToyClient.create({ radio: { kind: 'virtual', air }, store: copy, label: 'Thief' });
      try {
        const session = await thief.connect(toyId, { timeoutMs: 5000 });
        await session.disconnect();
        return { worked: true, detail: 'the copied bond opened a session after revocation' };
      } catch (error) {
        return { worked: false, detail: `the copied bond was refused: ${(error as Error).message}` };
      }
    },
    async voiceAsRelayed(ogg) {
      // A relay (cloud mailbox, backup) holds the sealed envelope, never the audio.
      const sealed = sealVoiceMessage(sodium, { recording: ogg, sender: owner.keysFor(toyId), recipients: [owner.bonds()[0]!.peer], now: Date.now() });
      return Buffer.from(sealed.envelope);
    },
    async deliverAltered(relayed) {
      const before = observed.played;
      const session = await owner.connect(toyId);
      try {
        await session.sendSealed(relayed);
      } catch {
        // refused: exactly what should happen
      } finally {
        await session.disconnect();
      }
      return observed.played > before;
    },
    secure: {
      firmware,
      owner,
      dir,
      async switchOn(name, options = {}) {
        const running = spares.get(name);
        if (running) {
          running.firmware.powerOff();
          await running.server.stop();
          air.removeDevice(running.controller);
        }
        const spare = await ToyFirmware.boot({ dir: join(dir, name), recordSeconds: 1, ...options });
        const { bleno, device: spareDevice } = loadBleno({ kind: 'virtual', air }, { name });
        spares.set(name, { firmware: spare, server: await ToyGattServer.start(bleno, spare), controller: spareDevice!.controller });
        return spare;
      },
    },
    async close() {
      // Powered off first: a toy left on keeps timers (its pairing window) that outlive the air.
      for (const toy of [firmware, ...[...spares.values()].map((s) => s.firmware)]) toy.powerOff();
      air.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function legacyTarget(seed: number): Promise<Target> {
  const air = new Air({ seed });
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-attack-legacy-'));
  const toy = new LegacyToy({ dir: join(dir, 'toy'), recordSeconds: 1 });
  const { bleno, device } = loadBleno({ kind: 'virtual', air }, { name: 'legacy toy' });
  const sniffer = new Sniffer(device!.controller);
  await LegacyGattServer.start(bleno, toy);
  const ownerPhone = new AttackerPhone(air, 'owner');
  const observed: Observed = { played: 0, remoteRecordings: 0, led: toy.led.mode, volume: toy.volume };
  toy.on('played', () => observed.played++);
  toy.on('recorded', (r) => r.remote && observed.remoteRecordings++);
  toy.on('led', () => (observed.led = toy.led.mode));
  toy.on('volume', (v) => (observed.volume = v));
  const withOwnerApp = <T>(use: (app: CloudPetsApp) => Promise<T>): Promise<T> => withCloudPetsApp(ownerPhone, use);
  // The parent's first message, so the toy holds something worth protecting.
  await withOwnerApp((app) => app.upload(2, voiceClip(seed)));
  return {
    profile: 'legacy',
    air,
    name: LEGACY_NAME,
    toyController: device!.controller,
    sniffer,
    observed,
    async childRecords() {
      await toy.pawPress();
      return Buffer.from(toy.slot(1)!);
    },
    async ownerSendsVoice(ogg) {
      await withOwnerApp(async (app) => {
        await app.upload(3, ogg);
        await app.play(3);
      });
    },
    async ownerCanStillUseToy() {
      try {
        return await withOwnerApp(async (app) => {
          await app.play(2);
          return true;
        });
      } catch {
        return false;
      }
    },
    async startFakeToy() {
      const fake = new LegacyToy({ dir: join(dir, 'fake') });
      await LegacyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'fake toy' }).bleno, fake);
      let received = 0;
      fake.on('uploaded', () => received++);
      return { receivedAudio: () => received };
    },
    async stolenCredentialsAfterRevocation() {
      // There are no credentials to copy or revoke: any phone is as good as the family's.
      const thief = new AttackerPhone(air, 'thief');
      const link = await thief.connect(LEGACY_NAME);
      try {
        const app = await CloudPetsApp.start(link);
        const before = observed.played;
        await app.play(2);
        return { worked: observed.played > before, detail: 'no bond exists to revoke; the thief played the parent\'s message' };
      } finally {
        await link.disconnect();
      }
    },
    async voiceAsRelayed(ogg) {
      // The audio crosses the air in the clear: a sniffer reassembles it from the writes.
      await withOwnerApp((app) => app.upload(3, ogg));
      return Buffer.concat(sniffer.writesTo(LegacyCharacteristic.audioSend));
    },
    async deliverAltered(relayed) {
      const before = observed.played;
      await withOwnerApp(async (app) => {
        await app.upload(3, relayed.subarray(relayed.indexOf('OggS')));
        await app.play(3);
      });
      return observed.played > before;
    },
    storedAudio() {
      return [1, 2, 3, 4, 5].map((n) => toy.slot(n)).filter((s): s is Uint8Array => s !== undefined).map((s) => Buffer.from(s));
    },
    async close() {
      air.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
