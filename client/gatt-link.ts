// The phone's side of one BLE connection to a toy, on noble: finds the secure profile's
// characteristics, subscribes to the toy's frames, and carries whole protocol frames both ways
// (fragmented to the ATT payload size). Bytes from the air that do not reassemble are dropped.
// However the link ends (the toy hangs up, supervision timeout, the radio under noble vanishes,
// close()), it ends once: close handlers run with the reason, and its listeners on noble go.
import type { Characteristic, Peripheral } from '@abandonware/noble';
import { fragment, Reassembler } from '../pairing/fragment';
import { FRAMES_IN, FRAMES_OUT, fragmentPayload, PLUSHLINK_SERVICE, TOY_INFO, type ToyInfo } from '../firmware-sim/profile';
import { abortable } from './abort';
import { ToyClientError } from './errors';

/** Largest frame the phone reassembles from a toy: bounds memory whatever a (fake) toy sends. */
const MAX_FRAME_BYTES = 4096;
/** How long close() waits for noble to confirm the disconnection before declaring the link gone. */
const DISCONNECT_WAIT_MS = 2000;

export class GattLink {
  private readonly reassembler = new Reassembler(MAX_FRAME_BYTES);
  private frameHandler: (frame: Uint8Array) => void = () => undefined;
  private closeHandlers: Array<(reason: ToyClientError) => void> = [];
  private isOpen = true;
  private closeReason: ToyClientError | undefined;
  private readonly onDataListener = (data: Buffer): void => this.onData(data);
  private readonly onDisconnectListener = (): void => this.lost(new ToyClientError('LINK_LOST', 'the toy dropped the connection'));

  private constructor(
    readonly peripheral: Peripheral,
    private readonly framesIn: Characteristic,
    private readonly framesOut: Characteristic,
    private readonly infoCharacteristic: Characteristic,
  ) {
    framesOut.on('data', this.onDataListener);
    peripheral.once('disconnect', this.onDisconnectListener);
  }

  /** Connects to `peripheral` and subscribes to its frames. */
  static async open(peripheral: Peripheral, timeoutMs: number, signal?: AbortSignal): Promise<GattLink> {
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
    const hangUp = (): void => void peripheral.disconnectAsync().catch(() => undefined);
    signal?.addEventListener('abort', hangUp, { once: true });
    try {
      return await withTimeout(
        work,
        timeoutMs,
        () => {
          hangUp();
          return new ToyClientError('TIMEOUT', `no connection to the toy within ${timeoutMs} ms`);
        },
        signal,
      );
    } finally {
      signal?.removeEventListener('abort', hangUp);
    }
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

  /** `handler` runs once when the link ends, with why (at once if it has ended). */
  onClose(handler: (reason: ToyClientError) => void): void {
    if (!this.isOpen) handler(this.closeReason!);
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

  /** Hangs up; always settles, even when the radio under noble is gone and no confirmation comes. */
  async close(): Promise<void> {
    if (!this.isOpen) return;
    const closed = new Promise<unknown>((resolve) => this.onClose(resolve));
    this.peripheral.disconnectAsync().catch(() => undefined);
    await withTimeout(closed, DISCONNECT_WAIT_MS, () => new ToyClientError('TIMEOUT', 'disconnect took too long')).catch(() =>
      this.lost(new ToyClientError('LINK_LOST', 'the link was closed')),
    );
  }

  /** Ends the link now with `reason` (the radio went away, or the toy dropped it). */
  lost(reason: ToyClientError): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closeReason = reason;
    this.framesOut.removeListener('data', this.onDataListener);
    this.peripheral.removeListener('disconnect', this.onDisconnectListener);
    for (const handler of this.closeHandlers.splice(0)) handler(reason);
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
}

/** `work`, or `onTimeout()` after `ms`, or the signal's error: the timer goes as soon as one wins. */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
  const timed = new Promise<T>((resolve, reject) => {
    // ref(): noble's first bind unrefs every timer made in its turn (radio/poll-timer.ts), and a
    // pending call's deadline must keep the process alive until it settles.
    const stop = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
    };
    const timer = setTimeout(() => {
      stop();
      reject(onTimeout());
    }, ms).ref();
    signal?.addEventListener('abort', stop, { once: true });
    work.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
  return signal ? abortable(timed, signal) : timed;
}
