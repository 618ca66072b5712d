// One virtual Bluetooth LE controller: it answers the HCI commands a host (noble, bleno, or any
// other stack) writes, keeps the controller state they change, and turns what happens on the air
// into the events hosts parse. Everything a host can write is answered with a status, never an
// exception: malformed and unknown commands get the codes a real controller returns.
import { addressFromBytes, addressToBytes, AddressType, BdAddr } from './address';
import type { Air } from './air';
import {
  AdvReportType,
  DEFAULT_EVENT_MASK,
  DEFAULT_LE_EVENT_MASK,
  Ev,
  EventMaskBit,
  LeEv,
  leEventMaskBit,
  Op,
  Status,
} from './hci';
import {
  aclPacket,
  commandComplete,
  commandStatus,
  disconnectionComplete,
  eventPacket,
  HciAcl,
  HciCommand,
  isAclStart,
  leAdvertisingReport,
  leConnectionComplete,
  leMetaEvent,
  numberOfCompletedPackets,
  parseHostPacket,
} from './hci-packet';
import { AclBoundary } from './hci';
import type { LinkFaults } from './faults';
import { ConnectionParameters, Link, MAX_DATA_LENGTH, MIN_DATA_LENGTH, Phy, validConnectionParameters } from './link';
import { grantedIntervalUnits, LinkPolicy, mergePolicies, PhonePreset, PHONES } from './link-policy';
import type { Position } from './path-loss';
import type { Prng } from './prng';
import { supportedCommandsMask } from './supported-commands';
import { AdvertisementMonitors, MSFT_EVENT_PREFIX, MSFT_LE_MONITOR_DEVICE_EVENT, MSFT_OPCODE } from './advertisement-monitor';

export interface ControllerOptions {
  /** A label for logs and captures, e.g. "toy" or "phone". */
  readonly name?: string;
  /** The public device address; drawn from the air's seed when absent. */
  readonly address?: BdAddr;
  /** LE ACL buffer size the host must fragment to (LE_Read_Buffer_Size), 27..1023. */
  readonly aclBufferSize?: number;
  /** LE ACL buffers the host may fill before Number Of Completed Packets frees them. */
  readonly aclBufferCount?: number;
  /** Largest LL payload this controller supports (27 without DLE, up to 251). */
  readonly maxDataLength?: number;
  /** As a central, behave like this phone's controller (interval, timeout, PHY, data length). */
  readonly phone?: PhonePreset;
  /** As a central, these link choices (over the phone preset's, field by field). */
  readonly link?: LinkPolicy;
  /** Where the device stands, in metres; unplaced devices are always in range at -50 dBm. */
  readonly position?: Position;
  /** Faults on what this device receives: loss, host latency. */
  readonly faults?: LinkFaults;
}

export interface AdvertisingState {
  enabled: boolean;
  /** Advertising interval in units of 0.625 ms. */
  intervalUnits: number;
  type: number;
  ownAddressType: AddressType;
  data: Buffer;
  scanResponse: Buffer;
}

export interface ScanState {
  enabled: boolean;
  active: boolean;
  /** The address SCAN_REQ PDUs come from (Own_Address_Type of LE Set Scan Parameters). */
  own: OwnAddress;
  filterDuplicates: boolean;
  seen: Set<string>;
}

/** An address this controller transmits from, and its type. */
export interface OwnAddress {
  readonly address: BdAddr;
  readonly type: AddressType;
}

export interface InitiatorState {
  readonly peerAddress: BdAddr;
  readonly peerAddressType: AddressType;
  /** What CONNECT_IND carries as the initiator's address, and what the peripheral's host is told. */
  readonly own: OwnAddress;
  readonly minUnits: number;
  readonly params: ConnectionParameters;
}

/**
 * What the host sees of a received advertisement. The air builds one per advertiser and reuses
 * it until the advertiser's bytes or address change, so what follows from the bytes (the address
 * as HCI carries it, the duplicate-filter keys) is worked out once, not once per scanner.
 */
export interface Advertisement {
  readonly from: Controller;
  readonly type: number;
  readonly address: BdAddr;
  readonly addressType: AddressType;
  readonly data: Buffer;
  readonly scanResponse: Buffer;
  readonly addressBytes: Buffer;
  /** Duplicate-filter keys of the advertising report and of the scan response report. */
  readonly keys: { readonly adv: string; readonly rsp: string };
}

/**
 * An advertisement's fields as the host will see them, with what derives from them. The duplicate
 * filter keys on address, report type and data, so a changed advertisement (a toy opening its
 * pairing window, say) is still reported.
 */
export function makeAdvertisement(fields: Omit<Advertisement, 'addressBytes' | 'keys'>): Advertisement {
  const head = `${fields.addressType}/${fields.address}`;
  return {
    ...fields,
    addressBytes: addressToBytes(fields.address),
    keys: { adv: `${head}/${advReportType(fields.type)}/${fields.data.toString('hex')}`, rsp: `${head}/${AdvReportType.scanRsp}/${fields.scanResponse.toString('hex')}` },
  };
}

