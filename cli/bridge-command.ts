// `plushlink bridge`: a family phone in Bluetooth range carries the family mailbox to the toy and
// back: envelopes waiting on the relay go to the toy (it checks the sender and the seal), the
// toy's new recordings go up for the members far away, its "played" receipts back to the senders.
// Once, or again and again with --watch.
import { setTimeout as delay } from 'node:timers/promises';
import type { BridgeReport } from '../client/family-relay';
import { isRetryableRelayError } from '../client/relay-client';
import { integerOption, parseCommandLine } from './args';
import type { Command, Output } from './command';
import { errorLine } from './error-line';
import { saveBridgeState } from './family-relay-settings';
import { openFamilyRelay } from './far-phone';
import { retryPendingRoster } from './pending-roster';
import { openPhone, PHONE_HELP, PHONE_OPTIONS, withSession } from './phone';

const OPTIONS = { ...PHONE_OPTIONS, watch: { type: 'boolean' }, every: { type: 'string' } } as const;

export const bridgeCommand: Command = {
  name: 'bridge',
  summary: 'carry the family mailbox to the toy and its recordings back (a phone in range)',
  help: `usage: plushlink bridge [--watch [--every SECONDS]] [phone options]

Moves sealed envelopes both ways between the family relay and the toy, in one session: what
waits in the mailbox goes to the toy, which plays it if a member sealed it (an altered or foreign
one is refused and dropped); the toy's recordings not yet posted go up, sealed by the toy for its
phones; the toy's "played" receipt for each message it played goes back, sealed for the message's
sender alone (kept in phone.relay.json while the relay cannot take it). The bridge cannot open
any of them. Needs the relay this phone stored with "invite --remote" or "join".

  --watch              keep bridging until Ctrl-C (a relay that is down or busy is waited out)
  --every SECONDS      with --watch, the pause between passes (default 5)
${PHONE_HELP}`,

  async run(args, out) {
    const { values } = parseCommandLine('bridge', args, OPTIONS);
    const every = integerOption('bridge', 'every', values.every, 1, 3600) ?? 5;
    const phone = await openPhone('bridge', values);
    const toyId = phone.toyId();
    const { relay } = openFamilyRelay(phone.client, phone.storePath, toyId);
    await retryPendingRoster(phone.client, phone.storePath, toyId, out);
    return withSession(phone, async (session) => {
      for (;;) {
        let report: BridgeReport | undefined;
        try {
          report = await relay.bridge(session, out.signal ? { signal: out.signal } : {});
        } catch (error) {
          // Watching, a relay that is down or busy for a while is waited out, not the end.
          if (!values.watch || !isRetryableRelayError(error) || out.signal?.aborted) throw error;
          out.status.write(`${errorLine(error).line}: trying again in ${every} s\n`);
        } finally {
          // What the pass did is kept even when it failed half-way (a receipt the relay still owes).
          saveBridgeState(phone.storePath, toyId, relay);
        }
        if (report) describe(report, out);
        if (!values.watch) return 0;
        await delay(every * 1000, undefined, out.signal ? { signal: out.signal } : {});
      }
    }, out.signal);
  },
};

function describe(report: BridgeReport, out: Output): void {
  for (const id of report.delivered) out.print(`delivered message ${id} to the toy`);
  for (const { id, reason } of report.refused) out.print(`the toy refused envelope ${id}: ${reason}`);
  for (const id of report.uploaded) out.print(`posted recording ${id} to the family mailbox`);
  for (const id of report.forThisPhone) out.print(`left envelope ${id} for this phone's inbox (plushlink inbox)`);
  for (const id of report.receipts) out.print(`sent the toy's "played" receipt for message ${id} back to its sender`);
  if (report.receiptsWaiting > 0) out.print(`${report.receiptsWaiting} "played" receipt(s) wait for the relay; the next bridge posts them`);
  const lists = [report.delivered, report.refused, report.uploaded, report.forThisPhone, report.receipts];
  if (lists.every((list) => list.length === 0) && report.receiptsWaiting === 0) out.print('nothing to carry');
}
