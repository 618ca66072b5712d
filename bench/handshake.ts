// Protocol CPU cost alone, with no radio: pairings (CPace + XXpsk3 + bond) and session opens
// (Noise KK) between an in-memory toy and phones, frames passed straight across. Prints one JSON
// object with per-operation medians (ms) over a few batches. Run: npm run bench:handshake
import { MemoryBondStore } from '../pairing/bond';
import type { Connection } from '../pairing/connection';
import { generatePartyKeys, provisionToy } from '../pairing/identity';
import { PhoneConnection } from '../pairing/phone';
import { sodiumReady } from '../pairing/sodium';
import { Toy } from '../pairing/toy';

/** Carries frames both ways until neither side has anything to send. */
function converse(phone: Connection, toy: Connection, first: Uint8Array): void {
  let queue: { to: Connection; frame: Uint8Array }[] = [{ to: toy, frame: first }];
  while (queue.length > 0) {
    const next: typeof queue = [];
    for (const { to, frame } of queue) for (const reply of to.receive(frame, 1).send) next.push({ to: to === toy ? phone : toy, frame: reply });
    queue = next;
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const sodium = await sodiumReady();
  const batches = 7;
  const perBatch = 40;
  const pair: number[] = [];
  const resume: number[] = [];
  for (let b = 0; b < batches; b++) {
    // Provisioning (toys and phone keys) is not pairing: made before the clock starts.
    const parties = Array.from({ length: perBatch }, () => {
      const toy = new Toy(sodium, { identity: provisionToy(sodium), bonds: new MemoryBondStore() });
      toy.powerOn(0);
      toy.pawPress(0);
      return { toy, keys: generatePartyKeys(sodium) };
    });
    let t0 = performance.now();
    const bonds: { keys: ReturnType<typeof generatePartyKeys>; connection: PhoneConnection; toy: Toy }[] = [];
    for (const { toy, keys } of parties) {
      const { connection, frame } = PhoneConnection.pair(sodium, { keys, toyId: toy.identity.toyId, code: toy.identity.code });
      converse(connection, toy.connect(), frame);
      if (connection.bond === undefined) throw new Error('pairing failed');
      bonds.push({ keys, connection, toy });
    }
    pair.push((performance.now() - t0) / perBatch);
    t0 = performance.now();
    for (const { keys, connection, toy } of bonds) {
      const resumed = PhoneConnection.resume(sodium, keys, connection.bond!);
      const toySide = toy.connect();
      converse(resumed.connection, toySide, resumed.frame);
      if (toySide.state !== 'established') throw new Error('session failed');
    }
    resume.push((performance.now() - t0) / perBatch);
  }
  console.log(JSON.stringify({ pair_ms: median(pair), session_ms: median(resume), batches, perBatch }));
}

void main();