type Reply = { readonly complete: Uint8Array } | { readonly status: number };

interface CommandSpec {
  /** Parameter bytes the command must carry. */
  readonly length: number;
  /** Commands answered by Command Status (the rest by Command Complete). */
  readonly statusStyle?: boolean;
  readonly run: (params: Buffer) => Reply;
}

const ok = (bytes: number[] | Uint8Array = []): Reply => ({ complete: Buffer.concat([Buffer.from([Status.success]), Buffer.from(bytes)]) });
const fail = (status: number): Reply => ({ complete: Buffer.from([status]) });
const u16 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff];
/** A failed command whose return parameters start with a handle still names it (Vol 4, Part E, 4.5). */
const failOn = (handle: number, status: number): Reply => ({ complete: Buffer.from([status, ...u16(handle)]) });

/** HCI 5.2 / LMP 5.2: noble and bleno refuse a controller below HCI version 6 (4.0). */
const HCI_VERSION = 0x0b;
/** 0xFFFF is the company identifier reserved for testing: this controller is nobody's product. */
const MANUFACTURER = 0xffff;
/** LE features: encryption (bit 0), data length extension (bit 5), 2M PHY (bit 8), Coded PHY (bit 11). */
const LE_FEATURES = Buffer.from([0x21, 0x09, 0, 0, 0, 0, 0, 0]);
/** LMP features page 0: LE supported (controller), bit 38; BR/EDR not supported, bit 37. */
const LMP_FEATURES = Buffer.from([0, 0, 0, 0, 0x60, 0, 0, 0]);

export class Controller {
  readonly name: string;
  address: BdAddr;
  randomAddress: BdAddr | undefined;
  readonly aclBufferSize: number;
  readonly aclBufferCount: number;
  readonly maxDataLength: number;
  /** What this controller chooses for the links it opens as a central. */
  linkPolicy: LinkPolicy;
  powered = true;

  readonly advertising: AdvertisingState = Controller.initialAdvertising();
  readonly scan: ScanState;
  initiator: InitiatorState | undefined;
  readonly links = new Map<number, Link<Controller>>();
  /** The scan filter the host set up with the vendor command (advertisement-monitor.ts). */
  readonly monitors = new AdvertisementMonitors();

  private eventMask = DEFAULT_EVENT_MASK;
  private leEventMask = DEFAULT_LE_EVENT_MASK;
  private scanParams = { active: false, ownAddressType: 0 };
  private suggestedDataLength = MIN_DATA_LENGTH;
  private defaultPhy = { tx: 0b111, rx: 0b111 };
  private nextHandle = 0x0040;
  private completed = new Map<number, number>();
  private completedFlushPending = false;
  private host: ((packet: Buffer) => void) | undefined;
  private readonly hostTaps: Array<(direction: 'toController' | 'toHost', packet: Buffer) => void> = [];
  private readonly commands: ReadonlyMap<number, CommandSpec>;

  constructor(
    private readonly air: Air,
    readonly prng: Prng,
    options: ControllerOptions = {},
  ) {
    this.name = options.name ?? 'controller';
    this.address = options.address ?? Controller.drawPublicAddress(prng);
    this.aclBufferSize = clamp(options.aclBufferSize ?? 251, 27, 1023);
    this.aclBufferCount = clamp(options.aclBufferCount ?? 8, 1, 255);
    this.maxDataLength = clamp(options.maxDataLength ?? MAX_DATA_LENGTH, MIN_DATA_LENGTH, MAX_DATA_LENGTH);
    this.linkPolicy = mergePolicies(options.phone ? PHONES[options.phone] : undefined, options.link);
    this.scan = { enabled: false, active: false, own: { address: this.address, type: 'public' }, filterDuplicates: false, seen: new Set() };
    this.commands = this.commandTable();
  }

  // ---- the host side -------------------------------------------------------------------------

  /** Connects a host: everything the controller sends goes to `sink`, in order. */
  attachHost(sink: (packet: Buffer) => void): void {
    this.host = sink;
  }

  detachHost(): void {
    this.host = undefined;
  }

  /** Observes every packet crossing this controller's HCI, both ways (captures use it). */
  tap(observer: (direction: 'toController' | 'toHost', packet: Buffer) => void): () => void {
    this.hostTaps.push(observer);
    return () => {
      const i = this.hostTaps.indexOf(observer);
      if (i >= 0) this.hostTaps.splice(i, 1);
    };
  }

  /** One whole H4 packet from the host. */
  fromHost(packet: Buffer): void {
    for (const observe of this.hostTaps) observe('toController', packet);
    this.air.clock.noteActivity();
    if (!this.powered) return;
    const parsed = parseHostPacket(packet);
    if (parsed.kind === 'command') this.onCommand(parsed.command);
    else if (parsed.kind === 'acl') this.onAcl(parsed.acl);
    else if (parsed.opcode !== undefined) {
      this.air.log(this, `malformed command: ${parsed.reason}`);
      this.reply(parsed.opcode, this.commands.get(parsed.opcode)?.statusStyle ? { status: Status.invalidParameters } : fail(Status.invalidParameters));
    } else {
      this.air.log(this, `dropped: ${parsed.reason}`);
    }
  }

