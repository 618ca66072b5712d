// The world the air fuzz targets feed: one virtual air with a secure toy on the real bleno, its
// owner's phone (paired, a recording on the toy), and a hostile central on the real noble,
// connected and subscribed. It is built once per process and reset before every input, cheaply:
// the toy gets a fresh link on the same connection (or the central reconnects when the toy
// dropped it), its battery is put back, and everything that an input must not be able to change
// (bonds, records, pairing policy, the whole flash image) is compared with the world as built;
// a world that differs is rebuilt from scratch, so no input ever starts from another's leftovers.
// test/fuzz/air-world.test.ts proves it: after any input and a reset, the observable state equals
// the fresh world's, and a probe behaves exactly as in the fresh world.
import type { Peripheral } from '@abandonware/noble';
import { MemoryPhoneStore } from '../../client/phone-store';
import { ToyClient } from '../../client/toy-client';
import { ToyFirmware } from '../../firmware-sim/firmware';
import { ToyGattServer } from '../../firmware-sim/gatt-server';
import { type FlashImage, MemoryFlashIO } from '../../firmware-sim/memory-flash-io';
import { advertisedName, FRAMES_IN, FRAMES_OUT, TOY_INFO } from '../../firmware-sim/profile';
import type { PolicyState } from '../../pairing/policy';
import { sodiumReady } from '../../pairing/sodium';
import { Air } from '../../radio/air';
import { FastClock } from '../../radio/fast-clock';
import { loadBleno, loadNoble, type Noble } from '../../radio/loaders';
import { Sniffer } from '../attacks/sniffer';

/** One write of the hostile central: which characteristic, and the bytes. */
export interface AirWrite {
  readonly to: 'frames' | 'info';
  readonly bytes: Uint8Array;
}

/** Where the hostile central writes, learned once from its first GATT discovery. */
interface Handles {
  readonly framesIn: number;
  readonly info: number;
  /** FRAMES_OUT's client configuration descriptor: writing 01 00 subscribes. */
  readonly framesOutConfig: number;
}

/** What an input must leave as it was, captured when the world was built. */
interface Fresh {
  readonly flash: FlashImage;
  readonly generation: number;
  readonly policy: PolicyState;
  readonly bondIds: string;
  readonly batteryUsed: number;
}

export interface AirWorld {
  readonly air: Air;
  readonly clock: FastClock;
  readonly flashIO: MemoryFlashIO;
  readonly firmware: ToyFirmware;
  readonly server: ToyGattServer;
  readonly owner: ToyClient;
  readonly peripheral: Peripheral;
  readonly handles: Handles;
  /** The owner's captured writes to FRAMES_IN (pairing and session fragments), to replay. */
  readonly genuine: readonly Uint8Array[];
  readonly fresh: Fresh;
  /** Exceptions that escaped to the process since the last reset. */
  readonly escaped: unknown[];
  /** The process listener that collects them (removed when the world goes). */
  readonly escape: (error: unknown) => void;
  /** The toy's log lines since the last reset. */
  readonly log: string[];
  /** Notifications the hostile central received since the last reset. */
  readonly heard: Buffer[];
  /** Flash generation seen at the last check: unchanged means nothing was written. */
  checkedGeneration: number;
  /** How the world was put back before the current input. */
  lastReset: 'built' | 'renewed' | 'reconnected';
  /** Inputs fed since the world was built. */
  inputs: number;
  /** True when the last input's traffic has all been delivered. */
  quiet: boolean;
}

/** How often each kind of reset ran in this process (the bench reports it). */
export const resetCounts = { renewed: 0, reconnected: 0, rebuilt: 0 };

/** Where the in-memory flash says the toy's folder is (nothing is written to disk). */
const FLASH_DIR = '/plushlink-air-fuzz/toy';

const WRITE_REQUEST = 0x12;

function bondIds(firmware: ToyFirmware): string {
  return firmware.storage.bonds
    .list()
    .map((b) => b.bondId)
    .join(',');
}

