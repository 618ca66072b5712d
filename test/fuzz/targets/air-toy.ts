// The air target: a hostile central on the virtual radio sends generated and mutated GATT writes
// at a simulated secure toy running on the real bleno. One air, toy and attacker connection
// serve the whole campaign (setting up per input would measure set-up, not the toy). After every
// input: no exception escaped anywhere, the toy's bonds and stored records are untouched, and
// the toy is still there (connected to us, or advertising again). dispose() checks the owner can
// still open a session and fetch a recording, then closes the air.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Characteristic, Peripheral } from '@abandonware/noble';
import { MemoryPhoneStore } from '../../../client/phone-store';
import { ToyClient } from '../../../client/toy-client';
import { ToyFirmware } from '../../../firmware-sim/firmware';
import { ToyGattServer } from '../../../firmware-sim/gatt-server';
import { advertisedName, FRAMES_IN, FRAMES_OUT, TOY_INFO } from '../../../firmware-sim/profile';
import { sodiumReady } from '../../../pairing/sodium';
import { Air } from '../../../radio/air';
import { loadBleno, loadNoble } from '../../../radio/loaders';
import { Sniffer } from '../../attacks/sniffer';
import { defineTarget, type FuzzTarget, invariant, nothingThrown } from '../target';

/** One write of the hostile central: which characteristic, and the bytes. */
export interface AirWrite {
  readonly to: 'frames' | 'info';
  readonly bytes: Uint8Array;
}

interface AirWorld {
  readonly air: Air;
  readonly dir: string;
  readonly firmware: ToyFirmware;
  readonly owner: ToyClient;
  readonly toyName: string;
  /** What must never change: the toy's bonds and records, as bytes. */
  readonly baseline: string;
  /** The same, cheaply: record names and the bonds in memory (checked on every input). */
  readonly quickBaseline: string;
  runs: number;
  readonly escaped: unknown[];
  peripheral: Peripheral;
  framesIn: Characteristic | undefined;
  info: Characteristic | undefined;
  readonly genuine: Uint8Array[];
}

let world: Promise<AirWorld> | undefined;

/** Record names and bonds as the toy holds them in memory: a change shows here at once. */
function quickSnapshot(firmware: ToyFirmware): string {
  return `${firmware.storage.flash.keys().join(',')}|${firmware.storage.bonds.list().map((b) => b.bondId).join(',')}`;
}

/** Every record's bytes, read back from the flash folder. */
function snapshot(firmware: ToyFirmware): string {
  const flash = firmware.storage.flash;
  return flash
    .keys()
    .filter((key) => key !== 'policy' && key !== 'upload')
    .map((key) => `${key}=${flash.read(key)!.toString('hex')}`)
    .join('\n');
}

async function build(): Promise<AirWorld> {
  const air = new Air({ seed: 31 });
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-air-fuzz-'));
  const firmware = await ToyFirmware.boot({ dir, recordSeconds: 1 });
  const { bleno, device } = loadBleno({ kind: 'virtual', air }, { name: 'toy' });
  // The genuine traffic to mutate: the owner's own pairing and session, as a sniffer saw it.
  const sniffer = new Sniffer(device!.controller);
  await ToyGattServer.start(bleno, firmware);
  const sodium = await sodiumReady();
  const owner = await ToyClient.create({ radio: { kind: 'virtual', air }, store: MemoryPhoneStore.create(sodium), label: 'owner' });
  await firmware.pawPress();
  // pair() returns when the phone has its bond; the toy stores its own a moment later, and
  // only then does a paw press record instead of opening the pairing window.
  const paired = new Promise((resolve) => firmware.once('paired', resolve));
  const session = await owner.pair(firmware.identity.toyId, { code: firmware.identity.code });
  await paired;
  const recorded = new Promise((resolve) => firmware.once('recorded', resolve));
  await firmware.pawPress();
  await recorded;
  await session.status();
  await session.listRecordings();
  await session.disconnect();
  const genuine = sniffer.writesTo(FRAMES_IN).map((b) => new Uint8Array(b));
  const escaped: unknown[] = [];
  process.on('uncaughtException', (error) => escaped.push(error));
  process.on('unhandledRejection', (reason) => escaped.push(reason));
  const { noble } = loadNoble({ kind: 'virtual', air }, { name: 'hostile central' });
  const toyName = advertisedName(firmware.identity.toyId);
  const peripheral = await findToy(noble, toyName);
  const w: AirWorld = { air, dir, firmware, owner, toyName, baseline: snapshot(firmware), quickBaseline: quickSnapshot(firmware), runs: 0, escaped, peripheral, framesIn: undefined, info: undefined, genuine };
  peripheral.on('disconnect', () => {
    w.framesIn = undefined;
    w.info = undefined;
  });
  await connect(w);
  return w;
}

async function findToy(noble: ReturnType<typeof loadNoble>['noble'], name: string): Promise<Peripheral> {
  const n = noble as typeof noble & { state: string };
  if (n.state !== 'poweredOn') await new Promise<void>((resolve) => noble.on('stateChange', (s: string) => s === 'poweredOn' && resolve()));
  const found = new Promise<Peripheral>((resolve) => noble.on('discover', (p: Peripheral) => p.advertisement.localName === name && resolve(p)));
  await noble.startScanningAsync([], false);
  const peripheral = await found;
  await noble.stopScanningAsync();
  return peripheral;
}

