// A tap on what a phone writes to the toy's FRAMES_IN characteristic, below the client library
// and above noble's ATT: it records every write, can hold writes back, and can put arbitrary
// bytes on the same characteristic of the same connection. That is what an active attacker on
// the air can do (replay, alter, delay), without touching the library under test.
import { FRAMES_IN } from '../../firmware-sim/profile';
import type { Noble } from '../../radio/loaders';

type Write = (peripheralUuid: string, serviceUuid: string, characteristicUuid: string, data: Buffer, withoutResponse: boolean) => void;

export interface TappedWrite {
  readonly target: readonly [string, string, string];
  readonly data: Buffer;
}

export class WriteTap {
  readonly writes: TappedWrite[] = [];
  private holding = false;
  readonly held: TappedWrite[] = [];
  private readonly original: Write;

  constructor(noble: Noble) {
    const internals = noble as unknown as { write: Write };
    this.original = internals.write.bind(noble);
    internals.write = (peripheralUuid, serviceUuid, characteristicUuid, data, withoutResponse) => {
      if (characteristicUuid !== FRAMES_IN) return this.original(peripheralUuid, serviceUuid, characteristicUuid, data, withoutResponse);
      const write = { target: [peripheralUuid, serviceUuid, characteristicUuid] as const, data: Buffer.from(data) };
      this.writes.push(write);
      if (this.holding) this.held.push(write);
      else this.original(peripheralUuid, serviceUuid, characteristicUuid, data, withoutResponse);
    };
  }

  /** Writes from now on are kept back until release(). */
  hold(): void {
    this.holding = true;
  }

  /** Sends the held writes, in order, and stops holding. */
  release(): void {
    this.holding = false;
    for (const write of this.held.splice(0)) this.inject(write.target, write.data);
  }

  /** Drops the held writes (they never reach the air) and stops holding. */
  discard(): TappedWrite[] {
    this.holding = false;
    return this.held.splice(0);
  }

  /** Puts bytes on FRAMES_IN of the connection `target` came from, as a write without response. */
  inject(target: TappedWrite['target'], data: Uint8Array): void {
    this.original(target[0], target[1], target[2], Buffer.from(data), true);
  }
}
