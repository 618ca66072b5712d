// A remote invitation, end to end: the parent's phone (the toy's owner, on the virtual radio at
// home) invites grandma far away with a link; the two phones run CPace over a real relay on
// loopback (SQLite); the parent adds grandma's keys to the toy in its next session and to the
// family mailbox's roster; grandma's phone stores its bond and may use the mailbox. A relay
// operator who forges the invitee's side of the rendezvous gets nothing and adds no one.
import { RelayClient } from '../../client/relay-client';
import { hostRemoteInvitation, newRemoteInvitation } from '../../client/remote-invitation';
import { CPace } from '../../pairing/cpace';
import { keyIdOf } from '../../relay/request-signing';
import { type RunningRelay, useTestRelay } from '../relay/relay-harness';
import { thrown, useWorld } from './helpers';
import { familyAtHome, inviteFarAway } from './relay-family';

const running = useTestRelay('sqlite');
const relay = (): RunningRelay => running()!;

describe('a remote invitation', () => {
  const world = useWorld(131);

  it('lets grandma join from a link: the toy and the mailbox roster list her keys, and the relay never saw the secret', async () => {
    const family = await familyAtHome(world(), relay().relay.url);
    const { sodium, toyId, parent, mailbox, offer } = family;
    const grandma = await world().phone('Grandma');
    const { invitation, hosted, joined, bondId } = await inviteFarAway(family, grandma, 'Grandma');
    expect(Buffer.from(hosted.keys.signing).equals(Buffer.from(grandma.keysFor(toyId).signing.publicKey))).toBe(true);

    const session = await parent.connect(toyId);
    expect((await session.members()).map((m) => [m.label, m.role, m.joined])).toEqual([
      ['Parent', 'owner', 'tag-code'],
      ['Grandma', 'member', 'added-by-owner'],
    ]);
    await session.disconnect();
    expect(joined.offer).toEqual(offer);
    expect(joined.bond).toMatchObject({ bondId, toyId, role: 'member', joined: 'added-by-owner' });
    const grandmaRelay = new RelayClient({ url: relay().relay.url, key: grandma.keysFor(toyId).signing, sodium });
    expect(hosted.relayKey).toBe(keyIdOf(grandma.keysFor(toyId).signing));
    expect((await grandmaRelay.roster(mailbox, joined.offer.owner)).members).toContain(grandmaRelay.keyId);
    await expect(grandmaRelay.pending(mailbox)).resolves.toEqual([]);

    const stored = await relay().connection.db.selectFrom('rendezvous').select('body').where('rendezvous_id', '=', invitation.rendezvous).execute();
    expect(stored.length).toBe(5);
    for (const row of stored) {
      expect(row.body.includes(Buffer.from(invitation.secret))).toBe(false);
      expect(row.body.includes(Buffer.from(mailbox))).toBe(false);
      expect(row.body.includes(Buffer.from(toyId))).toBe(false);
    }
  });

  it('an operator who answers for the invitee in the database is refused, and nobody is added', async () => {
    const { sodium, toyId, parent, parentRelay, offer } = await familyAtHome(world(), relay().relay.url);
    const { connection, relay: server } = relay();
    const { invitation } = newRemoteInvitation(sodium);
    const hosting = hostRemoteInvitation(sodium, parentRelay, invitation, offer, { timeoutMs: 20_000 });
    const forge = async (seq: number, body: Uint8Array): Promise<void> => {
      await connection.db.insertInto('rendezvous').values({ rendezvous_id: invitation.rendezvous, seq, body: Buffer.from(body), digest: `forged-${seq}`, expires_at: Math.floor(Date.now() / 1000) + 600 }).execute();
      await server.store.notifier.publish(`r:${invitation.rendezvous}`);
    };
    // Without the secret the operator can only guess: its share and some "sealed keys".
    const encoder = new TextEncoder();
    const sid = sodium.from_base64(invitation.rendezvous, sodium.base64_variants.URLSAFE_NO_PADDING);
    const guess = new CPace(sodium, 'responder', { prs: new Uint8Array(16), ci: encoder.encode('plushlink remote invitation v1'), sid }, encoder.encode('guest'));
    await forge(1, guess.own.share);
    await forge(3, sodium.randombytes_buf(24 + 64 + 16));
    expect((await thrown(hosting)).code).toBe('WRONG_CODE');

    const next = await parent.connect(toyId);
    expect((await next.members()).map((m) => m.label)).toEqual(['Parent']);
    await next.disconnect();
  });
});
