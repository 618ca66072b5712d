// Connection events of one link on the realistic clock (Vol 6, Part B, 4.5): at each anchor the
// central sends, the peripheral answers T_IFS later, and exchanges go on while either side has
// more to send, the next exchange still ends before the next anchor, and the per-event limit
// allows. Acknowledgement is the specification's SN/NESN scheme, so a lost packet is sent again
// and a duplicate is never delivered twice; a PDU counts as sent (and its HCI buffer as free)
// only once the peer acknowledged it. As on real controllers, an event closes when neither side
// set More Data, so a request and its response take one event each: hosts react in zero
// simulated time, but not within the packet they answer. Events with nothing to send are skipped:
// they count as heard by both sides while the link is in reach, which keeps supervision honest.
import { exchangeTimeUs, packetAirTimeUs, T_IFS_US } from './link-timing';
import { Link, otherRole, Role } from './link';
import type { RealisticClock } from './realistic-clock';

/** LLID of a data channel PDU: continuation or empty, start of an L2CAP message, LL control. */
export const Llid = { continuation: 1, start: 2, control: 3 } as const;

export interface LlPdu {
  readonly llid: number;
  payload: Buffer;
  /** Runs once the peer has acknowledged the PDU. */
  readonly acked?: () => void;
  /** Runs just before the first transmission, with that event's counter (to fix an instant). */
  readonly beforeFirstSend?: (eventCounter: number) => void;
  sent?: boolean;
}

/** A packet on a data channel, as a sniffer next to the devices sees it. */
export interface DataPacket {
  readonly timeUs: number;
  readonly eventCounter: number;
  /** Data channel index 0..36 (Channel Selection Algorithm #1, every channel in use). */
  readonly channel: number;
  readonly from: Role;
  /** LL header (2 octets) and payload. */
  readonly pdu: Buffer;
  /** Whether the other end received it. */
  readonly received: boolean;
}

export interface ConnectionEventsHost {
  /** Whether a packet sent now by `from` reaches the other end (power, range, loss). */
  reaches(from: Role): boolean;
  /** A PDU that `to` received for the first time (duplicates are filtered here). */
  received(to: Role, pdu: LlPdu): void;
  /** No packet was heard for the supervision timeout. */
  timedOut(): void;
  observe(packet: DataPacket): void;
}

type InFlight = LlPdu | 'empty' | undefined;

const EMPTY = Buffer.alloc(0);

export class ConnectionEvents {
  private readonly queues: Record<Role, LlPdu[]> = { central: [], peripheral: [] };
  private readonly inFlight: Record<Role, InFlight> = { central: undefined, peripheral: undefined };
  private readonly sn: Record<Role, number> = { central: 0, peripheral: 0 };
  private readonly nesn: Record<Role, number> = { central: 0, peripheral: 0 };
  private readonly lastHeardUs: Record<Role, number>;
  private baseCounter = 0;
  private baseAnchorUs: number;
  private intervalUs: number;
  private lastEventCounter = -1;
  /** The More Data bits of the last exchange: the event goes on only while one of them was set. */
  private readonly moreData: Record<Role, boolean> = { central: false, peripheral: false };
  private previousEventCarriedData = false;
  /** The link is in reach from `goodSinceUs` until `goodUntilUs` (open-ended while undefined). */
  private goodSinceUs: number;
  private goodUntilUs: number | undefined;
  private eventScheduled = false;
  private closed = false;
  private readonly cancels = new Set<() => void>();

  constructor(
    private readonly link: Link<unknown>,
    private readonly clock: RealisticClock,
    private readonly host: ConnectionEventsHost,
    /** The first anchor: after CONNECT_IND, transmitWindowDelay (1.25 ms) plus the window offset. */
    firstAnchorUs: number,
  ) {
    this.baseAnchorUs = firstAnchorUs;
    this.goodSinceUs = firstAnchorUs;
    this.intervalUs = link.params.intervalUnits * 1250;
    this.lastHeardUs = { central: firstAnchorUs, peripheral: firstAnchorUs };
  }

  /** Queues PDUs from one side; they go out at the next connection event(s). */
  enqueue(from: Role, pdus: readonly LlPdu[]): void {
    if (this.closed) return;
    this.queues[from].push(...pdus);
    this.scheduleNextEvent();
  }