function samePolicy(a: PolicyState, b: PolicyState): boolean {
  return a.windowUntil === b.windowUntil && a.strikes === b.strikes && a.lockouts === b.lockouts && a.lockedUntil === b.lockedUntil && a.quietSince === b.quietSince;
}

export async function buildAirWorld(): Promise<AirWorld> {
  const air = new Air({ seed: 31 });
  if (!(air.clock instanceof FastClock)) throw new Error('the air fuzz world runs on the fast clock');
  const clock = air.clock;
  const flashIO = new MemoryFlashIO();
  const log: string[] = [];
  const firmware = await ToyFirmware.boot({ dir: FLASH_DIR, flashIO, recordSeconds: 1, log: (line) => log.push(line) });
  const { bleno, device } = loadBleno({ kind: 'virtual', air }, { name: 'toy' });
  // The genuine traffic to mutate: the owner's own pairing and session, as a sniffer saw it; the
  // sniffer also sees the hostile central's discovery, which tells the handles it writes to.
  const sniffer = new Sniffer(device!.controller);
  const server = await ToyGattServer.start(bleno, firmware);
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
  const { noble } = loadNoble({ kind: 'virtual', air }, { name: 'hostile central' });
  const peripheral = await findToy(noble, advertisedName(firmware.identity.toyId));
  const ownWritesFrom = sniffer.att.length;
  await discoverAndSubscribe(peripheral);
  await clock.settled();
  sniffer.stop();
  const handleOf = (uuid: string): number => {
    const found = [...sniffer.handles].find(([, u]) => u === uuid);
    if (!found) throw new Error(`the hostile central's discovery did not show ${uuid}`);
    return found[0];
  };
  const framesOutConfig = sniffer.att.slice(ownWritesFrom).find((a) => a.direction === 'toToy' && a.opcode === WRITE_REQUEST && a.value.equals(SUBSCRIBE))?.handle;
  if (framesOutConfig === undefined) throw new Error('the hostile central did not subscribe to FRAMES_OUT');
  const handles: Handles = { framesIn: handleOf(FRAMES_IN), info: handleOf(TOY_INFO), framesOutConfig };
  const escaped: unknown[] = [];
  const escape = (error: unknown): void => void escaped.push(error);
  process.on('uncaughtException', escape);
  process.on('unhandledRejection', escape);
  const heard: Buffer[] = [];
  peripheral.on('handleNotify', (_handle: number, data: Buffer) => heard.push(data));
  // The link the discovery ran on has had its handshake timer running since: start afresh.
  server.renewLink();
  await clock.settled();
  const fresh: Fresh = {
    flash: flashIO.image(),
    generation: flashIO.generation,
    policy: firmware.pairing.policy,
    bondIds: bondIds(firmware),
    batteryUsed: firmware.battery.used,
  };
  log.length = 0;
  return { air, clock, flashIO, firmware, server, owner, peripheral, handles, genuine, fresh, escaped, escape, log, heard, checkedGeneration: fresh.generation, lastReset: 'built', inputs: 0, quiet: true };
}

const SUBSCRIBE = Buffer.from([1, 0]);

async function findToy(noble: Noble, name: string): Promise<Peripheral> {
  const n = noble as Noble & { state: string };
  if (n.state !== 'poweredOn') await new Promise<void>((resolve) => noble.on('stateChange', (s: string) => s === 'poweredOn' && resolve()));
  const found = new Promise<Peripheral>((resolve) => noble.on('discover', (p: Peripheral) => p.advertisement.localName === name && resolve(p)));
  await noble.startScanningAsync([], false);
  const peripheral = await found;
  await noble.stopScanningAsync();
  return peripheral;
}

/** The first connection: a full GATT discovery, as any central makes, and the subscription. */
async function discoverAndSubscribe(peripheral: Peripheral): Promise<void> {
  await peripheral.connectAsync();
  const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([], [FRAMES_IN, FRAMES_OUT, TOY_INFO]);
  await characteristics.find((c) => c.uuid === FRAMES_OUT)!.subscribeAsync();
}

/**
 * Reconnects after the toy dropped the central (a failed handshake ends the connection). The
 * handles are the toy's and do not change, so no discovery: connect, subscribe, go on.
 */
