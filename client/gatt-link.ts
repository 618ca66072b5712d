// The phone's side of one BLE connection to a toy, on noble: finds the secure profile's
// characteristics, subscribes to the toy's frames, and carries whole protocol frames both ways
// (fragmented to the ATT payload size). Bytes from the air that do not reassemble are dropped.
import type { Characteristic, Peripheral } from '@abandonware/noble';
import { fragment, Reassembler } from '../pairing/fragment';
import { FRAMES_IN, FRAMES_OUT, fragmentPayload, PLUSHLINK_SERVICE, TOY_INFO, type ToyInfo } from '../firmware-sim/profile';
import { ToyClientError } from './errors';

/** Largest frame the phone reassembles from a toy: bounds memory whatever a (fake) toy sends. */
const MAX_FRAME_BYTES = 4096;

export class GattLink {
  private readonly reassembler = new Reassembler(MAX_FRAME_BYTES);
  private frameHandler: (frame: Uint8Array) => void = () => undefined;
  private closeHandlers: Array<() => void> = [];
  private isOpen = true;

  private constructor(
    readonly peripheral: Peripheral,
    private readonly framesIn: Characteristic,
    framesOut: Characteristic,
    private readonly infoCharacteristic: Characteristic,
  ) {
    framesOut.on('data', (data: Buffer) => this.onData(data));
    peripheral.once('disconnect', () => this.onDisconnect());
  }

  /** Connects to `peripheral` and subscribes to its frames. */
  static async open(peripheral: Peripheral, timeoutMs: number): Promise<GattLink> {
    const work = (async () => {
      if (peripheral.state !== 'connected') await peripheral.connectAsync();
      const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([PLUSHLINK_SERVICE], [FRAMES_IN, FRAMES_OUT, TOY_INFO]);
      const byUuid = new Map(characteristics.map((c) => [c.uuid, c]));
      const framesIn = byUuid.get(FRAMES_IN);
      const framesOut = byUuid.get(FRAMES_OUT);
      const info = byUuid.get(TOY_INFO);
      if (!framesIn || !framesOut || !info) {
        await peripheral.disconnectAsync();
        throw new ToyClientError('PROTOCOL', 'this device does not offer the plushlink secure profile');
      }
      const link = new GattLink(peripheral, framesIn, framesOut, info);
      await framesOut.subscribeAsync();
      return link;
    })();
    return withTimeout(work, timeoutMs, () => {
      void peripheral.disconnectAsync().catch(() => undefined);
      return new ToyClientError('TIMEOUT', `no connection to the toy within ${timeoutMs} ms`);
    });
  }

  get open(): boolean {
    return this.isOpen;
  }

  /** Largest write the link carries in one ATT packet. */
  get attPayload(): number {
    return fragmentPayload(this.peripheral.mtu ?? 23);
  }

  onFrame(handler: (frame: Uint8Array) => void): void {
    this.frameHandler = handler;
  }

  onClose(handler: () => void): void {
    if (!this.isOpen) handler();
    else this.closeHandlers.push(handler);
  }

  sendFrame(frame: Uint8Array): void {
    if (!this.isOpen) throw new ToyClientError('LINK_LOST', 'the link to the toy is down');
    for (const piece of fragment(frame, this.attPayload)) this.framesIn.write(Buffer.from(piece), true);
  }

  async readInfo(): Promise<ToyInfo> {
    const raw = await this.infoCharacteristic.readAsync();
    try {
      return JSON.parse(raw.toString('utf8')) as ToyInfo;
    } catch {
      throw new ToyClientError('PROTOCOL', 'the toy info characteristic is not JSON');
    }
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    const closed = new Promise<void>((resolve) => this.onClose(resolve));
    await this.peripheral.disconnectAsync().catch(() => undefined);
    await withTimeout(closed, 2000, () => new ToyClientError('TIMEOUT', 'disconnect took too long')).catch(() => this.onDisconnect());
  }

  private onData(data: Buffer): void {
    let frame: Uint8Array | undefined;
    try {
      frame = this.reassembler.push(data);
    } catch {
      return; // the reassembler reset itself; the protocol's own checks catch any loss
    }
    if (frame) this.frameHandler(frame);
  }

  private onDisconnect(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    for (const handler of this.closeHandlers.splice(0)) handler();
  }
}

export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
