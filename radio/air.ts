// The shared air between virtual controllers: legacy advertising and scanning, connection
// set-up and tear-down, and the LL data PDUs of every connection. One Air is one radio
// neighbourhood (a toy, the parent's phone, a stranger's phone, a sniffer...). On the fast clock
// everything arrives as soon as the event loop allows; on the realistic clock advertising and
// connection events happen at their simulated times, with range, loss and supervision.
import type { AddressType, BdAddr } from './address';
import { Advertisement, Controller, ControllerOptions, makeAdvertisement } from './controller';
import { Clock, FastClock } from './fast-clock';
import { Status } from './hci';
import { ConnectionParameters, Link, MIN_DATA_LENGTH, Phy, Role } from './link';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BtsnoopWriter, captureBtsnoop } from './btsnoop';
import { Prng } from './prng';
import { registerController, unregisterController } from './registry';
import { RealisticClock } from './realistic-clock';
import { LinkPolicy, mergePolicies, connectionParameters } from './link-policy';
import { heard, INDOOR, PathLossModel, Position, rssiAt, distanceMeters, UNPLACED_RSSI } from './path-loss';
import type { LinkFaults } from './faults';
import { AirLinks } from './air-links';
import { advIndPdu, connectIndPdu, scanReqPdu, scanRspPdu, ADVERTISING_ACCESS_ADDRESS, ADVERTISING_CRC_INIT } from './ll-pdu';
import { packetAirTimeUs, T_IFS_US } from './link-timing';
import { AirPacket, AirSniffer } from './sniffer-pcap';

export type { AirPacket } from './sniffer-pcap';

export interface AirOptions {
  /** Seeds every random choice (addresses, loss, link identifiers): the same seed replays the same air. */
  readonly seed?: number;
  /** Where controllers report what they dropped or refused; silent by default. */
  readonly log?: (line: string) => void;
  /** A folder to write one btsnoop capture per device into (`NAME-ID.btsnoop`); created if missing. */
  readonly captureDir?: string;
  /**
   * 'fast' (the default): deliver as soon as the event loop allows. 'realistic': a simulated
   * clock with connection events, PHY, data length, packets per event, range, loss and
   * supervision; `clock.now()` reports simulated milliseconds.
   */
  readonly clock?: 'fast' | 'realistic';
  /** Realistic clock: quiet Node turns before simulated time moves on (raise for slow remote hosts). */
  readonly quietTurns?: number;
  /** What every central chooses for its links unless its own options say otherwise. */
  readonly link?: LinkPolicy;
  /** Faults on every device's reception unless its own options say otherwise. */
  readonly faults?: LinkFaults;
  /** Path loss from positions to RSSI and range. */
  readonly pathLoss?: PathLossModel;
  /** Realistic clock: write a capture of the air itself (pcap, LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR) here. */
  readonly snifferPath?: string;
}

/** A controller on the air together with the HCI device id hosts bind to. */
export interface Device {
  readonly deviceId: number;
  readonly controller: Controller;
}

/** The advertising channels, in the order an advertising event uses them. */
const ADVERTISING_CHANNELS = [37, 38, 39] as const;

export class Air {
  readonly clock: Clock;
  readonly seed: number;
  readonly pathLoss: PathLossModel;
  readonly defaultLinkPolicy: LinkPolicy;
  readonly defaultFaults: LinkFaults;
  private readonly devices = new Map<Controller, number>();
  private readonly advertisingTimers = new Map<Controller, () => void>();
  /**
   * Controllers whose scan is on (pruned lazily): an advertising event is offered to these, not
   * to every device on the air, so a fleet of advertisers costs advertisers x scanners.
   */
  private readonly scanners = new Set<Controller>();
  /** Of those, the ones that keep no duplicate filter: the only ones an advertisement's repeats reach. */
  private readonly streamingScanners = new Set<Controller>();
  /** Each advertiser's current advertisement, rebuilt only when its bytes or address change. */
  private readonly advertisements = new Map<Controller, Advertisement>();
  private readonly logLine: ((line: string) => void) | undefined;
  private readonly captureDir: string | undefined;
  private readonly captures = new Map<Controller, BtsnoopWriter>();
  private readonly positions = new Map<Controller, Position>();
  private readonly faults = new Map<Controller, LinkFaults>();
  private readonly observers = new Set<(packet: AirPacket) => void>();
  private readonly links: AirLinks | undefined;
  private readonly sniffer: AirSniffer | undefined;
  private readonly identityPrng: Prng;
  private added = 0;
  private linkCount = 0;
  private closed = false;
  /** An open air keeps its process alive, as an adapter does; close() lets the process exit. */
  private readonly keepAlive: NodeJS.Timeout = setInterval(() => undefined, 0x7fffffff);

