// The shared air between virtual controllers: legacy advertising and scanning, connection
// set-up and tear-down, and the LL data PDUs of every connection. One Air is one radio
// neighbourhood (a toy, the parent's phone, a stranger's phone, a sniffer...).
import type { AddressType, BdAddr } from './address';
import { Advertisement, Controller, ControllerOptions } from './controller';
import { Clock, FastClock } from './fast-clock';
import { Status } from './hci';
import { Link, MIN_DATA_LENGTH } from './link';
import { join } from 'node:path';
import { BtsnoopWriter, captureBtsnoop } from './btsnoop';
import { Prng } from './prng';
import { registerController, unregisterController } from './registry';

export interface AirOptions {
  /** Seeds every random choice (addresses, ...): the same seed replays the same air. */
  readonly seed?: number;
  /** Where controllers report what they dropped or refused; silent by default. */
  readonly log?: (line: string) => void;
  /** A folder to write one btsnoop capture per device into (`NAME-ID.btsnoop`). */
  readonly captureDir?: string;
}

/** A controller on the air together with the HCI device id hosts bind to. */
export interface Device {
  readonly deviceId: number;
  readonly controller: Controller;
}

export class Air {
  readonly clock: Clock = new FastClock();
  readonly seed: number;
  private readonly devices = new Map<Controller, number>();
  private readonly advertisingTimers = new Map<Controller, () => void>();
  private readonly logLine: ((line: string) => void) | undefined;
  private readonly captureDir: string | undefined;
  private readonly captures = new Map<Controller, BtsnoopWriter>();
  private added = 0;
  private closed = false;
  /** An open air keeps its process alive, as an adapter does; close() lets the process exit. */
  private readonly keepAlive: NodeJS.Timeout = setInterval(() => undefined, 0x7fffffff);

  constructor(options: AirOptions = {}) {
    this.seed = (options.seed ?? 1) >>> 0;
    this.logLine = options.log;
    this.captureDir = options.captureDir;
  }

  /** Adds a powered controller and registers it under a fresh HCI device id. */
  addDevice(options: ControllerOptions = {}): Device {
    if (this.closed) throw new Error('this air is closed');
    const controller = new Controller(this, Prng.derive(this.seed, this.added++), options);
    const deviceId = registerController(controller);
    this.devices.set(controller, deviceId);
    if (this.captureDir) {
      const file = `${controller.name.replace(/[^\w.-]+/g, '_')}-${deviceId}.btsnoop`;
      this.captures.set(controller, captureBtsnoop(controller, join(this.captureDir, file)));
    }
    return { deviceId, controller };
  }

  /** The btsnoop file capturing a device, when the air was given a capture folder. */
  capturePath(controller: Controller): string | undefined {
    return this.captures.get(controller)?.path;
  }

  get controllers(): Controller[] {
    return [...this.devices.keys()];
  }

  /**
   * Cuts a controller's power: its peers see the link drop by supervision timeout and its host
   * sees the device go down.
   */
  powerOff(controller: Controller): void {
    if (!controller.powered) return;
    for (const link of [...controller.links.values()]) this.disconnect(link, controller, Status.connectionTimeout, { silentFor: controller });
    controller.powered = false;
    controller.initiator = undefined;
    controller.advertising.enabled = false;
    controller.scan.enabled = false;
    this.stopAdvertising(controller);
  }

  powerOn(controller: Controller): void {
    controller.powered = true;
  }

  /** Removes a device from the air and from the registry. */
  removeDevice(controller: Controller): void {
    this.powerOff(controller);
    const id = this.devices.get(controller);
    if (id !== undefined) unregisterController(id);
    this.devices.delete(controller);
    this.captures.get(controller)?.close();
    this.captures.delete(controller);
  }

  /** Powers everything off and releases every device id; hosts see their devices go down. */
  close(): void {
    for (const controller of this.controllers) this.removeDevice(controller);
    this.closed = true;
    clearInterval(this.keepAlive);
  }

  log(controller: Controller, message: string): void {
    this.logLine?.(`[${controller.name} ${controller.address}] ${message}`);
  }

  /** Received signal strength between two devices, in dBm. */
  rssi(_receiver: Controller, _sender: Controller): number {
    return -50;
  }

  // ---- advertising and scanning ----------------------------------------------------------------