  /** Runs `task` at the anchor of event `counter` (an instant), moving time there if need be. */
  atEvent(counter: number, task: () => void): void {
    this.schedule(this.anchorOf(counter), task);
  }

  /** New interval (and latency, timeout) from event `instant` on. */
  changeInterval(instant: number): void {
    this.baseAnchorUs = this.anchorOf(instant);
    this.baseCounter = instant;
    this.intervalUs = this.link.params.intervalUnits * 1250;
  }

  /** The counter of the next event that has not started yet. */
  get nextEventCounter(): number {
    return Math.max(this.lastEventCounter + 1, this.counterAtOrAfter(this.clock.nowMicros()));
  }

  /** Power or range changed: when the link goes out of reach, supervision starts counting. */
  reachabilityChanged(reachable: boolean): void {
    if (this.closed) return;
    const now = this.clock.nowMicros();
    if (!reachable && this.goodUntilUs === undefined) {
      this.creditIdleEvents(now);
      this.goodUntilUs = now;
      const deadline = Math.min(this.lastHeardUs.central, this.lastHeardUs.peripheral) + this.timeoutUs();
      // A controller notices at the first anchor it hears nothing past the deadline.
      this.schedule(this.anchorOf(this.counterAtOrAfter(deadline)), () => {
        if (this.goodUntilUs !== undefined) this.expire();
      });
    } else if (reachable && this.goodUntilUs !== undefined) {
      this.goodSinceUs = now;
      this.goodUntilUs = undefined;
    }
  }

  /** Stops all activity: queued PDUs are dropped and nothing more is scheduled. */
  close(): void {
    this.closed = true;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
    this.queues.central.length = 0;
    this.queues.peripheral.length = 0;
  }

  // ---- events ----------------------------------------------------------------------------------

  private pending(): boolean {
    const unacked = (r: Role): boolean => this.inFlight[r] !== undefined && this.inFlight[r] !== 'empty';
    return this.queues.central.length > 0 || this.queues.peripheral.length > 0 || unacked('central') || unacked('peripheral');
  }

  private scheduleNextEvent(): void {
    if (this.closed || this.eventScheduled || !this.pending()) return;
    this.eventScheduled = true;
    const counter = this.nextEventCounter;
    this.schedule(this.anchorOf(counter), () => this.startEvent(counter));
  }

  private startEvent(counter: number): void {
    this.eventScheduled = false;
    const anchorUs = this.anchorOf(counter);
    this.creditIdleEvents(anchorUs);
    this.lastEventCounter = counter;
    if (this.supervisionExpired(anchorUs)) return this.expire();
    if (!this.pending()) return;
    if (!this.peripheralListens(counter)) {
      // The central sends into the void; it will try again at the next event.
      this.transmit('central', counter, anchorUs, false);
      this.previousEventCarriedData = false;
      return this.scheduleNextEvent();
    }
    this.previousEventCarriedData = true;
    this.exchange(counter, anchorUs, anchorUs, 0);
  }

  /** One exchange: central packet, T_IFS, peripheral packet, T_IFS; then the next, or the event ends. */
  private exchange(counter: number, anchorUs: number, startUs: number, done: number): void {
    if (this.closed) return;
    const phy = this.link.phy;
    const next = (r: Role): number => {
      const pdu = this.inFlight[r] ?? this.queues[r][0];
      return pdu === undefined || pdu === 'empty' ? 0 : pdu.payload.length;
    };
    const durationUs = exchangeTimeUs(phy, next('central'), next('peripheral'));
    const limit = this.link.packetsPerEvent ?? Infinity;
    const fits = startUs + durationUs <= anchorUs + this.intervalUs;
    const more = this.moreData.central || this.moreData.peripheral;
    if (done > 0 && (!more || !this.pending() || done >= limit || !fits)) return this.scheduleNextEvent();
    const centralLength = next('central');
    const heardByPeripheral = this.transmit('central', counter, startUs, true);
    // A peripheral that missed the central's packet stays silent; the central closes the event.
    if (!heardByPeripheral) return this.scheduleNextEvent();
    const replyUs = startUs + packetAirTimeUs(phy, centralLength) + T_IFS_US;
    const heardByCentral = this.transmit('peripheral', counter, replyUs, true);
    if (!heardByCentral) return this.scheduleNextEvent();
    this.schedule(startUs + durationUs, () => this.exchange(counter, anchorUs, startUs + durationUs, done + 1));
  }

