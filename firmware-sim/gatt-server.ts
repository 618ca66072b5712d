// The toy on the air: the secure profile served with bleno (unmodified, as on real hardware),
// connected to the firmware. bleno serves one central at a time, as a toy's BLE chip would; the
// toy advertises again after every disconnection.
import type { Bleno } from '../radio/loaders';
import type { ToyFirmware } from './firmware';
import { setNamedServices } from './gap-device-name';
import {
  advertisedName,
  advertisingData,
  BATTERY_LEVEL,
  BATTERY_SERVICE,
  DEVICE_INFORMATION,
  FIRMWARE_REVISION,
  FIRMWARE_VERSION,
  FRAMES_IN,
  FRAMES_OUT,
  fragmentPayload,
  MANUFACTURER_NAME,
  MODEL_NUMBER,
  PLUSHLINK_SERVICE,
  scanResponseData,
  TOY_INFO,
  type ToyInfo,
} from './profile';
import type { LinkPort, ToyLink } from './toy-link';

interface PortOps {
  attPayload(): number;
  notify(link: ToyLink | undefined, fragment: Uint8Array): void;
  disconnect(link: ToyLink | undefined): void;
}

/** One link's way out to the central, through the server. */
class ServerPort implements LinkPort {
  link: ToyLink | undefined;

  constructor(private readonly ops: PortOps) {}

  get attPayload(): number {
    return this.ops.attPayload();
  }

  notify(fragment: Uint8Array): void {
    this.ops.notify(this.link, fragment);
  }

  disconnect(): void {
    this.ops.disconnect(this.link);
  }
}

/** Notifications held while the central has not subscribed yet (never more). */
const MAX_EARLY_NOTIFICATIONS = 64;