  private toHost(packet: Buffer): void {
    this.air.clock.defer(() => {
      for (const observe of this.hostTaps) observe('toHost', packet);
      this.host?.(packet);
    });
  }

  private eventEnabled(bit: number): boolean {
    return ((this.eventMask >> BigInt(bit)) & 1n) === 1n;
  }

  private sendLeMeta(subevent: number, params: Uint8Array): void {
    if (!this.eventEnabled(EventMaskBit.leMeta)) return;
    if (((this.leEventMask >> BigInt(leEventMaskBit(subevent))) & 1n) !== 1n) return;
    this.toHost(leMetaEvent(subevent, params));
  }

  private reply(op: number, reply: Reply): void {
    this.toHost('complete' in reply ? commandComplete(op, reply.complete) : commandStatus(op, reply.status));
  }

  private onCommand(command: HciCommand): void {
    if (command.opcode === MSFT_OPCODE) {
      this.reply(command.opcode, { complete: this.monitors.command(command.params) });
      this.air.scanFiltersChanged(this);
      return;
    }
    const spec = this.commands.get(command.opcode);
    if (!spec) {
      this.air.log(this, `unknown command 0x${command.opcode.toString(16).padStart(4, '0')}`);
      this.reply(command.opcode, fail(Status.unknownCommand));
      return;
    }
    if (command.params.length !== spec.length) {
      const status = Status.invalidParameters;
      this.reply(command.opcode, spec.statusStyle ? { status } : fail(status));
      return;
    }
    this.reply(command.opcode, spec.run(command.params));
  }

  // ---- commands ------------------------------------------------------------------------------

  private commandTable(): Map<number, CommandSpec> {
    const t = new Map<number, CommandSpec>();
    const def = (op: number, length: number, run: (p: Buffer) => Reply, statusStyle = false): void => {
      t.set(op, { length, run, statusStyle });
    };

    def(Op.reset, 0, () => {
      this.reset();
      return ok();
    });
    def(Op.setEventMask, 8, (p) => {
      this.eventMask = p.readBigUInt64LE(0);
      return ok();
    });
    def(Op.setEventMaskPage2, 8, () => ok());
    def(Op.writeLeHostSupported, 2, () => ok());
    def(Op.readLeHostSupported, 0, () => ok([1, 0]));
    def(Op.readLocalVersion, 0, () => ok([HCI_VERSION, ...u16(0), HCI_VERSION, ...u16(MANUFACTURER), ...u16(0)]));
    def(Op.readLocalSupportedCommands, 0, () => ok(supportedCommandsMask([...t.keys()])));
    def(Op.readLocalSupportedFeatures, 0, () => ok(LMP_FEATURES));
    // No BR/EDR buffers: hosts read the LE ones; report them here too for hosts that ask.
    def(Op.readBufferSize, 0, () => ok([...u16(this.aclBufferSize), 0, ...u16(this.aclBufferCount), ...u16(0)]));
    def(Op.readBdAddr, 0, () => ok(addressToBytes(this.address)));
    def(Op.readRssi, 2, (p) => {
      const handle = p.readUInt16LE(0);
      const link = this.links.get(handle);
      if (!link) return failOn(handle, Status.unknownConnectionId);
      const rssi = this.air.rssi(this, link.other(this).controller);
      return ok([...u16(handle), rssi & 0xff]);
    });
    def(Op.disconnect, 3, (p) => this.disconnectCommand(p.readUInt16LE(0), p[2]!), true);
    def(Op.readRemoteVersion, 2, (p) => this.readRemoteVersion(p.readUInt16LE(0)), true);

    def(Op.leSetEventMask, 8, (p) => {
      this.leEventMask = p.readBigUInt64LE(0);
      return ok();
    });
    def(Op.leReadBufferSize, 0, () => ok([...u16(this.aclBufferSize), this.aclBufferCount]));
    def(Op.leReadLocalSupportedFeatures, 0, () => ok(LE_FEATURES));
    def(Op.leSetRandomAddress, 6, (p) => {
      // Not while legacy advertising, scanning or initiating use the address (Vol 4, Part E, 7.8.4).
      if (this.advertising.enabled || this.scan.enabled || this.initiator) return fail(Status.commandDisallowed);
      this.randomAddress = addressFromBytes(p);
      return ok();
    });
    def(Op.leSetAdvertisingParameters, 15, (p) => this.setAdvertisingParameters(p));
    def(Op.leReadAdvertisingTxPower, 0, () => ok([0]));
    def(Op.leSetAdvertisingData, 32, (p) => this.setAdvertisingPayload('data', p));
    def(Op.leSetScanResponseData, 32, (p) => this.setAdvertisingPayload('scanResponse', p));
    def(Op.leSetAdvertiseEnable, 1, (p) => this.setAdvertiseEnable(p[0]!));
    def(Op.leSetScanParameters, 7, (p) => {
      if (this.scan.enabled) return fail(Status.commandDisallowed);
      if (p[0]! > 1 || p[5]! > 3) return fail(Status.invalidParameters);
      this.scanParams = { active: p[0] === 1, ownAddressType: p[5]! };
      return ok();
    });
    def(Op.leSetScanEnable, 2, (p) => this.setScanEnable(p[0]!, p[1]!));
    def(Op.leCreateConnection, 25, (p) => this.createConnection(p), true);
    def(Op.leCreateConnectionCancel, 0, () => this.cancelCreateConnection());
    def(Op.leReadFilterAcceptListSize, 0, () => ok([0]));
    def(Op.leClearFilterAcceptList, 0, () => ok());
    def(Op.leConnectionUpdate, 14, (p) => this.connectionUpdate(p), true);
    def(Op.leReadRemoteFeatures, 2, (p) => this.readRemoteFeatures(p.readUInt16LE(0)), true);
    def(Op.leRand, 0, () => ok(this.prng.bytes(8)));
    def(Op.leStartEncryption, 28, (p) => this.startEncryption(p), true);
    def(Op.leLtkReply, 18, (p) => this.ltkReply(p.readUInt16LE(0), p.subarray(2, 18)));
    def(Op.leLtkNegativeReply, 2, (p) => this.ltkReply(p.readUInt16LE(0), undefined));
    def(Op.leReadSupportedStates, 0, () => ok([0xff, 0xff, 0xff, 0xff, 0xff, 0x03, 0, 0]));
    def(Op.leSetDataLength, 6, (p) => this.setDataLength(p.readUInt16LE(0), p.readUInt16LE(2)));
    def(Op.leReadSuggestedDefaultDataLength, 0, () => ok([...u16(this.suggestedDataLength), ...u16(txTime(this.suggestedDataLength))]));
    def(Op.leWriteSuggestedDefaultDataLength, 4, (p) => {
      const octets = p.readUInt16LE(0);
      if (octets < MIN_DATA_LENGTH || octets > MAX_DATA_LENGTH) return fail(Status.invalidParameters);
      this.suggestedDataLength = octets;
      return ok();
    });
    def(Op.leReadMaximumDataLength, 0, () => {
      const n = this.maxDataLength;
      return ok([...u16(n), ...u16(txTime(n)), ...u16(n), ...u16(txTime(n))]);
    });
    def(Op.leReadPhy, 2, (p) => {
      const handle = p.readUInt16LE(0);
      const link = this.links.get(handle);
      if (!link) return failOn(handle, Status.unknownConnectionId);
      return ok([...u16(handle), phyCode(link.phy), phyCode(link.phy)]);
    });
    def(Op.leSetDefaultPhy, 3, (p) => {
      this.defaultPhy = { tx: p[0]! & 1 ? 0b111 : p[1]!, rx: p[0]! & 2 ? 0b111 : p[2]! };
      return ok();
    });
    def(Op.leSetPhy, 7, (p) => this.setPhy(p), true);
    return t;
  }

