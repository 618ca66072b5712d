// `plushlink invite --remote`: the owner invites someone far away. Prints a one-time link to pass
// on out of band, waits for the invitee on the relay (CPace over the rendezvous: the relay never
// learns the link's secret), adds the invitee to the toy by key in a session, lets its key into
// the family mailbox's roster and hands it its bond id. The first invitation creates the mailbox.
import { RelayClient, newRelayId } from '../client/relay-client';
import { DEFAULT_INVITATION_WAIT_MS, hostRemoteInvitation, newRemoteInvitation } from '../client/remote-invitation';
import { integerOption, parseCommandLine } from './args';
import type { Command } from './command';
import { relaySettings, saveRelaySettings } from './family-relay-settings';
import { pendingRosterLine, retryPendingRoster, updateRoster } from './pending-roster';
import { openPhone, PHONE_HELP, PHONE_OPTIONS, withSession } from './phone';
import { RELAY_URL_HELP, relayUrl } from './relay-url';
import { UsageError } from './usage-error';

const OPTIONS = { ...PHONE_OPTIONS, remote: { type: 'boolean' }, relay: { type: 'string' }, label: { type: 'string' }, wait: { type: 'string' } } as const;

export const inviteCommand: Command = {
  name: 'invite',
  summary: 'owner: invite someone far away to the toy by a one-time link over the family relay',
  help: `usage: plushlink invite --remote [--relay URL] [--label NAME] [--wait SECONDS] [phone options]

Owner only. Prints a one-time link to pass on (message, read aloud); the invitee runs
"plushlink join LINK" anywhere. This command waits for them on the relay, checks they hold the
link's secret (a relay that tampers fails like any man in the middle), adds their phone to the
toy by its keys in a session and to the family mailbox, then finishes. For a phone in the same
room, "plushlink members invite" is shorter.

  --remote             invite over the family relay (required)
${RELAY_URL_HELP}
  --label NAME         what the toy calls the new member (default "far-away member")
  --wait SECONDS       give up when nobody joined by then (default ${DEFAULT_INVITATION_WAIT_MS / 1000})
${PHONE_HELP}`,

  async run(args, out) {
    const { values } = parseCommandLine('invite', args, OPTIONS);
    if (!values.remote) throw new UsageError('invite needs --remote (for a phone in range: plushlink members invite)');
    const waitSeconds = integerOption('invite', 'wait', values.wait, 1, DEFAULT_INVITATION_WAIT_MS / 1000) ?? DEFAULT_INVITATION_WAIT_MS / 1000;
    const phone = await openPhone('invite', values);
    const { client, storePath } = phone;
    const toyId = phone.toyId();
    const bond = client.bonds().find((b) => b.toyId === toyId);
    if (!bond) throw new Error(`this phone has no bond with toy ${toyId}: pair first (NOT_BONDED)`);
    if (bond.role !== 'owner') throw new Error('only the owner invites: this phone is a member of the toy');
    await retryPendingRoster(client, storePath, toyId, out);
    const stored = relaySettings(storePath, toyId);
    const url = relayUrl('invite', values.relay, stored?.url);
    const relay = new RelayClient({ url, key: client.keysFor(toyId).signing, sodium: client.sodium });
    let settings = stored && stored.url === url ? stored : undefined;
    if (!settings) {
      // The first remote invitation makes the family's mailbox, with the owner alone on its roster.
      settings = { url, mailbox: newRelayId(client.sodium), owner: relay.keyId };
      await relay.putRoster(settings.mailbox, 1, [relay.keyId]);
      saveRelaySettings(storePath, toyId, settings);
      out.status.write(`made a family mailbox on ${url}\n`);
    }
    const { invitation, link } = newRemoteInvitation(client.sodium);
    out.print(`invitation link: ${link}`);
    out.print(`pass it on; the invitee runs: plushlink join ${link} --relay ${url}`);
    out.status.write(`waiting for the invitee (up to ${waitSeconds} s)...\n`);
    const offer = { toyId, toy: bond.peer, mailbox: settings.mailbox, owner: relay.keyId };
    const hosted = await hostRemoteInvitation(client.sodium, relay, invitation, offer, { timeoutMs: waitSeconds * 1000, ...(out.signal && { signal: out.signal }) });
    const added = await withSession(phone, (session) => session.addMember(hosted.keys, values.label ?? 'far-away member'), out.signal);
    const { bondId } = added;
    const outcome = await updateRoster(client, storePath, toyId, { add: [hosted.relayKey], remove: [] }, out.signal);
    if (outcome.state === 'pending') out.status.write(`${pendingRosterLine(outcome.why)}\n`);
    // Remember whose key it is, so `members remove` can take it off the roster again.
    const latest = relaySettings(storePath, toyId) ?? settings;
    saveRelaySettings(storePath, toyId, { ...latest, relayKeys: { ...latest.relayKeys, [bondId]: hosted.relayKey } });
    await hosted.complete(added);
    out.print(`added ${values.label ?? 'far-away member'} to toy ${toyId} as member ${bondId}; they share mailbox ${settings.mailbox}`);
    return 0;
  },
};
