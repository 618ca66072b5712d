// What a central's controller (a phone) chooses for a connection: interval, latency, supervision
// timeout, PHY, data length and how many packets it exchanges per connection event, plus which
// connection updates it accepts. An app cannot pick these on a real phone; the OS does, so the
// presets below reproduce what iOS and Android do.
import type { ConnectionParameters, Phy } from './link';
import { INTERVAL_UNIT_MS, TIMEOUT_UNIT_MS } from './link-timing';

export interface LinkPolicy {
  /** Connection interval the central picks (7.5..4000 ms); the host's minimum when absent. */
  readonly intervalMs?: number;
  /** Peripheral latency in events; the host's when absent. */
  readonly latency?: number;
  /** Supervision timeout; the host's when absent. */
  readonly supervisionTimeoutMs?: number;
  /** PHY the central moves the link to right after connecting (1M until then). */
  readonly phy?: Phy;
  /** LL payload per PDU: 27 turns Data Length Extension off, up to 251. */
  readonly dataLength?: number;
  /** Most packet exchanges per connection event; unlimited when absent. */
  readonly packetsPerEvent?: number;
  /** Smallest interval a connection update may ask for; updates are rounded to `intervalStepMs` multiples. */
  readonly minUpdateIntervalMs?: number;
  readonly intervalStepMs?: number;
}

export type PhonePreset = 'ios' | 'android';

/**
 * iOS (iPhone 8 and later): connects at 30 ms with a 720 ms supervision timeout, moves to 2M and
 * 251-octet PDUs; Apple's Accessory Design Guidelines let a peripheral ask for intervals of
 * 15 ms and up, and iOS grants multiples of 15 ms.
 * Android (8 and later, Bluedroid defaults): connects "balanced" at 30 ms (30-50 ms) with a 5 s
 * timeout, 2M and DLE where the chip has them; CONNECTION_PRIORITY_HIGH asks 11.25-15 ms and
 * intervals down to 7.5 ms are granted.
 */
export const PHONES: Readonly<Record<PhonePreset, LinkPolicy>> = {
  ios: { intervalMs: 30, latency: 0, supervisionTimeoutMs: 720, phy: '2M', dataLength: 251, minUpdateIntervalMs: 15, intervalStepMs: 15 },
  android: { intervalMs: 30, latency: 0, supervisionTimeoutMs: 5000, phy: '2M', dataLength: 251, minUpdateIntervalMs: 7.5, intervalStepMs: INTERVAL_UNIT_MS },
};

/** Later policies override earlier ones field by field. */
export function mergePolicies(...policies: ReadonlyArray<LinkPolicy | undefined>): LinkPolicy {
  return Object.assign({}, ...policies.filter((p) => p !== undefined)) as LinkPolicy;
}

/** The parameters a central with `policy` sets up when its host asked for `requested`. */
export function connectionParameters(requested: ConnectionParameters, policy: LinkPolicy): ConnectionParameters {
  const intervalUnits = policy.intervalMs !== undefined ? clampUnits(Math.round(policy.intervalMs / INTERVAL_UNIT_MS), 6, 3200) : requested.intervalUnits;
  const latency = policy.latency ?? requested.latency;
  let timeoutUnits = policy.supervisionTimeoutMs !== undefined ? clampUnits(Math.round(policy.supervisionTimeoutMs / TIMEOUT_UNIT_MS), 10, 3200) : requested.timeoutUnits;
  // The specification's rule: the timeout must outlast two (latency-stretched) intervals.
  const floorUnits = Math.ceil(((1 + latency) * intervalUnits * INTERVAL_UNIT_MS * 2) / TIMEOUT_UNIT_MS) + 1;
  timeoutUnits = Math.min(3200, Math.max(timeoutUnits, floorUnits));
  return { intervalUnits, latency, timeoutUnits };
}

/** The interval a central grants for an update asking [minUnits, maxUnits], or undefined to refuse. */
export function grantedIntervalUnits(minUnits: number, maxUnits: number, policy: LinkPolicy): number | undefined {
  const floorMs = policy.minUpdateIntervalMs ?? 7.5;
  const stepMs = policy.intervalStepMs ?? INTERVAL_UNIT_MS;
  const lowMs = Math.max(minUnits * INTERVAL_UNIT_MS, floorMs);
  const ms = Math.ceil(lowMs / stepMs - 1e-9) * stepMs;
  const units = Math.round(ms / INTERVAL_UNIT_MS);
  return units <= maxUnits ? units : undefined;
}

function clampUnits(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, n));
}