  /** Sends `from`'s packet (its unacknowledged one again, or the next, or an empty one). */
  private transmit(from: Role, counter: number, timeUs: number, peerListens: boolean): boolean {
    let pdu = this.inFlight[from];
    if (pdu === undefined) {
      pdu = this.queues[from].shift() ?? 'empty';
      this.inFlight[from] = pdu;
    }
    if (pdu !== 'empty' && !pdu.sent) {
      pdu.sent = true;
      pdu.beforeFirstSend?.(counter);
    }
    const payload = pdu === 'empty' ? EMPTY : pdu.payload;
    const llid = pdu === 'empty' ? Llid.continuation : pdu.llid;
    this.moreData[from] = this.queues[from].length > 0;
    const header = llid | (this.nesn[from] << 2) | (this.sn[from] << 3) | ((this.moreData[from] ? 1 : 0) << 4);
    const received = peerListens && this.host.reaches(from);
    const packet = Buffer.concat([Buffer.from([header, payload.length]), payload]);
    this.host.observe({ timeUs, eventCounter: counter, channel: this.channelOf(counter), from, pdu: packet, received });
    if (received) this.receive(otherRole(from), header, pdu, timeUs);
    return received;
  }

  private receive(to: Role, header: number, pdu: LlPdu | 'empty', timeUs: number): void {
    this.lastHeardUs[to] = timeUs;
    const nesn = (header >> 2) & 1;
    const sn = (header >> 3) & 1;
    const mine = this.inFlight[to];
    if (nesn !== this.sn[to] && mine !== undefined) {
      this.sn[to] ^= 1;
      this.inFlight[to] = undefined;
      if (mine !== 'empty') mine.acked?.();
    }
    if (sn === this.nesn[to]) {
      this.nesn[to] ^= 1;
      if (pdu !== 'empty' && !this.closed) this.host.received(to, pdu);
    }
  }

  /** Peripheral latency: an idle peripheral listens only every (latency + 1)th event. */
  private peripheralListens(counter: number): boolean {
    const latency = this.link.params.latency;
    if (latency === 0 || this.previousEventCarriedData) return true;
    const p = this.inFlight.peripheral;
    if (this.queues.peripheral.length > 0 || (p !== undefined && p !== 'empty')) return true;
    return counter % (latency + 1) === 0;
  }

  // ---- supervision -----------------------------------------------------------------------------

  private timeoutUs(): number {
    return this.link.params.timeoutUnits * 10_000;
  }

  private supervisionExpired(atUs: number): boolean {
    const timeout = this.timeoutUs();
    return atUs - this.lastHeardUs.central >= timeout || atUs - this.lastHeardUs.peripheral >= timeout;
  }

  private expire(): void {
    if (this.closed) return;
    this.close();
    this.host.timedOut();
  }

  /** Skipped (empty) events up to `untilUs` count as heard both ways while the link was in reach. */
  private creditIdleEvents(untilUs: number): void {
    const limitUs = Math.min(untilUs, this.goodUntilUs ?? Infinity);
    const counter = this.counterAtOrAfter(limitUs) - 1;
    if (counter <= this.lastEventCounter) return;
    const anchorUs = this.anchorOf(counter);
    if (anchorUs < this.goodSinceUs) return;
    for (const role of ['central', 'peripheral'] as const) this.lastHeardUs[role] = Math.max(this.lastHeardUs[role], anchorUs);
  }

  // ---- time and channels -----------------------------------------------------------------------

  private anchorOf(counter: number): number {
    return this.baseAnchorUs + (counter - this.baseCounter) * this.intervalUs;
  }

  private counterAtOrAfter(timeUs: number): number {
    return this.baseCounter + Math.max(0, Math.ceil((timeUs - this.baseAnchorUs) / this.intervalUs));
  }

  private channelOf(counter: number): number {
    return ((counter + 1) * this.link.identity.hop) % 37;
  }

  private schedule(atUs: number, task: () => void): void {
    if (this.closed) return;
    const cancel = this.clock.atMicros(atUs, () => {
      this.cancels.delete(cancel);
      task();
    });
    this.cancels.add(cancel);
  }
}