  private reset(): void {
    this.air.abandonLinks(this);
    Object.assign(this.advertising, Controller.initialAdvertising());
    Object.assign(this.scan, { enabled: false, active: false, own: { address: this.address, type: 'public' }, filterDuplicates: false, seen: new Set() });
    this.scanParams = { active: false, ownAddressType: 0 };
    this.initiator = undefined;
    this.eventMask = DEFAULT_EVENT_MASK;
    this.leEventMask = DEFAULT_LE_EVENT_MASK;
    this.randomAddress = undefined;
    this.completed.clear();
    this.monitors.reset();
    this.air.advertisingChanged(this);
  }

  private setAdvertisingParameters(p: Buffer): Reply {
    if (this.advertising.enabled) return fail(Status.commandDisallowed);
    const minUnits = p.readUInt16LE(0);
    const maxUnits = p.readUInt16LE(2);
    const type = p[4]!;
    const ownAddressType = p[5]!;
    if (type > 4 || ownAddressType > 3 || minUnits > maxUnits) return fail(Status.invalidParameters);
    // Directed high duty cycle (type 1) has no interval; the others need at least 20 ms.
    if (type !== 1 && (minUnits < 0x20 || maxUnits > 0x4000)) return fail(Status.invalidParameters);
    this.advertising.intervalUnits = minUnits;
    this.advertising.type = type;
    // 0x02 and 0x03 ask for a resolvable private address from the resolving list; with the list
    // empty (this controller keeps none) they fall back to the public and the random address.
    this.advertising.ownAddressType = ownAddressType & 1 ? 'random' : 'public';
    return ok();
  }

  private setAdvertisingPayload(which: 'data' | 'scanResponse', p: Buffer): Reply {
    const length = p[0]!;
    if (length > 31) return fail(Status.invalidParameters);
    this.advertising[which] = Buffer.from(p.subarray(1, 1 + length));
    this.air.advertisingChanged(this);
    return ok();
  }

