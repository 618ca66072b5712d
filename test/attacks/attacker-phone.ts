// A stranger's phone: plain noble on the same air, with no bond and no app of its own. It finds
// a device by name, connects, enumerates everything, and reads, writes and subscribes at will.
import type { Characteristic, Peripheral } from '@abandonware/noble';
import type { Air } from '../../radio/air';
import { loadNoble, type Noble } from '../../radio/loaders';

export class AttackerLink {
  private constructor(
    readonly peripheral: Peripheral,
    private readonly characteristics: Map<string, Characteristic>,
  ) {}

  static async open(peripheral: Peripheral): Promise<AttackerLink> {
    await peripheral.connectAsync();
    const { characteristics } = await peripheral.discoverAllServicesAndCharacteristicsAsync();
    return new AttackerLink(peripheral, new Map(characteristics.map((c) => [c.uuid, c])));
  }

  has(uuid: string): boolean {
    return this.characteristics.has(uuid);
  }

  /** Every characteristic the device exposes, with its properties: what a stranger can reach. */
  surface(): Array<{ uuid: string; properties: string[] }> {
    return [...this.characteristics.values()].map((c) => ({ uuid: c.uuid, properties: c.properties }));
  }

  get connected(): boolean {
    return this.peripheral.state === 'connected';
  }

  /** Writes unless the toy has already hung up (noble never answers a write on a dead link). */
  async write(uuid: string, data: Uint8Array, withoutResponse = true): Promise<void> {
    if (!this.connected) return;
    await bounded(this.get(uuid).writeAsync(Buffer.from(data), withoutResponse));
  }

  async read(uuid: string): Promise<Buffer> {
    if (!this.connected) return Buffer.alloc(0);
    return (await bounded(this.get(uuid).readAsync())) ?? Buffer.alloc(0);
  }

  async subscribe(uuid: string, onData: (data: Buffer) => void): Promise<void> {
    if (!this.connected) return;
    const c = this.get(uuid);
    c.on('data', onData);
    await bounded(c.subscribeAsync());
  }

  async disconnect(): Promise<void> {
    if (this.connected) await bounded(this.peripheral.disconnectAsync());
  }

  private get(uuid: string): Characteristic {
    const c = this.characteristics.get(uuid);
    if (!c) throw new Error(`the device has no characteristic ${uuid}`);
    return c;
  }
}

/** Waits for a GATT operation at most `ms`: a toy that drops the link leaves noble waiting. */
async function bounded<T>(work: Promise<T>, ms = 2000): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class AttackerPhone {
  readonly noble: Noble;

  /** A phone on `air`, or on the air another process serves at `tcp:HOST:PORT`. */
  constructor(air: Air | string, name = 'stranger') {
    this.noble = loadNoble(typeof air === 'string' ? { kind: 'remote', air } : { kind: 'virtual', air }, { name }).noble;
  }

  /** Scans until a device advertising `name` is heard. */
  async find(name: string, timeoutMs = 5000): Promise<Peripheral> {
    const noble = this.noble as Noble & { state: string };
    if (noble.state !== 'poweredOn') await new Promise<void>((resolve) => noble.on('stateChange', (s: string) => s === 'poweredOn' && resolve()));
    const found = new Promise<Peripheral>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not heard`)), timeoutMs);
      const onDiscover = (p: Peripheral): void => {
        if (p.advertisement.localName !== name) return;
        clearTimeout(timer);
        noble.removeListener('discover', onDiscover);
        resolve(p);
      };
      noble.on('discover', onDiscover);
    });
    await noble.startScanningAsync([], true);
    try {
      return await found;
    } finally {
      await noble.stopScanningAsync();
    }
  }

  async connect(name: string): Promise<AttackerLink> {
    return AttackerLink.open(await this.find(name));
  }
}