export class ToyGattServer {
  private link: ToyLink | undefined;
  private notifier: ((data: Buffer) => void) | undefined;
  private early: Buffer[] = [];
  private attPayload = 20;
  /** The scan response last handed to bleno. */
  private advertised: Buffer | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly bleno: Bleno,
    readonly toy: ToyFirmware,
  ) {}

  /** Serves `toy` on `bleno` once bleno is powered on, and starts advertising. */
  static async start(bleno: Bleno, toy: ToyFirmware): Promise<ToyGattServer> {
    const server = new ToyGattServer(bleno, toy);
    await server.poweredOn();
    await server.setServices();
    bleno.on('accept', () => server.onAccept());
    bleno.on('disconnect', () => server.onDisconnect());
    bleno.on('mtuChange', (mtu) => (server.attPayload = fragmentPayload(mtu)));
    toy.on('pairing-window', () => server.readvertise());
    toy.on('reset', () => server.readvertise());
    // A toy without power neither advertises nor answers (powerOff() or a fault).
    toy.on('state', (state) => {
      if (state === 'off') void server.stop();
    });
    await server.advertise();
    return server;
  }

  /** Stops advertising and drops the connection (the toy powering off). */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.bleno.disconnect();
      this.bleno.stopAdvertising(() => resolve());
    });
    return this.stopping;
  }

  private poweredOn(): Promise<void> {
    return new Promise((resolve) => {
      if (this.bleno.state === 'poweredOn') return resolve();
      const onState = (state: string): void => {
        if (state !== 'poweredOn') return;
        this.bleno.removeListener('stateChange', onState);
        resolve();
      };
      this.bleno.on('stateChange', onState);
    });
  }

  private scanResponse(): Buffer {
    const advert = { toyId: this.toy.identity.toyId, pairingWindowOpen: this.toy.announcesPairingWindow };
    return scanResponseData(advertisedName(this.toy.identity.toyId), advert);
  }

  private async advertise(): Promise<void> {
    // A radio that went away (its air closed) has nothing to advertise on: the pairing window's
    // timer firing after that must not become an unhandled rejection in whatever runs next.
    if (this.stopping || this.link || this.bleno.state !== 'poweredOn') return;
    const scan = this.scanResponse();
    this.advertised = scan;
    await new Promise<void>((resolve, reject) =>
      this.bleno.startAdvertisingWithEIRData(advertisingData(), scan, (error) => (error ? reject(error) : resolve())),
    );
  }

  /**
   * Advertises again from an event (a window timer can fire after the radio went away: a stack
   * stopped, a test ended): a failure is logged, never an unhandled rejection.
   */
  private readvertise(): void {
    this.advertise().catch((error: Error) => this.toy.log(`advertising failed: ${error.message}`));
  }

  private onAccept(): void {
    if (this.stopping) {
      this.bleno.disconnect();
      return;
    }
    this.early = [];
    this.notifier = undefined;
    this.attachLink();
  }

  /**
   * Ends the connected central's link and gives it a fresh one on the same connection: the toy
   * forgets the link's protocol state (handshake, reassembly, transfers) as at a disconnection,
   * while the radio connection, its MTU and the central's subscription stay. For harnesses that
   * feed one connection many independent inputs (the air fuzz targets); a real central gets the
   * same by reconnecting. Returns false when no central is connected.
   */
  renewLink(): boolean {
    const old = this.link;
    if (!old || this.stopping) return false;
    this.link = undefined;
    old.closed();
    this.attachLink();
    return true;
  }

  private attachLink(): void {
    const port = new ServerPort(this.portOps);
    this.link = port.link = this.toy.attach(port);
  }

  /** What every link's port does, made once (a port per link is a small object, no closures). */
  private readonly portOps: PortOps = {
    attPayload: () => this.attPayload,
    // A renewed-away link keeps its port: whatever it still tries to say or do must not reach
    // the central its successor now serves.
    notify: (link, fragment) => {
      if (this.link === link) this.notify(Buffer.from(fragment));
    },
    disconnect: (link) => {
      if (this.link === link) this.bleno.disconnect();
    },
  };

  private onDisconnect(): void {
    const link = this.link;
    this.link = undefined;
    this.notifier = undefined;
    link?.closed();
    // bleno restarts advertising by itself after a disconnection, with the data it had. A new
    // start only when the advertisement changed meanwhile (the pairing window), and after
    // bleno's restart: started during it, bleno never reports the start, and the callback (one
    // listener per connection) would pile up for ever.
    if (!this.advertised?.equals(this.scanResponse())) {
      setImmediate(() => this.readvertise());
    }
  }

  private notify(data: Buffer): void {
    if (this.notifier) this.notifier(data);
    else if (this.early.length < MAX_EARLY_NOTIFICATIONS) this.early.push(data);
  }

  private info(): ToyInfo {
    return {
      model: this.toy.model,
      firmware: FIRMWARE_VERSION,
      protocol: this.toy.protocol,
      toyId: this.toy.identity.toyId,
      pairing: this.toy.announcesPairingWindow ? 'open' : 'closed',
    };
  }

  private setServices(): Promise<void> {
    const { bleno } = this;
    const readOnly = (uuid: string, value: () => Buffer): InstanceType<Bleno['Characteristic']> =>
      new bleno.Characteristic({ uuid, properties: ['read'], onReadRequest: (offset, callback) => callback(0, value().subarray(offset)) });
    const secure = new bleno.PrimaryService({
      uuid: PLUSHLINK_SERVICE,
      characteristics: [
        new bleno.Characteristic({
          uuid: FRAMES_IN,
          properties: ['writeWithoutResponse'],
          onWriteRequest: (data, _offset, _withoutResponse, callback) => {
            try {
              this.link?.receive(data);
            } catch (error) {
              // Not the central's problem, and not bleno's: the firmware failed (ToyLink.receive
              // refuses bad input without throwing), so the toy goes off as a crashed one would.
              this.toy.fault(error instanceof Error ? error : new Error(String(error)));
            }
            callback(0);
          },
        }),
        new bleno.Characteristic({
          uuid: FRAMES_OUT,
          properties: ['notify'],
          onSubscribe: (maxValueSize, updateValueCallback) => {
            this.attPayload = fragmentPayload(maxValueSize + 3);
            this.notifier = updateValueCallback;
            for (const data of this.early.splice(0)) updateValueCallback(data);
          },
          onUnsubscribe: () => (this.notifier = undefined),
        }),
        readOnly(TOY_INFO, () => Buffer.from(JSON.stringify(this.info()))),
      ],
    });
    const deviceInformation = new bleno.PrimaryService({
      uuid: DEVICE_INFORMATION,
      characteristics: [
        readOnly(MANUFACTURER_NAME, () => Buffer.from('plushlink')),
        readOnly(MODEL_NUMBER, () => Buffer.from(this.toy.model)),
        readOnly(FIRMWARE_REVISION, () => Buffer.from(FIRMWARE_VERSION)),
      ],
    });
    const battery = new bleno.PrimaryService({
      uuid: BATTERY_SERVICE,
      characteristics: [readOnly(BATTERY_LEVEL, () => Buffer.from([this.toy.battery.percent]))],
    });
    return setNamedServices(bleno, advertisedName(this.toy.identity.toyId), [secure, deviceInformation, battery]);
  }
}