  advertisingChanged(controller: Controller): void {
    const adv = controller.advertising;
    if (!adv.enabled || !controller.powered) {
      this.stopAdvertising(controller);
      return;
    }
    // Each advertising event reaches every scanner; the first goes out at once (fast clock).
    if (!this.advertisingTimers.has(controller)) {
      const intervalMs = adv.intervalUnits * 0.625;
      this.advertisingTimers.set(controller, this.clock.every(intervalMs, () => this.broadcast(controller)));
    }
    this.clock.defer(() => this.broadcast(controller));
    if (adv.type === 0x00 || adv.type === 0x01) {
      for (const central of this.controllers) if (central.initiator) this.clock.defer(() => this.initiate(central));
    }
  }

  scanningChanged(scanner: Controller): void {
    if (!scanner.scan.enabled) return;
    for (const advertiser of this.controllers) {
      if (advertiser !== scanner && advertiser.advertising.enabled) this.clock.defer(() => this.deliver(advertiser, scanner));
    }
  }

  private stopAdvertising(controller: Controller): void {
    this.advertisingTimers.get(controller)?.();
    this.advertisingTimers.delete(controller);
  }

  private broadcast(advertiser: Controller): void {
    for (const scanner of this.controllers) if (scanner !== advertiser) this.deliver(advertiser, scanner);
  }

  private deliver(advertiser: Controller, scanner: Controller): void {
    if (!advertiser.advertising.enabled || !advertiser.powered || !scanner.scan.enabled) return;
    const { address, type } = advertiser.advertisingAddress();
    const adv: Advertisement = {
      from: advertiser,
      type: advertiser.advertising.type,
      address,
      addressType: type,
      data: advertiser.advertising.data,
      scanResponse: advertiser.advertising.scanResponse,
    };
    scanner.receiveAdvertisement(adv, this.rssi(scanner, advertiser));
  }

  // ---- connections ---------------------------------------------------------------------------

  /** A central is initiating: connect it to the advertiser it named, once that one is connectable. */
  initiate(central: Controller): void {
    const initiator = central.initiator;
    if (!initiator || !central.powered) return;
    const peripheral = this.controllers.find((c) => c !== central && isConnectableAt(c, initiator.peerAddress, initiator.peerAddressType));
    if (!peripheral) return; // stays pending until the peer advertises or the host cancels
    central.initiator = undefined;
    // A legacy advertiser stops advertising when a connection is made from its advertisement.
    peripheral.advertising.enabled = false;
    this.stopAdvertising(peripheral);
    // Both controllers support DLE, so they negotiate the largest common data length at once.
    const dataLength = Math.min(central.maxDataLength, peripheral.maxDataLength);
    const link = new Link<Controller>(
      { controller: central, handle: central.allocateHandle(), txOctets: dataLength },
      { controller: peripheral, handle: peripheral.allocateHandle(), txOctets: dataLength },
      initiator.params,
    );
    const peripheralAddress = peripheral.advertisingAddress();
    central.connected(link, peripheralAddress.address, peripheralAddress.type);
    peripheral.connected(link, central.address, 'public');
    if (dataLength !== MIN_DATA_LENGTH) this.dataLengthChanged(link);
  }

  /**
   * Ends a link: the side that ended it hears Connection Terminated By Local Host, the other the
   * reason given. `silentFor` is a side that hears nothing (it reset or lost power).
   */
  disconnect(link: Link<Controller>, by: Controller, reason: number, options: { silentFor?: Controller } = {}): void {
    if (!link.open) return;
    link.open = false;
    const local = link.end(by);
    const remote = link.other(by);
    if (options.silentFor === by) local.controller.links.delete(local.handle);
    else local.controller.disconnected(local.handle, Status.localHostTerminated);
    remote.controller.disconnected(remote.handle, reason);
  }

  transmit(from: Controller, link: Link<Controller>, pdu: Buffer, start: boolean): void {
    const to = link.other(from).controller;
    this.clock.defer(() => {
      if (link.open) to.receiveData(link, pdu, start);
    });
  }

  dataLengthChanged(link: Link<Controller>): void {
    link.central.controller.dataLengthChanged(link);
    link.peripheral.controller.dataLengthChanged(link);
  }
}

function isConnectableAt(c: Controller, address: BdAddr, type: AddressType): boolean {
  if (!c.powered || !c.advertising.enabled) return false;
  if (c.advertising.type !== 0x00 && c.advertising.type !== 0x01) return false;
  const own = c.advertisingAddress();
  return own.address === address && own.type === type;
}
