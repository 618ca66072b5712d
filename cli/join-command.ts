// `plushlink join LINK`: the invitee's phone, far from the toy, joins the family from the one-time
// link the owner passed on: runs the exchange over the relay, stores the bond the owner's phone
// hands back and, beside the phone store, the relay and the family mailbox.
import { joinRemoteInvitation, DEFAULT_INVITATION_WAIT_MS } from '../client/remote-invitation';
import { integerOption, parseCommandLine } from './args';
import type { Command } from './command';
import { saveRelaySettings } from './family-relay-settings';
import { FarPhone } from './far-phone';
import { RELAY_URL_HELP, relayUrl } from './relay-url';
import { UsageError } from './usage-error';

const OPTIONS = { phone: { type: 'string' }, relay: { type: 'string' }, wait: { type: 'string' } } as const;

export const joinCommand: Command = {
  name: 'join',
  summary: "join a family from far away with the owner's one-time invitation link",
  help: `usage: plushlink join LINK [--relay URL] [--wait SECONDS] [--phone FILE]

Joins the toy's family with the link the owner's "plushlink invite --remote" printed, over the
family relay (no Bluetooth needed). Waits for the owner's phone, proves this phone holds the
link's secret, sends this phone's keys for the toy and stores the bond and the family mailbox.
Then "plushlink send --remote FILE" and "plushlink inbox" work from anywhere.

${RELAY_URL_HELP}
  --wait SECONDS       give up when the owner's phone has not answered by then (default ${DEFAULT_INVITATION_WAIT_MS / 1000})
  --phone FILE         this phone's keys and bonds (default ~/.plushlink/phone.json)`,

  async run(args, out) {
    const { values, positionals } = parseCommandLine('join', args, OPTIONS, 1);
    const link = positionals[0];
    if (!link) throw new UsageError('join needs the LINK the owner passed on (see plushlink join --help)');
    const url = relayUrl('join', values.relay);
    const waitSeconds = integerOption('join', 'wait', values.wait, 1, DEFAULT_INVITATION_WAIT_MS / 1000) ?? DEFAULT_INVITATION_WAIT_MS / 1000;
    const phone = await FarPhone.open(values.phone);
    out.status.write(`joining over ${url} (waiting up to ${waitSeconds} s for the owner's phone)...\n`);
    const { offer, bond } = await joinRemoteInvitation(phone.sodium, url, link, phone, { timeoutMs: waitSeconds * 1000, ...(out.signal && { signal: out.signal }) });
    saveRelaySettings(phone.storePath, offer.toyId, { url, mailbox: offer.mailbox, owner: offer.owner });
    out.print(`joined toy ${offer.toyId} as member ${bond.bondId}; family mailbox ${offer.mailbox} on ${url}`);
    return 0;
  },
};