  private setAdvertiseEnable(enable: number): Reply {
    if (enable > 1) return fail(Status.invalidParameters);
    if (enable === 1 && this.advertising.ownAddressType === 'random' && !this.randomAddress) return fail(Status.invalidParameters);
    this.advertising.enabled = enable === 1;
    this.air.advertisingChanged(this);
    return ok();
  }

  private setScanEnable(enable: number, filterDuplicates: number): Reply {
    if (enable > 1 || filterDuplicates > 1) return fail(Status.invalidParameters);
    const starting = enable === 1 && !this.scan.enabled;
    if (starting) {
      const own = this.ownAddress(this.scanParams.ownAddressType);
      if (!own) return fail(Status.invalidParameters);
      this.scan.own = own;
    }
    this.scan.enabled = enable === 1;
    this.scan.active = this.scanParams.active;
    this.scan.filterDuplicates = filterDuplicates === 1;
    if (starting) this.scan.seen = new Set();
    this.air.scanningChanged(this);
    return ok();
  }

  private createConnection(p: Buffer): Reply {
    if (this.initiator) return { status: Status.commandDisallowed };
    const filterPolicy = p[4]!;
    const peerAddressType = p[5]!;
    const ownAddressType = p[12]!;
    const minUnits = p.readUInt16LE(13);
    const maxUnits = p.readUInt16LE(15);
    const latency = p.readUInt16LE(17);
    const timeoutUnits = p.readUInt16LE(19);
    if (filterPolicy > 1 || peerAddressType > 3 || ownAddressType > 3) return { status: Status.invalidParameters };
    if (!validConnectionParameters(minUnits, maxUnits, { latency, timeoutUnits })) return { status: Status.invalidParameters };
    const own = this.ownAddress(ownAddressType);
    if (!own) return { status: Status.invalidParameters };
    this.initiator = {
      peerAddress: addressFromBytes(p.subarray(6, 12)),
      peerAddressType: peerAddressType & 1 ? 'random' : 'public',
      own,
      minUnits,
      // The central picks the fastest interval the host allows, as phones do when idle.
      params: { intervalUnits: minUnits, latency, timeoutUnits },
    };
    this.air.clock.defer(() => this.air.initiate(this));
    return { status: Status.success };
  }

  private cancelCreateConnection(): Reply {
    if (!this.initiator) return fail(Status.commandDisallowed);
    const initiator = this.initiator;
    this.initiator = undefined;
    this.air.clock.defer(() => this.reportInitiationFailed(initiator, Status.unknownConnectionId));
    return ok();
  }

  private disconnectCommand(handle: number, reason: number): Reply {
    const link = this.links.get(handle);
    if (!link) return { status: Status.unknownConnectionId };
    // Only these reasons may be given to HCI_Disconnect (Vol 4, Part E, 7.1.6).
    const allowed: number[] = [0x05, 0x13, 0x14, 0x15, 0x1a, 0x29, 0x3b];
    if (!allowed.includes(reason)) return { status: Status.invalidParameters };
    this.air.clock.defer(() => this.air.requestDisconnect(link, this, reason));
    return { status: Status.success };
  }

  private readRemoteVersion(handle: number): Reply {
    if (!this.links.has(handle)) return { status: Status.unknownConnectionId };
    this.air.clock.defer(() => {
      if (!this.eventEnabled(EventMaskBit.readRemoteVersionComplete)) return;
      this.toHost(eventPacket(Ev.readRemoteVersionComplete, Buffer.from([Status.success, ...u16(handle), HCI_VERSION, ...u16(MANUFACTURER), ...u16(0)])));
    });
    return { status: Status.success };
  }

  private readRemoteFeatures(handle: number): Reply {
    if (!this.links.has(handle)) return { status: Status.unknownConnectionId };
    this.air.clock.defer(() => this.sendLeMeta(LeEv.readRemoteFeaturesComplete, Buffer.from([Status.success, ...u16(handle), ...LE_FEATURES])));
    return { status: Status.success };
  }

  private connectionUpdate(p: Buffer): Reply {
    const handle = p.readUInt16LE(0);
    const link = this.links.get(handle);
    if (!link) return { status: Status.unknownConnectionId };
    const minUnits = p.readUInt16LE(2);
    const maxUnits = p.readUInt16LE(4);
    const latency = p.readUInt16LE(6);
    const timeoutUnits = p.readUInt16LE(8);
    if (!validConnectionParameters(minUnits, maxUnits, { latency, timeoutUnits })) return { status: Status.invalidParameters };
    // A phone grants what its OS allows (iOS: multiples of 15 ms); without a policy, the host's maximum.
    const granted = this.linkPolicy.minUpdateIntervalMs === undefined ? maxUnits : grantedIntervalUnits(minUnits, maxUnits, this.linkPolicy);
    if (granted === undefined) return { status: Status.unacceptableConnectionParameters };
    this.air.clock.defer(() => this.air.updateConnection(link, { intervalUnits: granted, latency, timeoutUnits }));
    return { status: Status.success };
  }