/** (Re)connects the hostile central: the toy drops a central whose handshake fails. */
async function connect(w: AirWorld): Promise<void> {
  if (w.peripheral.state !== 'connected') await w.peripheral.connectAsync();
  const { characteristics } = await w.peripheral.discoverSomeServicesAndCharacteristicsAsync([], [FRAMES_IN, FRAMES_OUT, TOY_INFO]);
  const byUuid = new Map(characteristics.map((c) => [c.uuid, c]));
  w.framesIn = byUuid.get(FRAMES_IN);
  w.info = byUuid.get(TOY_INFO);
  await byUuid.get(FRAMES_OUT)?.subscribeAsync();
}

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

async function feed(w: AirWorld, writes: readonly AirWrite[]): Promise<void> {
  // noble's characteristics belong to one connection: rediscover after any reconnection.
  if (w.peripheral.state !== 'connected' || !w.framesIn) await connect(w);
  for (const write of writes) {
    if (w.peripheral.state !== 'connected') break;
    if (write.to === 'info') await w.info?.readAsync();
    // ATT carries at most MTU - 3 bytes; noble refuses longer writes before they reach the air.
    else w.framesIn?.write(Buffer.from(write.bytes.subarray(0, (w.peripheral.mtu ?? 23) - 3)), true);
  }
  // Let the toy process everything that was queued (writes without response are fire-and-forget).
  await turns(8);
  invariant(w.escaped.length === 0, `an exception escaped: ${String(w.escaped[0])}`);
  invariant(quickSnapshot(w.firmware) === w.quickBaseline, "the toy's bonds or records changed");
  // Reading every record back costs more than an input; every 64th input, and at the end, does it.
  if (++w.runs % 64 === 0) invariant(snapshot(w.firmware) === w.baseline, "the toy's stored bytes changed");
  invariant(w.firmware.state !== 'off', 'the toy went down');
}

/** Whether the owner, after the campaign, still opens a session and fetches its recording. */
export async function ownerStillServed(): Promise<boolean> {
  if (!world) return true;
  const w = await world;
  if (w.peripheral.state === 'connected') await w.peripheral.disconnectAsync();
  if (snapshot(w.firmware) !== w.baseline) return false;
  const session = await w.owner.connect(w.firmware.identity.toyId);
  const [recording] = await session.listRecordings();
  const fetched = recording ? await session.fetchRecording(Buffer.from(recording.id).toString('hex')) : undefined;
  await session.disconnect();
  return fetched !== undefined && fetched.ogg.length > 0;
}

const prepare = async (): Promise<void> => {
  world ??= build();
  await world;
};

export function airTargets(): FuzzTarget[] {
  return [
    defineTarget<AirWrite[]>({
      name: 'air-toy',
      description: 'hostile central: random and mutated GATT writes at a secure toy on bleno over the virtual radio',
      arbitrary: fc.array(
        fc.oneof(
          { weight: 6, arbitrary: fc.record({ to: fc.constant('frames' as const), bytes: fc.uint8Array({ maxLength: 260 }) }) },
          { weight: 1, arbitrary: fc.record({ to: fc.constant('info' as const), bytes: fc.constant(new Uint8Array()) }) },
        ),
        { minLength: 1, maxLength: 8 },
      ),
      async run(writes) {
        world ??= build();
        const w = await world;
        await feed(w, writes);
      },
      isExpected: nothingThrown,
      ciRuns: 150,
      async: true,
      prepare,
    }),
    defineTarget<{ readonly picks: number[]; readonly flips: number[] }>({
      name: 'air-toy-mutants',
      description: "hostile central: the owner's captured pairing and session fragments, replayed in any order, some with a bit flipped",
      // The genuine fragments exist only once the world is built, so inputs pick them by index.
      arbitrary: fc.record({ picks: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), flips: fc.array(fc.nat(), { maxLength: 3 }) }),
      async run({ picks, flips }) {
        world ??= build();
        const w = await world;
        const writes: AirWrite[] = picks.map((p, i) => {
          const bytes = Uint8Array.from(w.genuine[p % w.genuine.length]!);
          const flip = flips[i];
          if (flip !== undefined && bytes.length > 0) bytes[flip % bytes.length]! ^= 1 << (flip % 8);
          return { to: 'frames', bytes };
        });
        await feed(w, writes);
      },
      isExpected: nothingThrown,
      ciRuns: 150,
      async: true,
      prepare,
    }),
  ];
}

/** Closes the air (the process can then exit); the toy's folder goes too. */
export async function disposeAirWorld(): Promise<void> {
  if (!world) return;
  const w = await world;
  world = undefined;
  // Powered off first: the pairing window the world's paw press opened would otherwise close two
  // minutes later, in whatever test file this jest worker runs by then, and make the toy
  // advertise on a closed air.
  w.firmware.powerOff();
  w.air.close();
  rmSync(w.dir, { recursive: true, force: true });
}
