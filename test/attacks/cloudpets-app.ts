// The CloudPets app protocol as the 2017 research documented it. The official app and an
// attacker speak it identically: that is the flaw. Used by the legacy toy's owner and by attacks.
import { LEGACY_KEY, LegacyState } from '../../firmware-sim/legacy-toy';
import { LEGACY_NAME, LegacyCharacteristic as C } from '../../firmware-sim/legacy-gatt-server';
import type { AttackerLink, AttackerPhone } from './attacker-phone';

export class CloudPetsApp {
  private states: number[] = [];
  private dataRequests: number[] = [];
  private audio: Buffer[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly link: AttackerLink) {}

  static async start(link: AttackerLink): Promise<CloudPetsApp> {
    const app = new CloudPetsApp(link);
    await link.subscribe(C.state, (d) => app.push(() => app.states.push(d[0]!)));
    await link.subscribe(C.dataReq, (d) => app.push(() => app.dataRequests.push(d.readUInt16LE(0))));
    await link.subscribe(C.audioRecv, (d) => app.push(() => app.audio.push(d)));
    return app;
  }

  /** Uploads audio into a slot: key, wait for buffer prime, 20-byte chunks paced by data_req. */
  async upload(slot: number, audio: Uint8Array): Promise<void> {
    this.dataRequests = [];
    await this.link.write(C.cmd, Uint8Array.of(0, slot, ...LEGACY_KEY), false);
    await this.until(() => this.states.includes(LegacyState.bufferPrime));
    let sent = 0;
    let allowance = 0;
    while (sent < audio.length) {
      if (allowance <= 0) {
        await this.until(() => this.dataRequests.length > 0);
        allowance += this.dataRequests.shift()!;
      }
      const chunk = audio.subarray(sent, sent + Math.min(20, allowance));
      await this.link.write(C.audioSend, chunk, true);
      sent += chunk.length;
      allowance -= chunk.length;
    }
    this.states = [];
    await this.link.write(C.cmd, Uint8Array.of(1), false);
    await this.until(() => this.states.includes(LegacyState.idle));
  }

  async play(slot: number): Promise<void> {
    this.states = [];
    await this.link.write(C.cmd, Uint8Array.of(8, 1, slot), false);
    await this.until(() => this.states.includes(LegacyState.idle));
  }

  /** Switches the toy's microphone on from the phone. */
  async record(): Promise<void> {
    this.states = [];
    await this.link.write(C.cmd, Uint8Array.of(8, 2), false);
    await this.until(() => this.states.includes(LegacyState.idle));
  }

  /** Downloads what the toy recorded. */
  async download(): Promise<Buffer> {
    this.states = [];
    this.audio = [];
    await this.link.write(C.cmd, Uint8Array.of(2), false);
    await this.until(() => this.states.includes(LegacyState.download) && this.states.at(-1) === LegacyState.idle);
    return Buffer.concat(this.audio);
  }

  async setLed(mode: number, ms: number): Promise<void> {
    await this.link.write(C.led, Uint8Array.of(mode, ms & 0xff, ms >> 8, 100, 0), false);
  }

  async setVolume(level: number): Promise<void> {
    await this.link.write(C.volume, Uint8Array.of(0, level), false);
  }

  private push(record: () => void): void {
    record();
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('the legacy toy did not answer');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

/** Connects `phone` to the legacy toy, runs the CloudPets app over the link, and disconnects. */
export async function withCloudPetsApp<T>(phone: AttackerPhone, use: (app: CloudPetsApp) => Promise<T>): Promise<T> {
  const link = await phone.connect(LEGACY_NAME);
  try {
    return await use(await CloudPetsApp.start(link));
  } finally {
    await link.disconnect();
  }
}