  constructor(options: AirOptions = {}) {
    this.seed = (options.seed ?? 1) >>> 0;
    this.logLine = options.log;
    this.captureDir = options.captureDir;
    if (this.captureDir) mkdirSync(this.captureDir, { recursive: true });
    this.pathLoss = options.pathLoss ?? INDOOR;
    this.defaultLinkPolicy = options.link ?? {};
    this.defaultFaults = options.faults ?? {};
    this.identityPrng = Prng.derive(this.seed, 0x4c4c0000);
    if (options.clock === 'realistic') {
      const clock = new RealisticClock(options.quietTurns === undefined ? {} : { quietTurns: options.quietTurns });
      this.clock = clock;
      this.links = new AirLinks(this, clock);
      if (options.snifferPath) this.sniffer = new AirSniffer(this, options.snifferPath);
    } else {
      this.clock = new FastClock();
    }
  }

  /** Whether this air runs on the realistic clock. */
  get realistic(): boolean {
    return this.links !== undefined;
  }

  /** Adds a powered controller and registers it under a fresh HCI device id. */
  addDevice(options: ControllerOptions = {}): Device {
    if (this.closed) throw new Error('this air is closed');
    const controller = new Controller(this, Prng.derive(this.seed, this.added++), options);
    const deviceId = registerController(controller);
    this.devices.set(controller, deviceId);
    if (options.position) this.positions.set(controller, options.position);
    if (options.faults) this.faults.set(controller, options.faults);
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

  /** The pcap capture of the air, when the air was given a sniffer path. */
  get snifferPath(): string | undefined {
    return this.sniffer?.path;
  }

  get controllers(): Controller[] {
    return [...this.devices.keys()];
  }

  /** Every packet on the air as a sniffer sees it (realistic clock). Returns a function that stops. */
  observe(observer: (packet: AirPacket) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  emit(packet: AirPacket): void {
    for (const observer of this.observers) observer(packet);
  }

  // ---- devices: power, place, faults, policy ---------------------------------------------------

  /**
   * Cuts a controller's power: its host sees the device go down; its peers see the link drop by
   * supervision timeout (at once on the fast clock, after the timeout on the realistic one).
   */
  powerOff(controller: Controller): void {
    if (!controller.powered) return;
    this.abandonLinks(controller);
    controller.powered = false;
    controller.initiator = undefined;
    controller.advertising.enabled = false;
    controller.scan.enabled = false;
    this.stopAdvertising(controller);
  }

  powerOn(controller: Controller): void {
    controller.powered = true;
  }

  /** Moves a device (metres). Links that end up out of range drop by supervision timeout. */
  place(controller: Controller, position: Position): void {
    this.positions.set(controller, position);
    this.clock.noteActivity();
    for (const link of [...controller.links.values()]) {
      if (this.links) this.links.reachabilityChanged(link);
      else if (!this.inRange(link.central.controller, link.peripheral.controller, link.phy)) this.clock.defer(() => this.timedOut(link));
    }
  }

  position(controller: Controller): Position | undefined {
    return this.positions.get(controller);
  }

  /** Faults on what `controller` receives from now on (loss, host latency). */
  setFaults(controller: Controller, faults: LinkFaults): void {
    this.faults.set(controller, faults);
  }

  faultsOf(controller: Controller): LinkFaults {
    return this.faults.get(controller) ?? this.defaultFaults;
  }

  /**
   * What `central` chooses for its next links; a live link it leads takes the new per-event limit
   * at once (other parameters change through connection updates, as on a phone).
   */
  setLinkPolicy(central: Controller, policy: LinkPolicy): void {
    central.linkPolicy = mergePolicies(central.linkPolicy, policy);
    for (const link of central.links.values()) if (link.central.controller === central) link.packetsPerEvent = central.linkPolicy.packetsPerEvent;
  }

  /** Received signal strength between two devices, in dBm. */
  rssi(receiver: Controller, sender: Controller): number {
    const a = this.positions.get(receiver);
    const b = this.positions.get(sender);
    return a && b ? rssiAt(distanceMeters(a, b), this.pathLoss) : UNPLACED_RSSI;
  }

  inRange(a: Controller, b: Controller, phy: Phy): boolean {
    return heard(this.rssi(a, b), phy, this.pathLoss);
  }

  /** Removes a device from the air and from the registry. */
  removeDevice(controller: Controller): void {
    this.powerOff(controller);
    const id = this.devices.get(controller);
    if (id !== undefined) unregisterController(id);
    this.devices.delete(controller);
    this.scanners.delete(controller);
    this.streamingScanners.delete(controller);
    this.advertisements.delete(controller);
    this.captures.get(controller)?.close();
    this.captures.delete(controller);
  }

  /** Powers everything off and releases every device id; hosts see their devices go down. */
  close(): void {
    for (const controller of this.controllers) this.removeDevice(controller);
    this.links?.closeAll();
    this.sniffer?.close();
    this.closed = true;
    clearInterval(this.keepAlive);
  }

  log(controller: Controller, message: string): void {
    this.logLine?.(`[${controller.name} ${controller.address}] ${message}`);
  }

  // ---- advertising and scanning ----------------------------------------------------------------

  advertisingChanged(controller: Controller): void {
    const adv = controller.advertising;
    if (!adv.enabled || !controller.powered) {
      this.stopAdvertising(controller);
      return;
    }
    if (this.links) {
      // Realistic: advertising events at the interval, the first at once; they move simulated
      // time only while someone listens (a scan not yet satisfied, or an initiator waiting).
      if (!this.advertisingTimers.has(controller)) {
        const clock = this.links.clock;
        const drives = (): boolean => this.someoneListensTo(controller);
        const event = (): void => this.advertisingEvent(controller, clock.nowMicros());
        const first = this.clock.after(0, event, drives);
        const rest = this.clock.every(adv.intervalUnits * 0.625, event, drives);
        this.advertisingTimers.set(controller, () => (first(), rest()));
      }
      return;
    }
    // Each advertising event reaches every scanner; the first goes out at once (fast clock).
    if (!this.advertisingTimers.has(controller)) {
      const intervalMs = adv.intervalUnits * 0.625;
      this.advertisingTimers.set(controller, this.clock.every(intervalMs, () => this.broadcast(controller, 'repeat')));
    }
    this.clock.defer(() => this.broadcast(controller, 'changed'));
    if (adv.type === 0x00 || adv.type === 0x01) {
      for (const central of this.devices.keys()) if (central.initiator) this.clock.defer(() => this.initiate(central));
    }
  }

  scanningChanged(scanner: Controller): void {
    this.streamingScanners.delete(scanner);
    if (!scanner.scan.enabled) {
      this.scanners.delete(scanner);
      return;
    }
    this.scanners.add(scanner);
    if (!scanner.scan.filterDuplicates) this.streamingScanners.add(scanner);
    if (this.links) return;
    // In the order the devices joined the air, as the advertisers' events would be heard.
    this.clock.defer(() => {
      for (const advertiser of this.devices.keys()) if (advertiser !== scanner && advertiser.advertising.enabled) this.deliver(advertiser, scanner);
    });
  }

  private stopAdvertising(controller: Controller): void {
    this.advertisingTimers.get(controller)?.();
    this.advertisingTimers.delete(controller);
  }

  /**
   * An advertising event on the fast clock: it reaches each scanner that would report it; the
   * rest would drop it in their controller, and are skipped without building anything. A repeat
   * (the advertising interval's events) concerns only scanners that keep no duplicate filter: a
   * scanner that filters duplicates has heard this advertisement already, when its scan started
   * (scanningChanged), when the advertisement changed, or when its own filters changed
   * (scanFiltersChanged). So a fleet's advertising costs advertisers x such scanners per interval.
   */
  private broadcast(advertiser: Controller, why: 'changed' | 'repeat'): void {
    if (!advertiser.advertising.enabled || !advertiser.powered) return;
    const scanners = why === 'repeat' ? this.streamingScanners : this.scanners;
    if (scanners.size === 0) return;
    const adv = this.advertisement(advertiser);
    for (const scanner of scanners) {
      if (!scanner.scan.enabled || (why === 'repeat' && scanner.scan.filterDuplicates)) scanners.delete(scanner);
      else if (scanner !== advertiser && scanner.wouldReport(adv, this.rssi(scanner, advertiser))) this.deliver(advertiser, scanner, adv);
    }
  }

  /** A scanner's controller filters changed mid-scan: what it filtered out before may now reach it. */
  scanFiltersChanged(scanner: Controller): void {
    if (scanner.scan.enabled) this.scanningChanged(scanner);
  }

  private advertisement(advertiser: Controller): Advertisement {
    const adv = advertiser.advertising;
    const cached = this.advertisements.get(advertiser);
    const random = adv.ownAddressType === 'random' && advertiser.randomAddress !== undefined;
    if (
      cached &&
      cached.type === adv.type &&
      cached.data === adv.data &&
      cached.scanResponse === adv.scanResponse &&
      cached.addressType === (random ? 'random' : 'public') &&
      cached.address === (random ? advertiser.randomAddress : advertiser.address)
    ) {
      return cached;
    }
    const { address, type } = advertiser.advertisingAddress();
    const made = makeAdvertisement({ from: advertiser, type: adv.type, address, addressType: type, data: adv.data, scanResponse: adv.scanResponse });
    this.advertisements.set(advertiser, made);
    return made;
  }

  private deliver(advertiser: Controller, scanner: Controller, adv?: Advertisement): void {
    if (!advertiser.advertising.enabled || !advertiser.powered || !scanner.scan.enabled) return;
    const rssi = this.rssi(scanner, advertiser);
    if (!heard(rssi, '1M', this.pathLoss)) return;
    scanner.receiveAdvertisement(adv ?? this.advertisement(advertiser), rssi);
  }

  private someoneListensTo(advertiser: Controller): boolean {
    if (!advertiser.advertising.enabled || !advertiser.powered) return false;
    const adv = this.advertisement(advertiser);
    return this.controllers.some(
      (c) =>
        c !== advertiser &&
        this.inRange(c, advertiser, '1M') &&
        (c.wouldReport(adv, this.rssi(c, advertiser)) || (c.initiator !== undefined && isConnectableAt(advertiser, c.initiator.peerAddress, c.initiator.peerAddressType))),
    );
  }

  /** One advertising event on the realistic clock: the PDU on channels 37, 38 and 39, then scans and connections. */
  private advertisingEvent(advertiser: Controller, t0: number): void {
    if (!advertiser.advertising.enabled || !advertiser.powered) return;
    const own = advertiser.advertisingAddress();
    const pdu = advIndPdu(advertiser.advertising.type, own, advertiser.advertising.data);
    const step = packetAirTimeUs('1M', pdu.length - 2) + T_IFS_US * 2;
    ADVERTISING_CHANNELS.forEach((channel, i) => this.emitAdvertising(t0 + i * step, channel, pdu));
    const adv = this.advertisement(advertiser);
    const scannable = adv.type === 0x00 || adv.type === 0x02;
    for (const scanner of this.controllers) {
      if (scanner === advertiser || !scanner.scan.enabled || !scanner.powered || !this.inRange(scanner, advertiser, '1M')) continue;
      if (scanner.scan.active && scannable && scanner.wouldReport(adv, this.rssi(scanner, advertiser))) {
        // The scan request and response follow the ADV_IND on its channel, T_IFS apart.
        const request = scanReqPdu(scanner.scan.own, own);
        const at = t0 + packetAirTimeUs('1M', pdu.length - 2) + T_IFS_US;
        this.emitAdvertising(at, 37, request);
        this.emitAdvertising(at + packetAirTimeUs('1M', request.length - 2) + T_IFS_US, 37, scanRspPdu(own, adv.scanResponse));
      }
      this.deliver(advertiser, scanner);
    }
    for (const central of this.controllers) if (central !== advertiser && central.initiator) this.initiate(central, advertiser);
  }

  /** A sniffer stands by the devices: it hears every advertising packet at the unplaced RSSI. */
  private emitAdvertising(timeUs: number, channel: number, pdu: Buffer): void {
    if (this.observers.size === 0) return;
    this.emit({ timeUs, channel, accessAddress: ADVERTISING_ACCESS_ADDRESS, crcInit: ADVERTISING_CRC_INIT, pdu, phy: '1M', rssi: UNPLACED_RSSI, received: true });
  }

  // ---- connections ---------------------------------------------------------------------------

  /**
   * A central is initiating: connect it to the advertiser it named, once that one is connectable.
   * On the realistic clock that happens only at one of the advertiser's events (`atEventOf`).
   */
  initiate(central: Controller, atEventOf?: Controller): void {
    const initiator = central.initiator;
    if (!initiator || !central.powered) return;
    if (this.links && !atEventOf) return;
    const candidates = atEventOf ? [atEventOf] : this.controllers;
    const peripheral = candidates.find(
      (c) => c !== central && isConnectableAt(c, initiator.peerAddress, initiator.peerAddressType) && this.inRange(central, c, '1M'),
    );
    if (!peripheral) return; // stays pending until the peer advertises or the host cancels
    central.initiator = undefined;
    // A legacy advertiser stops advertising when a connection is made from its advertisement.
    peripheral.advertising.enabled = false;
    this.stopAdvertising(peripheral);
    const policy = mergePolicies(this.defaultLinkPolicy, central.linkPolicy);
    const params: ConnectionParameters = Object.keys(policy).length === 0 ? initiator.params : connectionParameters(initiator.params, policy);
    // Both controllers support DLE, so they negotiate the largest common data length at once.
    const dataLength = Math.max(MIN_DATA_LENGTH, Math.min(central.maxDataLength, peripheral.maxDataLength, policy.dataLength ?? Infinity));
    const link = new Link<Controller>(
      { controller: central, handle: central.allocateHandle(), txOctets: dataLength },
      { controller: peripheral, handle: peripheral.allocateHandle(), txOctets: dataLength },
      params,
      this.drawIdentity(),
    );
    link.packetsPerEvent = policy.packetsPerEvent;
    const peripheralAddress = peripheral.advertisingAddress();
    if (this.links && this.observers.size > 0) {
      const pdu = connectIndPdu(initiator.own, peripheralAddress, link.identity, params);
      this.emitAdvertising(this.links.clock.nowMicros() + packetAirTimeUs('1M', 6 + 31) + T_IFS_US, 37, pdu);
    }
    central.connected(link, peripheralAddress.address, peripheralAddress.type);
    // The peripheral learns the address the central initiated from (Vol 4, Part E, 7.7.65.1).
    peripheral.connected(link, initiator.own.address, initiator.own.type);
    this.links?.opened(link);
    if (dataLength !== MIN_DATA_LENGTH) this.dataLengthChanged(link);
    if (policy.phy && policy.phy !== link.phy) this.changePhy(link, policy.phy);
  }

  private drawIdentity(): Link<Controller>['identity'] {
    let accessAddress = this.identityPrng.nextU32();
    if (accessAddress === ADVERTISING_ACCESS_ADDRESS) accessAddress ^= 0x01010101;
    return { accessAddress, crcInit: this.identityPrng.nextU32() & 0xffffff, hop: 5 + (this.identityPrng.nextU32() % 12), serial: this.linkCount++ };
  }

  /**
   * Ends a link: the side that ended it hears Connection Terminated By Local Host, the other the
   * reason given. `silentFor` is a side that hears nothing (it reset or lost power).
   */
  disconnect(link: Link<Controller>, by: Controller, reason: number, options: { silentFor?: Controller } = {}): void {
    if (!link.open) return;
    link.open = false;
    this.links?.closed(link);
    const local = link.end(by);
    const remote = link.other(by);
    if (options.silentFor === by) local.controller.links.delete(local.handle);
    else local.controller.disconnected(local.handle, Status.localHostTerminated);
    remote.controller.disconnected(remote.handle, reason);
  }

  /** The host asked to disconnect: at once (fast), or once LL_TERMINATE_IND is acknowledged (realistic). */
  requestDisconnect(link: Link<Controller>, by: Controller, reason: number): void {
    if (this.links) this.links.terminate(link, by, reason);
    else this.disconnect(link, by, reason);
  }

  /**
   * No packet heard for the supervision timeout: every side still there hears Connection Timeout.
   * Both link layers also give a link up as lost when a procedure is not answered in time (`reason`
   * LL Response Timeout).
   */
  timedOut(link: Link<Controller>, reason: number = Status.connectionTimeout): void {
    if (!link.open) return;
    link.open = false;
    this.links?.closed(link);
    for (const end of [link.central, link.peripheral]) {
      if (end.controller.links.get(end.handle) === link) end.controller.disconnected(end.handle, reason);
    }
  }

  /** A controller lost its links (reset, power cut): it hears nothing, its peers time out. */
  abandonLinks(controller: Controller): void {
    for (const link of [...controller.links.values()]) {
      if (!this.links) {
        this.disconnect(link, controller, Status.connectionTimeout, { silentFor: controller });
        continue;
      }
      controller.links.delete(link.end(controller).handle);
      this.links.reachabilityChanged(link);
    }
  }

  updateConnection(link: Link<Controller>, params: ConnectionParameters): void {
    if (!link.open) return;
    if (this.links) return this.links.updateConnection(link, params);
    link.params = params;
    for (const end of [link.central, link.peripheral]) end.controller.connectionUpdated(link, end.handle);
  }

  changePhy(link: Link<Controller>, phy: Phy): void {
    if (!link.open) return;
    if (this.links) return this.links.changePhy(link, phy);
    link.phy = phy;
    for (const end of [link.central, link.peripheral]) end.controller.phyChanged(link);
  }

  /** LL data from one side: each fragment is one PDU; `sent` runs once all of them are through. */
  sendData(from: Controller, link: Link<Controller>, fragments: ReadonlyArray<{ payload: Buffer; start: boolean }>, sent: () => void): void {
    if (this.links) return this.links.send(link, link.roleOf(from), fragments, sent);
    for (const f of fragments) this.transmit(from, link, f.payload, f.start);
    sent();
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

  /** The role's end of a link still has a powered controller that holds the link. */
  alive(link: Link<Controller>, role: Role): boolean {
    const end = link.side(role);
    return end.controller.powered && end.controller.links.get(end.handle) === link;
  }
}

function isConnectableAt(c: Controller, address: BdAddr, type: AddressType): boolean {
  if (!c.powered || !c.advertising.enabled) return false;
  if (c.advertising.type !== 0x00 && c.advertising.type !== 0x01) return false;
  const own = c.advertisingAddress();
  return own.address === address && own.type === type;
}
