// Sending on the realistic radio: the toy's answer rides in the connection event that carried
// the message's last packet, instead of waiting up to an interval for the next one (the sender's
// SENT gives the toy a packet to answer; docs/PROTOCOL.md §10.5).
import { linkCapacity } from '../../radio/link-timing';
import { measureSecureTransfer } from '../../bench/secure-transfer';

describe('a voice message sent on a 2M/DLE link at 30 ms', () => {
  it('ends, "stored" heard, in the connection event of its last packet, and uses no event beyond those its packets fill', async () => {
    const link = { phy: '2M', dataLength: 251, intervalMs: 30 } as const;
    const r = await measureSecureTransfer({ ...link, messageSeconds: 4, phases: 1 });
    // Two exchanges after the phone's last packet: DONE, then "stored" (a 30 ms wait without SENT).
    expect(r.timeline.answerMs).toBeLessThan(2);
    const last = r.events.at(-1)!;
    expect(last.phone.length).toBeGreaterThan(1);
    expect(last.toy.length).toBeGreaterThanOrEqual(2);
    expect(r.events).toHaveLength(Math.ceil(r.phonePackets / linkCapacity(link).exchangesPerEvent));
  }, 60_000);
});
