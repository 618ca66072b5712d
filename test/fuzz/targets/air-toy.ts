// The air targets: a hostile central on the virtual radio sends generated and mutated GATT
// writes at a simulated secure toy running on the real bleno. One world (air-world.ts: air, toy,
// owner, hostile central) serves the whole campaign, reset before every input so no input
// starts from another's leftovers (setting up per input would measure set-up, not the toy).
// After every input: no exception escaped anywhere, the toy's bonds, records, policy and flash
// are untouched, and the toy is still on (connected to us, or advertising again).
// ownerStillServed() checks the owner can still open a session and fetch a recording.
import fc from 'fast-check';
import { type AirWorld, type AirWrite, buildAirWorld, disposeWorld, resetAirWorld, sendAir } from '../air-world';
import { defineTarget, type FuzzTarget, invariant, nothingThrown } from '../target';

export type { AirWrite } from '../air-world';

/** The rates the issue asks of these targets (inputs per second, unloaded machine). */
export const AIR_GOALS = { 'air-toy': 10_000, 'air-toy-mutants': 2_000 } as const;

let world: Promise<AirWorld> | undefined;

/** Feeds one input to a freshly reset world and checks what it must not have changed. */
async function feed(writes: readonly AirWrite[] | ((w: AirWorld) => readonly AirWrite[])): Promise<void> {
  world = (world ?? buildAirWorld()).then(resetAirWorld);
  const w = await world;
  await sendAir(w, typeof writes === 'function' ? writes(w) : writes);
  invariant(w.escaped.length === 0, `an exception escaped: ${String(w.escaped[0])}`);
  invariant(w.firmware.state !== 'off', 'the toy went down');
  invariant(w.flashIO.generation === w.checkedGeneration || w.flashIO.holds(w.fresh.flash), "the toy's stored bytes changed");
}

/** Whether the owner, after the campaign, still opens a session and fetches its recording. */
export async function ownerStillServed(): Promise<boolean> {
  if (!world) return true;
  const w = await world;
  await w.clock.settled();
  if (w.peripheral.state === 'connected') await w.peripheral.disconnectAsync();
  if (!w.flashIO.holds(w.fresh.flash)) return false;
  const session = await w.owner.connect(w.firmware.identity.toyId);
  const [recording] = await session.listRecordings();
  const fetched = recording ? await session.fetchRecording(Buffer.from(recording.id).toString('hex')) : undefined;
  await session.disconnect();
  return fetched !== undefined && fetched.ogg.length > 0;
}

const prepare = async (): Promise<void> => {
  world ??= buildAirWorld();
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
        await feed(writes);
      },
      isExpected: nothingThrown,
      ciRuns: 150,
      goalExecsPerSecond: AIR_GOALS['air-toy'],
      async: true,
      prepare,
    }),
    defineTarget<{ readonly picks: number[]; readonly flips: number[] }>({
      name: 'air-toy-mutants',
      description: "hostile central: the owner's captured pairing and session fragments, replayed in any order, some with a bit flipped",
      // The genuine fragments exist only once the world is built, so inputs pick them by index.
      arbitrary: fc.record({ picks: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), flips: fc.array(fc.nat(), { maxLength: 3 }) }),
      async run({ picks, flips }) {
        await feed((w) =>
          picks.map((p, i) => {
            const bytes = Uint8Array.from(w.genuine[p % w.genuine.length]!);
            const flip = flips[i];
            if (flip !== undefined && bytes.length > 0) bytes[flip % bytes.length]! ^= 1 << (flip % 8);
            return { to: 'frames' as const, bytes };
          }),
        );
      },
      isExpected: nothingThrown,
      ciRuns: 150,
      goalExecsPerSecond: AIR_GOALS['air-toy-mutants'],
      async: true,
      prepare,
    }),
  ];
}

/** Closes the air (the process can then exit). */
export async function disposeAirWorld(): Promise<void> {
  if (!world) return;
  const w = await world;
  world = undefined;
  disposeWorld(w);
}
