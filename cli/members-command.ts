// `plushlink members`: who is on the toy (owner and members), and for the owner, inviting one
// more phone and removing one. A member may remove only itself.
import { formatPairingCode } from '../pairing/code';
import type { MemberInfo } from '../pairing/session-messages';
import { parseCommandLine } from './args';
import type { Command } from './command';
import { openPhone, PHONE_HELP, PHONE_OPTIONS, withSession } from './phone';
import { UsageError } from './usage-error';

export const membersCommand: Command = {
  name: 'members',
  summary: "list the toy's phones; the owner invites or removes one",
  help: `usage: plushlink members [list] [phone options]
       plushlink members invite [phone options]
       plushlink members remove BOND [phone options]

  list          the phones bonded with the toy, with their bond ids and roles (the default)
  invite        owner only: prints a one-time code with which one more phone pairs as a
                member within the next 2 minutes (the tag's code pairs the first owner only)
  remove BOND   owner: removes any phone (its sessions end at once); a member: only itself
${PHONE_HELP}`,

  async run(args, out) {
    const { values, positionals } = parseCommandLine('members', args, PHONE_OPTIONS, 2);
    const [action = 'list', bondId] = positionals;
    if (!['list', 'invite', 'remove'].includes(action)) throw new UsageError(`members: unknown action "${action}" (list, invite or remove BOND)`);
    if (action === 'remove' && !bondId) throw new UsageError('members remove needs the BOND id (see plushlink members list)');
    if (action !== 'remove' && bondId) throw new UsageError(`members ${action}: unexpected argument "${bondId}"`);
    const phone = await openPhone('members', values);
    await withSession(phone, async (session) => {
      if (action === 'list') {
        for (const member of await session.members()) out.print(describe(member, member.bondId === session.bond.bondId));
      } else if (action === 'invite') {
        const { validForMs, code, qr } = await session.inviteMember();
        out.print(`invitation code: ${formatPairingCode(code)}`);
        out.print(`invitation QR payload: ${qr}`);
        out.print(`one more phone may pair as a member with this one-time code within ${Math.round(validForMs / 1000)} s: plushlink pair --code ${code}`);
      } else {
        await session.removeMember(bondId!);
        if (bondId === session.bond.bondId) phone.client.forget(session.bond.toyId);
        out.print(`removed ${bondId}`);
      }
    }, out.signal);
    return 0;
  },
};

function describe(member: MemberInfo, me: boolean): string {
  const since = new Date(member.createdAt).toISOString().slice(0, 19).replace('T', ' ');
  return `${member.bondId}  ${member.role.padEnd(6)}  ${since}  ${member.joined.padEnd(10)}  ${member.label}${me ? '  (this phone)' : ''}`;
}
