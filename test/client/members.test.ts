// Members, end to end: the owner invites, a second phone pairs as a member (paw press, code and
// invitation all needed), a member uses the toy but cannot manage it, and a removed member is
// refused at its next connect.
import type { ToyClient } from '../../client/toy-client';
import type { ToySession } from '../../client/toy-session';
import { ownedToy, thrown, until, useWorld, voiceWav } from './helpers';
import type { World, WorldToy } from './world';

/** Owner invites (from its session), then a second phone pairs as member with the one-time code. */
async function addMember(world: World, toy: WorldToy, owner: ToySession): Promise<{ member: ToyClient; session: ToySession }> {
  const { validForMs, code } = await owner.inviteMember();
  expect(validForMs).toBeGreaterThan(60_000);
  expect(code).not.toBe(toy.firmware.identity.code);
  await owner.disconnect(); // the toy serves one phone at a time
  const member = await world.phone('Grandma');
  const stored = new Promise((resolve) => toy.firmware.once('paired', resolve));
  const session = await member.pair(toy.firmware.identity.toyId, { code });
  await stored;
  return { member, session };
}

describe('members of a toy', () => {
  const world = useWorld(61);

  it('refuses a second phone without an invitation, even with the code and a paw press', async () => {
    const { toy, session } = await ownedToy(world());
    await session.disconnect();
    const other = await world().phone('Neighbour');
    await toy.firmware.pawPress({ long: true });
    expect((await thrown(other.pair(toy.firmware.identity.toyId, { code: toy.firmware.identity.code }))).code).toBe('INVITE_REQUIRED');
    expect(toy.firmware.storage.bonds.list()).toHaveLength(1);
    expect(other.bonds()).toEqual([]);
  });

  it('lets an invited member send messages and fetch recordings, but not invite, reset or change settings', async () => {
    const { toy, session: owner } = await ownedToy(world());
    const { session } = await addMember(world(), toy, owner);
    expect(session.bond.role).toBe('member');
    expect((await session.members()).map((m) => [m.role, m.label]).sort()).toEqual([
      ['member', 'Grandma'],
      ['owner', 'Parent'],
    ]);

    const played = new Promise<{ id: string }>((resolve) => toy.firmware.once('played', resolve));
    const id = await session.sendMessage(voiceWav(1));
    expect((await played).id).toBe(id);

    const added = new Promise<{ id: Uint8Array }>((resolve) => session.once('recording-added', resolve));
    await toy.firmware.pawPress();
    const recordingId = Buffer.from((await added).id).toString('hex');
    const fetched = await session.fetchRecording(recordingId);
    expect(fetched.id).toBe(recordingId);

    expect((await thrown(session.inviteMember())).code).toBe('FORBIDDEN');
    expect((await thrown(session.setVolume(10))).code).toBe('FORBIDDEN');
    expect((await thrown(session.factoryReset())).code).toBe('FORBIDDEN');
    expect(toy.firmware.storage.loadSettings().volume).toBe(70);
    expect(toy.firmware.storage.bonds.list()).toHaveLength(2);
    expect(session.open).toBe(true);
    await session.disconnect();
  });

  it('adds a phone by the keys it shows, with no code or window, and only the owner may', async () => {
    const { toy, session: owner } = await ownedToy(world());
    const grandma = await world().phone('Grandma');
    const { bondId, grant } = await owner.addMember(grandma.phoneKeys(toy.firmware.identity.toyId), 'Grandma');
    await owner.disconnect();
    expect(toy.firmware.pairingWindowOpen).toBe(false);
    expect(grandma.acceptGrant(grant)).toMatchObject({ bondId, role: 'member', joined: 'added-by-owner' });
    const session = await grandma.connect(toy.firmware.identity.toyId);
    expect((await session.members()).map((m) => [m.label, m.role, m.joined])).toEqual([
      ['Parent', 'owner', 'tag-code'],
      ['Grandma', 'member', 'added-by-owner'],
    ]);
    const stranger = await world().phone('Stranger');
    expect((await thrown(session.addMember(stranger.phoneKeys(toy.firmware.identity.toyId), 'Stranger'))).code).toBe('FORBIDDEN');
    expect((await thrown(session.addMember('plushlink://phone?v=1', 'x'))).code).toBe('BAD_INPUT');
    expect(() => grandma.acceptGrant('plushlink://member?v=9')).toThrow(/membership grant/);
    await session.disconnect();
  });

  it("refuses a removed member's next connect with NOT_BONDED", async () => {
    const { toy, phone: ownerPhone, session: owner } = await ownedToy(world());
    const { member, session } = await addMember(world(), toy, owner);
    const memberBond = session.bond.bondId;
    await session.disconnect();

    const again = await ownerPhone.connect(toy.firmware.identity.toyId);
    await again.removeMember(memberBond);
    expect((await again.members()).map((m) => m.role)).toEqual(['owner']);
    await again.disconnect();
    await until(() => !again.open);

    const refused = await thrown(member.connect(toy.firmware.identity.toyId));
    expect(refused.code).toBe('NOT_BONDED');
    // The refusal is not authenticated (a fake toy could send it), so the phone keeps its bond
    // until the app decides to forget it; then it is NOT_BONDED without touching the air.
    expect(member.bonds()).toHaveLength(1);
    expect(member.forget(toy.firmware.identity.toyId)).toBe(true);
    expect((await thrown(member.connect(toy.firmware.identity.toyId))).code).toBe('NOT_BONDED');
  });

  it('lets a member remove itself, but not the owner', async () => {
    const { toy, session: owner } = await ownedToy(world());
    const ownerBond = owner.bond.bondId;
    const { session } = await addMember(world(), toy, owner);
    expect((await thrown(session.removeMember(ownerBond))).code).toBe('FORBIDDEN');
    await session.removeMember(session.bond.bondId);
    expect(toy.firmware.storage.bonds.list().map((b) => b.role)).toEqual(['owner']);
    // Its session ends with its bond, and the toy stays up.
    await until(() => !session.open);
    expect(toy.firmware.state).not.toBe('off');
  });
});
