// What each connection event of a call carried, from the packets a sniffer saw: when it began,
// how many exchanges it held, and the size of every packet that was not empty, each way. This is
// the timeline that shows where a transfer's time goes against the link's capacity (an event
// not full, an answer waiting for the next anchor).
import type { AirPacket } from '../radio/air';

export interface ConnectionEventSummary {
  /** The event's first packet, in simulated ms after the call. */
  readonly atMs: number;
  /** Packet exchanges (central, then peripheral) the event held. */
  readonly exchanges: number;
  /** LL payload octets of each non-empty packet the phone (central) sent, in order. */
  readonly phone: readonly number[];
  /** The same for the toy (peripheral). */
  readonly toy: readonly number[];
}

/**
 * Groups data-channel packets into connection events. Each event hops to a new channel and
 * consecutive events never share one (the hop increment, 5-16, is prime to 37), so a change of
 * channel is a new event.
 */
export function connectionEvents(packets: readonly AirPacket[], startMs: number): ConnectionEventSummary[] {
  const events: { atMs: number; exchanges: number; phone: number[]; toy: number[] }[] = [];
  let channel = -1;
  for (const p of packets) {
    if (p.direction === undefined) continue;
    if (p.channel !== channel) events.push({ atMs: p.timeUs / 1000 - startMs, exchanges: 0, phone: [], toy: [] });
    channel = p.channel;
    const event = events[events.length - 1] as (typeof events)[number];
    if (p.direction === 'central') event.exchanges++;
    const octets = p.pdu.length - 2;
    if (octets > 0) (p.direction === 'central' ? event.phone : event.toy).push(octets);
  }
  return events;
}

/** One line per event for a report: "+375.0 ms, 12 exchanges: phone 9 x 251, 41, 41; toy 47, 71, 54". */
export function describeEvent(e: ConnectionEventSummary): string {
  const sizes = (octets: readonly number[]): string => {
    const parts: string[] = [];
    for (let i = 0; i < octets.length; ) {
      let j = i;
      while (j < octets.length && octets[j] === octets[i]) j++;
      parts.push(j - i > 1 ? `${j - i} x ${octets[i]}` : String(octets[i]));
      i = j;
    }
    return parts.length > 0 ? parts.join(', ') : 'none';
  };
  return `+${e.atMs.toFixed(1)} ms, ${e.exchanges} exchanges: phone ${sizes(e.phone)}; toy ${sizes(e.toy)}`;
}
