// Per connection, what the packets' timing and headers say about the link: connection events
// (a central packet after a quiet gap opens one; its exchanges follow T_IFS apart), resends (a
// sender repeating its sequence number), and parameter and PHY updates taking effect at their
// instants. Sniffer captures only: HCI does not show the air.
import type { Phy, Role } from '../../radio/link';
import { LlControl } from '../../radio/ll-pdu';
import { type Connection, PacketFlag, type ViewPacket } from './air-model';
import { u16 } from './decode-tree';

/** A central packet more than this after the previous packet's end opens a new connection event. */
const EVENT_GAP_US = 400;
/**
 * A central packet this close to one interval after the event's anchor, or later, opens the next
 * event even without a quiet gap: an event may run until T_IFS before the next anchor, and no
 * exchange (two packets and two T_IFS, at least ~390 us) fits in less.
 */
const ANCHOR_MARGIN_US = 150;

interface Pending {
  readonly instant: number;
  readonly apply: (c: Connection) => void;
}

interface LinkState {
  lastSn: Partial<Record<Role, number>>;
  lastPacket: Partial<Record<Role, ViewPacket>>;
  counter: number;
  lastEndUs: number;
  pending: Pending[];
}

const phyOf = (bits: number): Phy => (bits & 2 ? '2M' : bits & 4 ? 'coded' : '1M');
/** Whether event counter `counter` has reached `instant` (both modulo 65536). */
const reached = (counter: number, instant: number): boolean => ((counter - instant) & 0xffff) < 0x8000;

export class ConnectionTracker {
  readonly list: Connection[] = [];
  private readonly states: LinkState[] = [];

  open(name: string, central: number, peripheral: number): Connection {
    const c: Connection = { index: this.list.length, name, central, peripheral, intervalUs: 30_000, phy: '1M', dataLength: 27, events: [], packets: 0 };
    this.list.push(c);
    this.states.push({ lastSn: {}, lastPacket: {}, counter: -1, lastEndUs: -Infinity, pending: [] });
    return c;
  }

  setParameters(c: Connection, intervalUs: number): void {
    c.intervalUs = intervalUs;
  }

  dataLength(c: Connection, length: number): void {
    c.dataLength = Math.max(c.dataLength, length);
  }

  /** A data-channel packet: places it in a connection event and returns its resend flag. */
  packet(c: Connection, sender: Role, sn: number, startUs: number, endUs: number, phy: Phy): number {
    const s = this.states[c.index]!;
    c.packets++;
    let flags = 0;
    if (s.lastSn[sender] === sn) {
      flags |= PacketFlag.retransmission;
      const previous = s.lastPacket[sender];
      if (previous) previous.flags |= PacketFlag.unacknowledged;
    }
    s.lastSn[sender] = sn;
    const event = c.events[c.events.length - 1];
    const atNextAnchor = event !== undefined && startUs >= event.startUs + c.intervalUs - ANCHOR_MARGIN_US;
    if (sender === 'central' && (event === undefined || startUs > s.lastEndUs + EVENT_GAP_US || atNextAnchor)) {
      s.counter = event === undefined ? 0 : s.counter + Math.max(1, Math.round((startUs - event.startUs) / c.intervalUs));
      for (const p of s.pending.filter((p) => reached(s.counter, p.instant))) p.apply(c);
      s.pending = s.pending.filter((p) => !reached(s.counter, p.instant));
      c.phy = phy;
      c.events.push({ startUs, endUs, packets: 1, intervalUs: c.intervalUs, phy });
    } else if (event) {
      event.endUs = Math.max(event.endUs, endUs);
      event.packets++;
    }
    s.lastEndUs = endUs;
    return flags;
  }

  /** The latest packet `sender` sent on a connection (what a resend repeats). */
  lastSent(c: Connection, sender: Role): ViewPacket | undefined {
    return this.states[c.index]!.lastPacket[sender];
  }

  /** Remembers a connection's latest packet per sender, to mark it if it has to be sent again. */
  sent(c: Connection, sender: Role, packet: ViewPacket): void {
    this.states[c.index]!.lastPacket[sender] = packet;
  }

  /** An LL control PDU: describes a link change (and schedules it at its instant), if it is one. */
  control(c: Connection, opcode: number, payload: Uint8Array): string | undefined {
    const s = this.states[c.index]!;
    if (opcode === LlControl.connectionUpdateInd && payload.length >= 12) {
      const intervalUs = u16(payload, 4) * 1250;
      const instant = u16(payload, 10);
      s.pending.push({ instant, apply: (link) => (link.intervalUs = intervalUs) });
      return `interval ${intervalUs / 1000} ms, latency ${u16(payload, 6)}, timeout ${u16(payload, 8) * 10} ms from event ${instant}`;
    }
    if (opcode === LlControl.phyUpdateInd && payload.length >= 5) {
      const instant = u16(payload, 3);
      return `PHY ${phyOf(payload[1] ?? 0)} (central) / ${phyOf(payload[2] ?? 0)} (peripheral) from event ${instant}`;
    }
    if (opcode === LlControl.terminateInd) return `reason ${`0x${(payload[1] ?? 0).toString(16).padStart(2, '0')}`}`;
    return undefined;
  }
}