  private startEncryption(p: Buffer): Reply {
    const handle = p.readUInt16LE(0);
    const link = this.links.get(handle);
    if (!link) return { status: Status.unknownConnectionId };
    if (link.roleOf(this) !== 'central') return { status: Status.commandDisallowed };
    const key = Buffer.from(p.subarray(12, 28));
    const peer = link.peripheral;
    this.air.clock.defer(() => peer.controller.longTermKeyRequested(link, p.subarray(2, 12), key));
    return { status: Status.success };
  }

  private pendingLtk = new Map<number, { link: Link<Controller>; key: Buffer; cancelTimeout: () => void }>();

  /**
   * The peripheral side of encryption start: ask the host for the key the central used. A host
   * that never answers (bleno leaves the request to a kernel) loses the link to the LL response
   * timeout, as the specification has it, instead of leaving the central waiting for ever.
   */
  private longTermKeyRequested(link: Link<Controller>, randAndEdiv: Uint8Array, key: Buffer): void {
    const handle = link.end(this).handle;
    const cancelTimeout = this.air.clock.after(llResponseTimeoutMs(this.air.clock.kind), () => {
      if (this.pendingLtk.get(handle)?.link !== link) return;
      this.pendingLtk.delete(handle);
      this.air.log(this, `no LTK reply for handle 0x${handle.toString(16)}: LL response timeout`);
      this.air.timedOut(link, Status.llResponseTimeout);
    });
    this.pendingLtk.set(handle, { link, key, cancelTimeout });
    const asked = this.eventEnabled(EventMaskBit.leMeta) && ((this.leEventMask >> BigInt(leEventMaskBit(LeEv.longTermKeyRequest))) & 1n) === 1n;
    if (asked) this.sendLeMeta(LeEv.longTermKeyRequest, Buffer.from([...u16(handle), ...randAndEdiv]));
    else this.ltkReply(handle, undefined);
  }

  private ltkReply(handle: number, key: Uint8Array | undefined): Reply {
    const pending = this.pendingLtk.get(handle);
    if (!pending) return failOn(handle, Status.unknownConnectionId);
    this.pendingLtk.delete(handle);
    pending.cancelTimeout();
    const { link } = pending;
    const matched = key !== undefined && Buffer.from(key).equals(pending.key);
    this.air.clock.defer(() => {
      if (!link.open) return;
      link.encrypted = matched;
      const { central, peripheral } = link;
      if (matched) {
        for (const end of [central, peripheral]) end.controller.encryptionChanged(end.handle, Status.success, true);
      } else if (key === undefined) {
        // The peripheral host has no key: the start fails at the central only.
        central.controller.encryptionChanged(central.handle, Status.pinOrKeyMissing, false);
      } else {
        // Different keys: the first encrypted packet fails its MIC on both ends.
        for (const end of [central, peripheral]) end.controller.encryptionChanged(end.handle, Status.micFailure, false);
      }
    });
    return ok(u16(handle));
  }

  private setDataLength(handle: number, txOctets: number): Reply {
    const link = this.links.get(handle);
    if (!link) return failOn(handle, Status.unknownConnectionId);
    if (txOctets < MIN_DATA_LENGTH || txOctets > MAX_DATA_LENGTH) return failOn(handle, Status.invalidParameters);
    const end = link.end(this);
    const before = end.txOctets;
    end.txOctets = Math.min(txOctets, this.maxDataLength, link.other(this).controller.maxDataLength);
    if (end.txOctets !== before) this.air.clock.defer(() => this.air.dataLengthChanged(link));
    return ok(u16(handle));
  }

  private setPhy(p: Buffer): Reply {
    const handle = p.readUInt16LE(0);
    const link = this.links.get(handle);
    if (!link) return { status: Status.unknownConnectionId };
    const allPhys = p[2]!;
    const tx = allPhys & 1 ? 0b111 : p[3]!;
    const rx = allPhys & 2 ? 0b111 : p[4]!;
    const peer = link.other(this).controller.defaultPhy;
    const common = tx & rx & peer.tx & peer.rx;
    const phy: Phy = common & 0b010 ? '2M' : common & 0b001 ? '1M' : common & 0b100 ? 'coded' : link.phy;
    this.air.clock.defer(() => this.air.changePhy(link, phy));
    return { status: Status.success };
  }

  // ---- ACL data ------------------------------------------------------------------------------

  private onAcl(acl: HciAcl): void {
    const link = this.links.get(acl.handle);
    if (!link) {
      this.air.log(this, `ACL data for unknown handle 0x${acl.handle.toString(16)} dropped`);
      return;
    }
    if (acl.data.length > this.aclBufferSize) {
      this.air.log(this, `ACL packet of ${acl.data.length} bytes exceeds the ${this.aclBufferSize}-byte buffer: dropped`);
    } else if (acl.boundary === AclBoundary.continuing || isAclStart(acl.boundary)) {
      // The link layer carries the data in PDUs no longer than the connection's data length.
      const size = link.end(this).txOctets;
      const fragments: Array<{ payload: Buffer; start: boolean }> = [];
      for (let offset = 0; offset < acl.data.length || offset === 0; offset += size) {
        fragments.push({ payload: Buffer.from(acl.data.subarray(offset, offset + size)), start: offset === 0 && isAclStart(acl.boundary) });
        if (acl.data.length === 0) break;
      }
      // The buffer is free once the packet is sent (on the realistic clock: acknowledged by the peer).
      this.air.sendData(this, link, fragments, () => this.completePacket(acl.handle));
      return;
    } else {
      this.air.log(this, `ACL packet with reserved boundary flag ${acl.boundary} dropped`);
    }
    // A refused packet frees its buffer too: hosts stall without this event.
    this.completePacket(acl.handle);
  }

