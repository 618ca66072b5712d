// Advertisement monitoring in the controller: the scan filter a phone's controller applies so its
// host hears only the devices it looks for. Real controllers offer it through a vendor command
// (Android's APCF, the Microsoft-defined HCI extension BlueZ uses for its advertisement monitors);
// this one speaks the Microsoft-defined command (subcommands Read_Supported_Features,
// LE_Monitor_Advertisement with pattern conditions, LE_Cancel_Monitor_Advertisement and
// LE_Set_Advertisement_Filter_Enable) on the vendor opcode below. With the filter enabled, an
// advertiser is propagated to the host only when one of its AD structures matches a monitor's
// pattern; like Android's offloaded filters, the scan response an active scan collects counts
// (a toy's id rides in its scan response: its advertising PDU is full with the service UUID).
import { opcode, Status } from './hci';

/** The vendor opcode this controller chose for the Microsoft-defined command (Intel's choice). */
export const MSFT_OPCODE = opcode(0x3f, 0x001e);

export const MsftSub = {
  readSupportedFeatures: 0x00,
  leMonitorAdvertisement: 0x03,
  leCancelMonitorAdvertisement: 0x04,
  leSetAdvertisementFilterEnable: 0x05,
} as const;

/** Supported_Features bit 3: advertising monitoring of LE advertisements. */
const FEATURE_ADVERTISEMENT_MONITORING = 0x08;
/** The constant start of every Microsoft-defined event this controller sends (vendor event 0xFF). */
export const MSFT_EVENT_PREFIX = Buffer.from([0x4d, 0x53]);
/** MSFT_LE_Monitor_Device_Event, after the prefix. */
export const MSFT_LE_MONITOR_DEVICE_EVENT = 0x02;
const CONDITION_PATTERN = 0x01;
/** Monitors one controller holds at most (real ones hold a few dozen). */
const MAX_MONITORS = 32;
const UNSUPPORTED_FEATURE = 0x11;
const MEMORY_CAPACITY_EXCEEDED = 0x07;

/** An AD structure to look for: `pattern` at `start` within the data of AD type `adType`. */
export interface AdPattern {
  readonly adType: number;
  readonly start: number;
  readonly pattern: Buffer;
}

interface Monitor {
  readonly rssiHigh: number;
  readonly patterns: readonly AdPattern[];
  /** Devices this monitor has told the host it is monitoring (Monitor_state 1). */
  readonly monitoring: Set<string>;
}

/** What the monitor needs to know of an advertisement. */
export interface MonitoredAdvertisement {
  readonly address: string;
  readonly addressType: 'public' | 'random';
  readonly data: Buffer;
  readonly scanResponse: Buffer;
}

export class AdvertisementMonitors {
  private readonly monitors = new Map<number, Monitor>();
  private filterEnabled = false;
  /** Match results per advertisement object (advertisements are rebuilt when their bytes change). */
  private matches = new WeakMap<MonitoredAdvertisement, Monitor[]>();

  /** Runs one subcommand; returns the Command Complete return parameters (status first). */
  command(params: Buffer): Buffer {
    const sub = params[0];
    const reply = (status: number, rest: number[] = []): Buffer => Buffer.from([status, sub ?? 0, ...rest]);
    switch (sub) {
      case MsftSub.readSupportedFeatures:
        if (params.length !== 1) return reply(Status.invalidParameters);
        return Buffer.concat([reply(Status.success, [FEATURE_ADVERTISEMENT_MONITORING, 0, 0, 0, 0, 0, 0, 0, MSFT_EVENT_PREFIX.length]), MSFT_EVENT_PREFIX]);
      case MsftSub.leMonitorAdvertisement: {
        const parsed = parseMonitor(params);
        if (parsed === 'invalid') return reply(Status.invalidParameters);
        if (parsed === 'unsupported') return reply(UNSUPPORTED_FEATURE);
        const handle = this.freeHandle();
        if (handle === undefined) return reply(MEMORY_CAPACITY_EXCEEDED);
        this.monitors.set(handle, parsed);
        this.matches = new WeakMap();
        return reply(Status.success, [handle]);
      }
      case MsftSub.leCancelMonitorAdvertisement:
        if (params.length !== 2) return reply(Status.invalidParameters);
        if (!this.monitors.delete(params[1]!)) return reply(Status.invalidParameters);
        this.matches = new WeakMap();
        return reply(Status.success);
      case MsftSub.leSetAdvertisementFilterEnable: {
        if (params.length !== 2 || params[1]! > 1) return reply(Status.invalidParameters);
        const enable = params[1] === 1;
        // The command must toggle the state (it is rejected when it would not).
        if (enable === this.filterEnabled) return reply(Status.commandDisallowed);
        this.filterEnabled = enable;
        return reply(Status.success);
      }
      default:
        return reply(Status.unknownCommand);
    }
  }

