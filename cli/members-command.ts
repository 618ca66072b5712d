// `plushlink members`: who is on the toy (owner and members), and for the owner, inviting one
// more phone and removing one. A member may remove only itself. A phone may also join by its
// public keys (HomeKit's Add Pairing): `keys` on the new phone, `add` on the owner's, `accept`
// with the grant back on the new phone; no code, so nothing for a stranger to guess.
import { formatPairingCode } from '../pairing/code';
import type { MemberInfo } from '../pairing/session-messages';
import { parseCommandLine } from './args';
import type { Command, Output } from './command';
import { relaySettings, saveRelaySettings } from './family-relay-settings';
import { pendingRosterLine, retryPendingRoster, updateRoster } from './pending-roster';
import { openPhone, PHONE_HELP, PHONE_OPTIONS, withSession } from './phone';
import { UsageError } from './usage-error';

const OPTIONS = { ...PHONE_OPTIONS, keys: { type: 'string' }, label: { type: 'string' } } as const;
const ACTIONS = ['list', 'invite', 'remove', 'keys', 'add', 'accept'];

export const membersCommand: Command = {
  name: 'members',
  summary: "list the toy's phones; the owner invites or removes one",
  help: `usage: plushlink members [list] [phone options]
       plushlink members invite [phone options]
       plushlink members remove BOND [phone options]
       plushlink members keys [phone options]
       plushlink members add --keys PHONE_KEYS [--label NAME] [phone options]
       plushlink members accept GRANT [phone options]

  list          the phones bonded with the toy, with their bond ids and roles (the default)
  invite        owner only: prints a one-time code with which one more phone pairs as a
                member within the next 2 minutes (the tag's code pairs the first owner only)
  remove BOND   owner: removes any phone (its sessions end at once, and a member invited with
                invite --remote leaves the family mailbox's roster; when the relay cannot take
                that now, the change is kept and the next command retries it); a member: only itself
  keys          on a new phone: prints its public keys for the toy (a QR payload) to show the owner
  add           owner only: bonds the phone whose keys --keys gives (listed as --label NAME,
                default "member") and prints the grant to hand back to it
  accept GRANT  on the new phone: stores the bond the owner's grant gives; it may then connect
${PHONE_HELP}`,

  async run(args, out) {
    const { values, positionals } = parseCommandLine('members', args, OPTIONS, 2);
    const [action = 'list', operand] = positionals;
    if (!ACTIONS.includes(action)) throw new UsageError(`members: unknown action "${action}" (${ACTIONS.join(', ')})`);
    const needs = action === 'remove' ? 'the BOND id (see plushlink members list)' : action === 'accept' ? 'the GRANT (plushlink://member?...) the owner printed' : undefined;
    if (needs && !operand) throw new UsageError(`members ${action} needs ${needs}`);
    if (!needs && operand) throw new UsageError(`members ${action}: unexpected argument "${operand}"`);
    if (action === 'add' && !values.keys) throw new UsageError('members add needs --keys PHONE_KEYS (what plushlink members keys printed on the new phone)');
    if (action !== 'add' && (values.keys !== undefined || values.label !== undefined)) throw new UsageError(`members ${action}: --keys and --label go with members add`);
    const phone = await openPhone('members', values);
    if (action !== 'keys' && action !== 'accept' && action !== 'remove') await retryPendingRoster(phone.client, phone.storePath, phone.toyId(), out);
    if (action === 'keys') {
      const toyId = phone.toyId();
      out.print(`phone keys: ${phone.client.phoneKeys(toyId)}`);
      out.print(`the toy's owner adds this phone with: plushlink members add --keys PHONE_KEYS --toy ${toyId}`);
      return 0;
    }
    if (action === 'accept') {
      const bond = phone.client.acceptGrant(operand!);
      out.print(`bonded with toy ${bond.toyId} as member (bond ${bond.bondId}); bond stored in ${phone.storePath}`);
      return 0;
    }
    let removedOther = false;
    await withSession(phone, async (session) => {
      if (action === 'list') {
        for (const member of await session.members()) out.print(describe(member, member.bondId === session.bond.bondId));
      } else if (action === 'invite') {
        const { validForMs, code, qr } = await session.inviteMember();
        out.print(`invitation code: ${formatPairingCode(code)}`);
        out.print(`invitation QR payload: ${qr}`);
        out.print(`one more phone may pair as a member with this one-time code within ${Math.round(validForMs / 1000)} s: plushlink pair --code ${code}`);
      } else if (action === 'add') {
        const { bondId, grant } = await session.addMember(values.keys!, values.label ?? 'member');
        out.print(`added ${bondId} as member`);
        out.print(`grant: ${grant}`);
        out.print('on the new phone: plushlink members accept GRANT');
      } else {
        await session.removeMember(operand!);
        if (operand === session.bond.bondId) phone.client.forget(session.bond.toyId);
        else removedOther = true;
        out.print(`removed ${operand}`);
      }
    }, out.signal);
    if (removedOther) await dropFromRoster(phone, operand!, out);
    return 0;
  },
};

/** Owner: a removed member invited over the relay also leaves the family mailbox's roster (now, or when the relay is back). */
async function dropFromRoster(phone: Awaited<ReturnType<typeof openPhone>>, bondId: string, out: Output): Promise<void> {
  const toyId = phone.toyId();
  const settings = relaySettings(phone.storePath, toyId);
  const relayKey = settings?.relayKeys?.[bondId];
  if (!settings || !relayKey) return;
  const { [bondId]: _dropped, ...relayKeys } = settings.relayKeys ?? {};
  const outcome = await updateRoster(phone.client, phone.storePath, toyId, { add: [], remove: [relayKey] }, out.signal);
  // The change is kept (published or pending) from here on, so the bond's key is no longer needed.
  saveRelaySettings(phone.storePath, toyId, { ...relaySettings(phone.storePath, toyId)!, relayKeys });
  if (outcome.state === 'pending') throw new Error(`removed ${bondId} from the toy; ${pendingRosterLine(outcome.why)}`);
  if (outcome.state === 'published') out.print(`removed ${bondId} from the family mailbox roster`);
}

function describe(member: MemberInfo, me: boolean): string {
  const since = new Date(member.createdAt).toISOString().slice(0, 19).replace('T', ' ');
  return `${member.bondId}  ${member.role.padEnd(6)}  ${since}  ${member.joined.padEnd(10)}  ${member.label}${me ? '  (this phone)' : ''}`;
}