  private completePacket(handle: number): void {
    this.completed.set(handle, (this.completed.get(handle) ?? 0) + 1);
    if (!this.completedFlushPending) {
      this.completedFlushPending = true;
      this.air.clock.defer(() => this.flushCompleted());
    }
  }

  private flushCompleted(): void {
    this.completedFlushPending = false;
    const counts = new Map([...this.completed].filter(([handle]) => this.links.has(handle)));
    this.completed.clear();
    if (counts.size > 0) this.toHost(numberOfCompletedPackets(counts));
  }

  // ---- what the air tells this controller ----------------------------------------------------

  /** An advertising PDU (and, on an active scan, the scan response) reached this scanner. */
  receiveAdvertisement(adv: Advertisement, rssi: number): void {
    if (!this.scan.enabled || !this.powered) return;
    const scannable = adv.type === 0x00 || adv.type === 0x02;
    const scanned = this.scan.active && scannable;
    if (!this.monitors.passes(adv, rssi, scanned)) return;
    if (this.monitors.active) for (const handle of this.monitors.newlyMonitored(adv, rssi, scanned)) this.monitorDeviceEvent(adv, handle);
    this.report(adv, advReportType(adv.type), adv.keys.adv, adv.data, rssi);
    if (scanned) this.report(adv, AdvReportType.scanRsp, adv.keys.rsp, adv.scanResponse, rssi);
  }

  /** Whether receiving `adv` at `rssi` now would tell the host anything (a scan not yet satisfied). */
  wouldReport(adv: Advertisement, rssi: number): boolean {
    if (!this.scan.enabled || !this.powered) return false;
    const scanned = this.scan.active && (adv.type === 0x00 || adv.type === 0x02);
    if (!this.monitors.passes(adv, rssi, scanned)) return false;
    if (!this.scan.filterDuplicates) return true;
    return !this.scan.seen.has(adv.keys.adv) || (scanned && !this.scan.seen.has(adv.keys.rsp));
  }

  private report(adv: Advertisement, eventType: number, key: string, data: Buffer, rssi: number): void {
    if (this.scan.filterDuplicates) {
      if (this.scan.seen.has(key)) return;
      if (this.scan.seen.size >= 1024) this.scan.seen.clear();
      this.scan.seen.add(key);
    }
    this.sendLeMeta(LeEv.advertisingReport, leAdvertisingReport({ eventType, addressType: adv.addressType === 'random' ? 1 : 0, address: adv.addressBytes, data, rssi }).subarray(4));
  }

  /** MSFT_LE_Monitor_Device_Event: a monitor now follows this advertiser (Monitor_state 1). */
  private monitorDeviceEvent(adv: Advertisement, handle: number): void {
    const params = Buffer.concat([MSFT_EVENT_PREFIX, Buffer.from([MSFT_LE_MONITOR_DEVICE_EVENT, adv.addressType === 'random' ? 1 : 0]), adv.addressBytes, Buffer.from([handle, 1])]);
    this.toHost(eventPacket(Ev.vendor, params));
  }

  allocateHandle(): number {
    while (this.links.has(this.nextHandle)) this.nextHandle = this.nextHandle >= 0x0eff ? 0x0040 : this.nextHandle + 1;
    const handle = this.nextHandle;
    this.nextHandle = this.nextHandle >= 0x0eff ? 0x0040 : this.nextHandle + 1;
    return handle;
  }

  connected(link: Link<Controller>, peerAddress: BdAddr, peerAddressType: AddressType): void {
    const end = link.end(this);
    this.links.set(end.handle, link);
    this.sendLeMeta(
      LeEv.connectionComplete,
      leConnectionComplete({
        status: Status.success,
        handle: end.handle,
        role: link.roleOf(this) === 'central' ? 0 : 1,
        peerAddressType: peerAddressType === 'random' ? 1 : 0,
        peerAddress: addressToBytes(peerAddress),
        intervalUnits: link.params.intervalUnits,
        latency: link.params.latency,
        timeoutUnits: link.params.timeoutUnits,
      }).subarray(4),
    );
  }

  disconnected(handle: number, reason: number): void {
    if (!this.links.delete(handle)) return;
    this.completed.delete(handle);
    this.pendingLtk.get(handle)?.cancelTimeout();
    this.pendingLtk.delete(handle);
    if (this.eventEnabled(EventMaskBit.disconnectionComplete)) this.toHost(disconnectionComplete(handle, reason));
  }