async function reconnect(w: AirWorld): Promise<void> {
  // Not connectAsync(): noble makes a new promisified function at every call.
  await new Promise<void>((resolve, reject) => w.peripheral.connect((error) => (error ? reject(error) : resolve())));
  // The subscription's answer comes before anything an input writes (noble queues requests).
  handleIO(w).writeHandle(w.handles.framesOutConfig, SUBSCRIBE, false);
}

/** Whether the toy still holds exactly what it held when the world was built. */
function toyAsBuilt(w: AirWorld): boolean {
  return (
    w.firmware.state !== 'off' &&
    (w.flashIO.generation === w.checkedGeneration || w.flashIO.holds(w.fresh.flash)) &&
    samePolicy(w.firmware.pairing.policy, w.fresh.policy) &&
    bondIds(w.firmware) === w.fresh.bondIds
  );
}

/** Closes the air (the process can then exit). */
export function disposeWorld(w: AirWorld): void {
  // Powered off first: the pairing window the world's paw press opened would otherwise close two
  // minutes later, in whatever test file this jest worker runs by then, and make the toy
  // advertise on a closed air.
  w.firmware.powerOff();
  w.air.close();
  process.removeListener('uncaughtException', w.escape);
  process.removeListener('unhandledRejection', w.escape);
}

/**
 * Puts the world back as it was built: the same world when only the link changed (the usual
 * case), a new one when anything the toy keeps changed (after a finding). Returns the world to
 * feed next.
 */
export async function resetAirWorld(w: AirWorld): Promise<AirWorld> {
  // sendAir waits until what an input set off has landed; an input cut short may not have.
  if (!w.quiet) await w.clock.settled();
  if (!toyAsBuilt(w)) {
    resetCounts.rebuilt++;
    disposeWorld(w);
    return buildAirWorld();
  }
  w.checkedGeneration = w.flashIO.generation;
  // A renewed link costs no radio traffic, so there is nothing to wait for.
  if (w.peripheral.state === 'connected' && w.server.renewLink()) w.lastReset = 'renewed';
  else {
    await reconnect(w);
    await w.clock.settled();
    w.lastReset = 'reconnected';
  }
  resetCounts[w.lastReset]++;
  w.firmware.battery.restore(w.fresh.batteryUsed);
  // A fresh link's saved upload state is the one the world was built with: same bytes.
  if (w.flashIO.generation !== w.checkedGeneration && !w.flashIO.holds(w.fresh.flash)) return resetAirWorld(w);
  w.checkedGeneration = w.flashIO.generation;
  w.escaped.length = 0;
  w.log.length = 0;
  w.heard.length = 0;
  return w;
}

/**
 * noble's handle reads and writes without a callback (optional in noble's peripheral.js, required
 * by its types): a callback would be a listener left behind whenever the toy drops the connection.
 */
interface HandleIO {
  readHandle(handle: number): void;
  writeHandle(handle: number, data: Buffer, withoutResponse: boolean): void;
}
const handleIO = (w: AirWorld): HandleIO => w.peripheral as unknown as HandleIO;

/** Sends one input's writes and waits until the air has delivered everything they set off. */
export async function sendAir(w: AirWorld, writes: readonly AirWrite[]): Promise<void> {
  w.inputs++;
  w.quiet = false;
  // All handed to noble at once: its request queue sends each write after the answer to a read
  // before it, as awaiting every read would, and drops what is left if the toy hangs up.
  const io = handleIO(w);
  const max = (w.peripheral.mtu ?? 23) - 3;
  for (const write of writes) {
    if (write.to === 'info') io.readHandle(w.handles.info);
    // ATT carries at most MTU - 3 bytes; noble refuses longer writes before they reach the air.
    else io.writeHandle(w.handles.framesIn, asBuffer(write.bytes, max), true);
  }
  await w.clock.settled();
  w.quiet = true;
}

/** The first `max` bytes as a Buffer over the same memory (noble copies what it sends). */
function asBuffer(bytes: Uint8Array, max: number): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max));
}
