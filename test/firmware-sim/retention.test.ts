// Nothing piles up on the toy (docs/PROTOCOL.md §10.7): a message goes once it has played, a
// recording once every phone that may fetch it has fetched it (a revoked phone is not waited for),
// or when a phone deletes it.
import type { ToyClient } from '../../client/toy-client';
import type { ToySession } from '../../client/toy-session';
import { ownedToy, until, useWorld, voiceWav } from '../client/helpers';
import type { World, WorldToy } from '../client/world';

async function withMember(world: World, toy: WorldToy, owner: ToySession): Promise<{ member: ToyClient; memberBond: string }> {
  const { code } = await owner.inviteMember();
  await owner.disconnect();
  const member = await world.phone('Grandma');
  const session = await member.pair(toy.firmware.identity.toyId, { code });
  const memberBond = session.bond.bondId;
  await session.disconnect();
  return { member, memberBond };
}

/** The child presses the paw; returns the new recording's id. */
async function childRecords(toy: WorldToy): Promise<string> {
  const recorded = new Promise<{ id: string }>((resolve) => toy.firmware.once('recorded', resolve));
  await toy.firmware.pawPress();
  return (await recorded).id;
}

async function fetchAndLeave(phone: ToyClient, toyId: string, id: string): Promise<void> {
  const session = await phone.connect(toyId);
  await session.fetchRecording(id);
  await session.disconnect();
  await until(() => !session.open);
}

describe('what the toy keeps', () => {
  const world = useWorld(131);

  it('erases a message once it has played', async () => {
    const { toy, session } = await ownedToy(world());
    const played = new Promise((resolve) => toy.firmware.once('played', resolve));
    await session.sendMessage(voiceWav(1));
    expect(toy.firmware.storage.flash.keys('messages/')).toHaveLength(1);
    await played;
    expect(toy.firmware.storage.flash.keys('messages/')).toEqual([]);
    await session.disconnect();
  });

  it('keeps a recording until every bonded phone has fetched it, then erases it', async () => {
    const { toy, phone: owner, session } = await ownedToy(world());
    const toyId = toy.firmware.identity.toyId;
    const { member } = await withMember(world(), toy, session);
    const id = await childRecords(toy);
    const stored = (): string[] => toy.firmware.storage.flash.keys('recordings/');
    await fetchAndLeave(owner, toyId, id);
    await fetchAndLeave(owner, toyId, id); // the same phone twice still counts once
    expect(stored()).toEqual([`recordings/${id}`]);
    await fetchAndLeave(member, toyId, id);
    expect(stored()).toEqual([]);
    expect(toy.firmware.storage.flash.keys('fetched/')).toEqual([]);
  });

  it('does not wait for a phone that was removed, and lets a phone delete a recording outright', async () => {
    const { toy, phone: owner, session } = await ownedToy(world());
    const toyId = toy.firmware.identity.toyId;
    const { memberBond } = await withMember(world(), toy, session);
    const first = await childRecords(toy);
    const second = await childRecords(toy);
    const removing = await owner.connect(toyId);
    await removing.removeMember(memberBond);
    await removing.deleteRecording(second);
    await removing.disconnect();
    await until(() => !removing.open);
    expect(toy.firmware.storage.flash.keys('recordings/')).toEqual([`recordings/${first}`]);
    await fetchAndLeave(owner, toyId, first);
    expect(toy.firmware.storage.flash.keys().filter((k) => /^(recordings|fetched|messages)\//.test(k))).toEqual([]);
  });
});