  phyChanged(link: Link<Controller>): void {
    const { handle } = link.end(this);
    this.sendLeMeta(LeEv.phyUpdateComplete, Buffer.from([Status.success, ...u16(handle), phyCode(link.phy), phyCode(link.phy)]));
  }

  connectionUpdated(link: Link<Controller>, handle: number): void {
    const p = link.params;
    this.sendLeMeta(LeEv.connectionUpdateComplete, Buffer.from([Status.success, ...u16(handle), ...u16(p.intervalUnits), ...u16(p.latency), ...u16(p.timeoutUnits)]));
  }

  dataLengthChanged(link: Link<Controller>): void {
    const end = link.end(this);
    const rx = link.other(this).txOctets;
    this.sendLeMeta(LeEv.dataLengthChange, Buffer.from([...u16(end.handle), ...u16(end.txOctets), ...u16(txTime(end.txOctets)), ...u16(rx), ...u16(txTime(rx))]));
  }

  encryptionChanged(handle: number, status: number, enabled: boolean): void {
    if (!this.eventEnabled(EventMaskBit.encryptionChange)) return;
    this.toHost(eventPacket(Ev.encryptionChange, Buffer.from([status, ...u16(handle), enabled ? 1 : 0])));
  }

  /** One LL data PDU from the peer: hosts get it as one ACL packet, flagged as real controllers do. */
  receiveData(link: Link<Controller>, pdu: Buffer, start: boolean): void {
    const handle = link.end(this).handle;
    if (!this.links.has(handle)) return;
    this.toHost(aclPacket(handle, start ? AclBoundary.firstFlushable : AclBoundary.continuing, pdu));
  }

  /** Reports a failed initiation (the air gave up on the peer). */
  connectionFailed(status: number): void {
    const initiator = this.initiator;
    if (!initiator) return;
    this.initiator = undefined;
    this.reportInitiationFailed(initiator, status);
  }

  /** LE Connection Complete with an error: the initiation named in `initiator` ended without a link. */
  private reportInitiationFailed(initiator: InitiatorState, status: number): void {
    this.sendLeMeta(
      LeEv.connectionComplete,
      leConnectionComplete({
        status,
        handle: 0,
        role: 0,
        peerAddressType: initiator.peerAddressType === 'random' ? 1 : 0,
        peerAddress: addressToBytes(initiator.peerAddress),
        intervalUnits: 0,
        latency: 0,
        timeoutUnits: 0,
      }).subarray(4),
    );
  }

  /**
   * The address an Own_Address_Type stands for (Vol 4, Part E, 7.8.5): 0x00 public, 0x01 random;
   * 0x02 and 0x03 a resolvable private address from the resolving list, which this controller
   * keeps empty, so they fall back to public and random. Undefined for a random address the host
   * has not set (the command then fails with Invalid HCI Command Parameters).
   */
  private ownAddress(ownAddressType: number): OwnAddress | undefined {
    if (!(ownAddressType & 1)) return { address: this.address, type: 'public' };
    return this.randomAddress === undefined ? undefined : { address: this.randomAddress, type: 'random' };
  }

  /** The address this controller advertises from. */
  advertisingAddress(): { address: BdAddr; type: AddressType } {
    return this.advertising.ownAddressType === 'random' && this.randomAddress
      ? { address: this.randomAddress, type: 'random' }
      : { address: this.address, type: 'public' };
  }

  private static initialAdvertising(): AdvertisingState {
    return { enabled: false, intervalUnits: 0x0800, type: 0, ownAddressType: 'public', data: Buffer.alloc(0), scanResponse: Buffer.alloc(0) };
  }

  private static drawPublicAddress(prng: Prng): BdAddr {
    // A fixed upper half, so every virtual device reads as one vendor in captures.
    const tail = prng.bytes(3);
    return addressFromBytes(Buffer.from([tail[0]!, tail[1]!, tail[2]!, 0xdc, 0x1b, 0x00]));
  }
}

function advReportType(advertisingType: number): number {
  return advertisingType === 0x00 ? AdvReportType.advInd : advertisingType === 0x02 ? AdvReportType.advScanInd : AdvReportType.advNonconnInd;
}

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.floor(n)));
}

/**
 * The LL procedure response timeout (Vol 6, Part B, 5.2): 40 s of simulated time on the realistic
 * clock. On the fast clock time is the hosts' own and a host that answers at all answers within
 * milliseconds, so 2 s of real time stands for it: long enough for any host under load, short
 * enough that a central learns of the silence while its app still waits.
 */
export function llResponseTimeoutMs(clock: 'fast' | 'realistic'): number {
  return clock === 'realistic' ? 40_000 : 2_000;
}

/** Transmission time in µs of a PDU carrying `octets` on LE 1M (Vol 6, Part B, 4.5.10). */
function txTime(octets: number): number {
  return (octets + 14) * 8;
}

function phyCode(phy: Phy): number {
  return phy === '1M' ? 1 : phy === '2M' ? 2 : 3;
}
