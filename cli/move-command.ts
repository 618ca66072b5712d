// `plushlink move`: the family moves to another relay. The owner runs `move --relay URL`: a new
// mailbox there, its roster signed with the members' keys the owner's phone recorded, this phone
// pointed at it, and a move link signed by the owner's key to pass on. Each member far away runs
// `move LINK`: its phone checks the owner signed it (and that it is newer than any move it
// followed) and points itself at the new relay. The old relay is not asked for anything.
import { moveFamily, parseMoveLink } from '../client/relay-move';
import { bondForToy } from '../pairing/bond';
import { parseCommandLine } from './args';
import type { Command } from './command';
import { relaySettings, saveRelaySettings } from './family-relay-settings';
import { FAR_PHONE_HELP, FAR_PHONE_OPTIONS, FarPhone } from './far-phone';
import { relayUrl } from './relay-url';
import { UsageError } from './usage-error';

const OPTIONS = { ...FAR_PHONE_OPTIONS, relay: { type: 'string' } } as const;

export const moveCommand: Command = {
  name: 'move',
  summary: 'move the family to another relay (owner: --relay URL; members: the LINK the owner passes on)',
  help: `usage: plushlink move --relay URL [phone options]     (the owner)
       plushlink move LINK [phone options]            (a member far away)

When the family's relay is ransomed, goes bust or should be one you host yourself ("plushlink
relay" anywhere): the owner's phone makes a new family mailbox on the relay at URL, lets in the
keys of the members it invited (from its own records, never from the old relay), points itself at
it and prints a move link signed by the owner's key. Pass the link on as you passed on the
invitation; each member's phone runs "plushlink move LINK", checks the owner signed it and that it
is newer than any move it followed, and points itself at the new relay. The toy and the phones in
Bluetooth range need nothing: they keep every message they hold. A message still waiting on the
old relay stays there (run plushlink bridge first when the old relay still answers).

  --relay URL          owner: the relay to move the family to (one you run: plushlink relay)
${FAR_PHONE_HELP}`,

  async run(args, out) {
    const { values, positionals } = parseCommandLine('move', args, OPTIONS, 1);
    const link = positionals[0];
    if (link !== undefined && values.relay !== undefined) throw new UsageError('move takes either --relay URL (the owner) or a LINK (a member), not both');
    if (link === undefined && values.relay === undefined) throw new UsageError('move needs --relay URL (the owner) or the LINK the owner passed on (see plushlink move --help)');
    const phone = await FarPhone.open(values.phone);
    const toyId = phone.toyId(values.toy);
    const settings = relaySettings(phone.storePath, toyId);
    if (!settings) throw new Error(`this phone has no family relay for toy ${toyId} (the owner runs plushlink invite --remote; others plushlink join LINK)`);

    if (link !== undefined) {
      const move = parseMoveLink(phone.sodium, link, settings.owner, { toyId, ...(settings.movedAt !== undefined && { after: settings.movedAt }) });
      saveRelaySettings(phone.storePath, toyId, { ...settings, url: move.url, mailbox: move.mailbox, movedAt: move.time });
      out.print(`moved: the family mailbox of toy ${toyId} is now ${move.mailbox} on ${move.url} (signed by the owner)`);
      return 0;
    }

    if (bondForToy(phone.store.bonds, toyId)?.role !== 'owner') throw new Error('only the owner moves the family: this phone is a member (it follows with plushlink move LINK)');
    const url = relayUrl('move', values.relay);
    if (url === settings.url) throw new UsageError(`move: the family is already on ${url}`);
    const owner = phone.keysFor(toyId).signing;
    const { move, link: moveLink, roster } = await moveFamily(phone.sodium, { toyId, url, owner, members: Object.values(settings.relayKeys ?? {}) });
    saveRelaySettings(phone.storePath, toyId, { ...settings, url: move.url, mailbox: move.mailbox, movedAt: move.time });
    out.print(`moved the family of toy ${toyId} to ${move.url}: mailbox ${move.mailbox}, roster signed for ${roster.length} keys (the owner and ${roster.length - 1} member${roster.length === 2 ? '' : 's'})`);
    out.print(`move link: ${moveLink}`);
    out.print(`pass it on; each member far away runs: plushlink move ${moveLink}`);
    return 0;
  },
};
