// Range from positions: received signal strength by the log-distance path-loss model, and
// whether a packet is heard at all (above the receiver's sensitivity for the PHY in use).
import type { Phy } from './link';

export interface Position {
  readonly x: number;
  readonly y: number;
  readonly z?: number;
}

export interface PathLossModel {
  /** Transmit power of every device, dBm (phones and toys usually send at 0 dBm). */
  readonly txPowerDbm: number;
  /** Loss at the reference distance of 1 m: 40 dB is free space at 2.4 GHz. */
  readonly lossAt1mDb: number;
  /** 2 in free space, about 3 inside a home with walls and furniture. */
  readonly exponent: number;
  /** Weakest signal a receiver decodes, per PHY (Coded trades speed for about 10 dB). */
  readonly sensitivityDbm: Readonly<Record<Phy, number>>;
}

/** A home: 0 dBm, indoor exponent 3, typical phone sensitivities: about 46 m of range on 1M. */
export const INDOOR: PathLossModel = {
  txPowerDbm: 0,
  lossAt1mDb: 40,
  exponent: 3,
  sensitivityDbm: { '1M': -90, '2M': -87, coded: -100 },
};

/** RSSI when two devices have no positions: close by, on a table. */
export const UNPLACED_RSSI = -50;

export function distanceMeters(a: Position, b: Position): number {
  return Math.hypot(a.x - b.x, a.y - b.y, (a.z ?? 0) - (b.z ?? 0));
}

/** Received power in dBm at `meters` (closer than 10 cm counts as 10 cm). */
export function rssiAt(meters: number, model: PathLossModel = INDOOR): number {
  return model.txPowerDbm - model.lossAt1mDb - 10 * model.exponent * Math.log10(Math.max(0.1, meters));
}

export function heard(rssiDbm: number, phy: Phy, model: PathLossModel = INDOOR): boolean {
  return rssiDbm >= model.sensitivityDbm[phy];
}

/** The distance at which a PHY stops being heard. */
export function rangeMeters(phy: Phy, model: PathLossModel = INDOOR): number {
  return 10 ** ((model.txPowerDbm - model.lossAt1mDb - model.sensitivityDbm[phy]) / (10 * model.exponent));
}
