// The air fuzz targets reuse one world (air, toy, owner, hostile central) for every input, so
// the reset between inputs must be complete: whatever an input did, the next one starts from the
// world as it was built. Checked two ways: what can be observed (connection, bonds, records, the
// whole flash, pairing policy and lockout, battery) equals the fresh world's, and a probe gets
// exactly the answer it gets from the fresh world. Skipping the reset changes that answer, so the
// comparison can fail.
import { fragment } from '../../pairing/fragment';
import { type AirWorld, type AirWrite, buildAirWorld, disposeWorld, resetAirWorld, sendAir } from './air-world';

interface Observed {
  readonly toy: string;
  readonly central: string;
  readonly mtu: number | null;
  readonly bonds: readonly string[];
  readonly policy: unknown;
  readonly pairingWindowOpen: boolean;
  readonly flash: Record<string, string>;
  readonly batteryUsed: number;
  readonly log: readonly string[];
  readonly heard: readonly number[];
  readonly escaped: number;
}

function observe(w: AirWorld): Observed {
  return {
    toy: w.firmware.state,
    central: w.peripheral.state,
    mtu: w.peripheral.mtu,
    bonds: w.firmware.storage.bonds.list().map((b) => `${b.bondId} ${b.role} ${b.label}`),
    policy: w.firmware.pairing.policy,
    pairingWindowOpen: w.firmware.pairingWindowOpen,
    flash: Object.fromEntries([...w.flashIO.image()].map(([path, bytes]) => [path, bytes.toString('hex')])),
    batteryUsed: w.firmware.battery.used,
    log: [...w.log],
    heard: w.heard.map((n) => n.length),
    escaped: w.escaped.length,
  };
}

/** What the toy did with an input: its log, what the central heard, whether it kept the central. */
interface Outcome {
  readonly log: readonly string[];
  readonly heard: readonly number[];
  readonly central: string;
}

const outcomeOf = (w: AirWorld): Outcome => ({ log: [...w.log], heard: w.heard.map((n) => n.length), central: w.peripheral.state });

const frames = (...pieces: Uint8Array[]): AirWrite[] => pieces.map((bytes) => ({ to: 'frames', bytes }));

/** The first fragment of a frame three fragments long: the toy waits for the rest. */
const halfFrame = (): AirWrite[] => frames(fragment(new Uint8Array(600).fill(7), 244)[0]!);

/** Inputs that leave something behind when nothing resets: a link state, a dropped connection... */
const dirtying: ReadonlyArray<readonly [string, (w: AirWorld) => AirWrite[]]> = [
  ['the first fragment of a frame that never ends', halfFrame],
  ["the owner's pairing hello (window closed: the toy drops the central)", (w) => frames(w.genuine[0]!)],
  ["the owner's pairing finish, then a transport message", (w) => frames(w.genuine[1]!, w.genuine[2]!)],
  ['a read of the toy info between fragments', (w) => [...halfFrame(), { to: 'info', bytes: new Uint8Array() }, ...frames(new Uint8Array([0x40, 1, 2]))]],
  ['fragments of every kind, out of order', () => frames(new Uint8Array([0x80, 0x10, 0x00, 1]), new Uint8Array([0x40, 9]), new Uint8Array([0xc0, 3, 0, 1, 2, 3]), new Uint8Array(244).fill(0xff))],
];

/** The probe: the owner's pairing hello, whose answer depends on the link's state. */
const probe = (w: AirWorld): AirWrite[] => frames(w.genuine[0]!);

let w: AirWorld;
let fresh: Observed;
let probeFresh: Outcome;

beforeAll(async () => {
  w = await resetAirWorld(await buildAirWorld());
  fresh = observe(w);
  await sendAir(w, probe(w));
  probeFresh = outcomeOf(w);
  w = await resetAirWorld(w);
}, 60_000);

afterAll(() => disposeWorld(w));

describe('the air fuzz world, reset between inputs', () => {
  it('starts connected and subscribed, with the owner bonded and a recording stored', () => {
    expect(fresh).toMatchObject({ toy: 'connected', central: 'connected', mtu: 256, log: [], heard: [], escaped: 0 });
    expect(fresh.bonds).toHaveLength(1);
    expect(Object.keys(fresh.flash).some((path) => path.includes('/recordings/'))).toBe(true);
    // The probe is answered (so the central is subscribed) and is fatal (so it tests a reconnect too).
    expect(probeFresh.log).toEqual([expect.stringContaining('WINDOW_CLOSED')]);
    expect(probeFresh.heard.length).toBeGreaterThan(0);
    expect(probeFresh.central).toBe('disconnected');
  });

  it.each(dirtying)('after %s, a reset gives back the fresh world', async (_name, input) => {
    await sendAir(w, input(w));
    w = await resetAirWorld(w);
    expect(w.lastReset).not.toBe('built');
    expect(observe(w)).toEqual(fresh);
  });

  it.each(dirtying)('after %s and a reset, the probe gets the fresh world’s answer', async (_name, input) => {
    await sendAir(w, input(w));
    w = await resetAirWorld(w);
    await sendAir(w, probe(w));
    expect(outcomeOf(w)).toEqual(probeFresh);
    w = await resetAirWorld(w);
  });

  it('without the reset, a half frame changes the probe’s answer', async () => {
    await sendAir(w, halfFrame());
    await sendAir(w, probe(w));
    expect(outcomeOf(w)).not.toEqual(probeFresh);
    expect(w.log.join('\n')).toMatch(/fragment refused/);
    w = await resetAirWorld(w);
    expect(observe(w)).toEqual(fresh);
  });

  it('a toy whose stored bytes changed is not reused: the world is built again', async () => {
    const before = w;
    w.firmware.storage.flash.write('settings', new Uint8Array([1, 2, 3]));
    w = await resetAirWorld(w);
    expect(w).not.toBe(before);
    expect(w.lastReset).toBe('built');
    expect(w.flashIO.holds(w.fresh.flash)).toBe(true);
    expect(observe(w)).toMatchObject({ toy: 'connected', central: 'connected', log: [], heard: [] });
  }, 60_000);
});
