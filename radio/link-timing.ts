// Link-layer timing from the Bluetooth Core Specification (Vol 6, Part B, 2.1 and 4.5): how long
// a packet occupies the air on each PHY, how many packet exchanges fit a connection event, and
// the throughput a connection can carry at most. Pure arithmetic, shared by the realistic clock
// (which schedules packets with it) and the link benchmark (which compares against it).
import type { Phy } from './link';

/** Inter-frame space between consecutive packets on a channel, µs. */
export const T_IFS_US = 150;
/** L2CAP basic header (length, channel id) and ATT Write Command / Notification header (opcode, handle). */
export const L2CAP_HEADER = 4;
export const ATT_WRITE_HEADER = 3;

/**
 * Air time in µs of one packet whose PDU payload is `payloadOctets` (without MIC: links here are
 * not encrypted at the link layer). Uncoded: preamble + access address + 2-octet header + payload
 * + 3-octet CRC, at 8 µs per octet on 1M (1-octet preamble) and 4 µs on 2M (2-octet preamble).
 * Coded S=8: 80 µs preamble, access address, coding indicator and TERM1 take 376 µs; header,
 * payload and CRC are sent at 64 µs per octet; TERM2 takes 24 µs.
 */
export function packetAirTimeUs(phy: Phy, payloadOctets: number): number {
  switch (phy) {
    case '1M':
      return (1 + 4 + 2 + payloadOctets + 3) * 8;
    case '2M':
      return (2 + 4 + 2 + payloadOctets + 3) * 4;
    case 'coded':
      return 376 + (2 + payloadOctets + 3) * 64 + 24;
  }
}

/** One exchange of a connection event: a data packet one way, an empty one back, two T_IFS. */
export function exchangeTimeUs(phy: Phy, payloadOctets: number, replyOctets = 0): number {
  return packetAirTimeUs(phy, payloadOctets) + T_IFS_US + packetAirTimeUs(phy, replyOctets) + T_IFS_US;
}

export interface LinkCapacityInput {
  readonly phy: Phy;
  /** LL payload octets per data PDU (27 without Data Length Extension, up to 251). */
  readonly dataLength: number;
  readonly intervalMs: number;
  /** Most exchanges a controller makes in one connection event; unlimited when absent. */
  readonly packetsPerEvent?: number;
}

export interface LinkCapacity {
  /** Exchanges (data one way, empty the other) that fit one connection event. */
  readonly exchangesPerEvent: number;
  /** Largest GATT value carried per PDU: the data length less the L2CAP and ATT headers. */
  readonly valueOctets: number;
  /** GATT value bits per second in one direction, with empty packets coming back. */
  readonly valueBitsPerSecond: number;
  /** LL payload bits per second in one direction. */
  readonly llPayloadBitsPerSecond: number;
}

/**
 * The most a connection carries one way: every event filled with full data PDUs each answered by
 * an empty PDU, as many as fit before the next anchor (the last exchange's trailing T_IFS is the
 * gap before it) and as the controller's per-event limit allows.
 */
export function linkCapacity(input: LinkCapacityInput): LinkCapacity {
  const intervalUs = input.intervalMs * 1000;
  const byTime = Math.floor(intervalUs / exchangeTimeUs(input.phy, input.dataLength));
  const exchangesPerEvent = Math.max(1, Math.min(byTime, input.packetsPerEvent ?? Infinity));
  const valueOctets = input.dataLength - L2CAP_HEADER - ATT_WRITE_HEADER;
  const perSecond = 1e6 / intervalUs;
  return {
    exchangesPerEvent,
    valueOctets,
    valueBitsPerSecond: exchangesPerEvent * valueOctets * 8 * perSecond,
    llPayloadBitsPerSecond: exchangesPerEvent * input.dataLength * 8 * perSecond,
  };
}

/** Connection intervals are multiples of 1.25 ms. */
export const INTERVAL_UNIT_MS = 1.25;
/** Supervision timeouts are multiples of 10 ms. */
export const TIMEOUT_UNIT_MS = 10;