  /** Forgets every monitor and turns the filter off (HCI Reset). */
  reset(): void {
    this.monitors.clear();
    this.filterEnabled = false;
    this.matches = new WeakMap();
  }

  /**
   * Whether the host may hear `adv`: always with the filter off; with it on, only when a monitor
   * matches it at `rssi` or above its high threshold.
   */
  passes(adv: MonitoredAdvertisement, rssi: number, activeScan: boolean): boolean {
    if (!this.filterEnabled) return true;
    return this.matching(adv, activeScan).some((m) => rssi >= m.rssiHigh);
  }

  /**
   * Monitors that start monitoring `adv`'s device now (each says so once, as a Monitor Device
   * Event with Monitor_state 1): their handles.
   */
  newlyMonitored(adv: MonitoredAdvertisement, rssi: number, activeScan: boolean): number[] {
    const handles: number[] = [];
    const key = `${adv.addressType}/${adv.address}`;
    for (const [handle, monitor] of this.monitors) {
      if (rssi < monitor.rssiHigh || monitor.monitoring.has(key) || !this.matching(adv, activeScan).includes(monitor)) continue;
      monitor.monitoring.add(key);
      handles.push(handle);
    }
    return handles;
  }

  get active(): boolean {
    return this.monitors.size > 0;
  }

  private matching(adv: MonitoredAdvertisement, activeScan: boolean): Monitor[] {
    let found = this.matches.get(adv);
    if (!found) {
      const structures = [...adStructures(adv.data), ...(activeScan ? adStructures(adv.scanResponse) : [])];
      found = [...this.monitors.values()].filter((m) => m.patterns.some((p) => structures.some((s) => matchesPattern(s, p))));
      this.matches.set(adv, found);
    }
    return found;
  }

  private freeHandle(): number | undefined {
    if (this.monitors.size >= MAX_MONITORS) return undefined;
    for (let h = 0; h <= 0xff; h++) if (!this.monitors.has(h)) return h;
    return undefined;
  }
}

/** The parameters of LE_Monitor_Advertisement for a pattern condition (others are unsupported here). */
export function monitorCommand(patterns: readonly AdPattern[], rssiHigh = -127): Buffer {
  const body = patterns.flatMap((p) => [p.pattern.length + 2, p.adType, p.start, ...p.pattern]);
  // RSSI low -127 over 60 s, sampling 0: propagate every matching advertisement.
  return Buffer.from([MsftSub.leMonitorAdvertisement, rssiHigh & 0xff, -127 & 0xff, 0x3c, 0x00, CONDITION_PATTERN, patterns.length, ...body]);
}

function parseMonitor(params: Buffer): Monitor | 'invalid' | 'unsupported' {
  if (params.length < 7) return 'invalid';
  const rssiHigh = params.readInt8(1);
  const rssiLow = params.readInt8(2);
  const lowInterval = params[3]!;
  if (rssiHigh < -127 || rssiHigh > 20 || rssiLow < -127 || rssiLow > 20 || lowInterval < 1 || lowInterval > 0x3c) return 'invalid';
  if (params[5] !== CONDITION_PATTERN) return 'unsupported';
  const count = params[6]!;
  const patterns: AdPattern[] = [];
  let at = 7;
  for (let i = 0; i < count; i++) {
    const length = params[at];
    if (length === undefined || length < 3 || at + 1 + length > params.length) return 'invalid';
    patterns.push({ adType: params[at + 1]!, start: params[at + 2]!, pattern: Buffer.from(params.subarray(at + 3, at + 1 + length)) });
    at += 1 + length;
  }
  if (count === 0 || at !== params.length) return 'invalid';
  return { rssiHigh, patterns, monitoring: new Set() };
}

interface AdStructure {
  readonly type: number;
  readonly data: Buffer;
}

/** Parsed AD structures by data buffer (an advertiser's buffers are replaced, never changed in place). */
const parsed = new WeakMap<Buffer, AdStructure[]>();

/** The AD structures of advertising or scan response data; a malformed tail is ignored. */
function adStructures(bytes: Buffer): AdStructure[] {
  let out = parsed.get(bytes);
  if (!out) parsed.set(bytes, (out = parseAdStructures(bytes)));
  return out;
}

function parseAdStructures(bytes: Buffer): AdStructure[] {
  const out: AdStructure[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = bytes[at]!;
    if (length === 0 || at + 1 + length > bytes.length) break;
    out.push({ type: bytes[at + 1]!, data: bytes.subarray(at + 2, at + 1 + length) });
    at += 1 + length;
  }
  return out;
}

function matchesPattern(s: AdStructure, p: AdPattern): boolean {
  return s.type === p.adType && s.data.length >= p.start + p.pattern.length && s.data.subarray(p.start, p.start + p.pattern.length).equals(p.pattern);
}
