// A family with a relay, for the client's relay tests: the parent's phone owns a toy on the
// virtual radio and a family mailbox on a relay on loopback; `inviteFarAway` runs a whole remote
// invitation (link, CPace over the rendezvous, add-member in the parent's next session, roster,
// bond id back to the invitee).
import { RelayClient, newRelayId } from '../../client/relay-client';
import { type HostedInvitation, type JoinResult, hostRemoteInvitation, joinRemoteInvitation, newRemoteInvitation } from '../../client/remote-invitation';
import type { ToyClient } from '../../client/toy-client';
import type { InvitationOffer, RemoteInvitation } from '../../pairing/remote-invitation';
import { type Sodium, sodiumReady } from '../../pairing/sodium';
import { ownedToy } from './helpers';
import type { ToyOptions, World, WorldToy } from './world';

export interface RelayFamily {
  readonly sodium: Sodium;
  readonly url: string;
  readonly toy: WorldToy;
  readonly toyId: string;
  readonly parent: ToyClient;
  readonly parentRelay: RelayClient;
  readonly mailbox: string;
  readonly offer: InvitationOffer;
}

/** The parent owns the toy and a mailbox (roster: the parent alone), and has left the toy. */
export async function familyAtHome(world: World, url: string, options: ToyOptions = {}): Promise<RelayFamily> {
  const sodium = await sodiumReady();
  const { toy, phone: parent, session } = await ownedToy(world, 'Parent', options);
  const toyId = toy.firmware.identity.toyId;
  const parentRelay = new RelayClient({ url, key: parent.keysFor(toyId).signing, sodium });
  const mailbox = newRelayId(sodium);
  await parentRelay.putRoster(mailbox, 1, [parentRelay.keyId]);
  const offer: InvitationOffer = { toyId, toy: session.bond.peer, mailbox, owner: parentRelay.keyId };
  await session.disconnect(); // the parent goes about its day; the invitee answers later
  return { sodium, url, toy, toyId, parent, parentRelay, mailbox, offer };
}

export interface FarAwayMember {
  readonly invitation: RemoteInvitation;
  readonly hosted: HostedInvitation;
  readonly joined: JoinResult;
  readonly bondId: string;
}

/**
 * `invitee` joins the family from far away by a remote invitation, as `label`, through the relay
 * at `inviteeUrl` (by default the family's; another process on the same database works too).
 */
export async function inviteFarAway(family: RelayFamily, invitee: ToyClient, label: string, rosterVersion = 2, inviteeUrl = family.url): Promise<FarAwayMember> {
  const { sodium, parent, parentRelay, toyId, mailbox } = family;
  const { invitation, link } = newRemoteInvitation(sodium);
  const joining = joinRemoteInvitation(sodium, inviteeUrl, link, invitee, { timeoutMs: 20_000 });
  const hosted = await hostRemoteInvitation(sodium, parentRelay, invitation, family.offer, { timeoutMs: 20_000 });
  // The parent's next session at home adds the invitee by key; the roster lets its key read and post.
  const next = await parent.connect(toyId);
  const added = await next.addMember(hosted.keys, label);
  const { bondId } = added;
  await next.disconnect();
  const roster = await parentRelay.roster(mailbox, parentRelay.keyId);
  await parentRelay.putRoster(mailbox, rosterVersion, [...roster.members, hosted.relayKey]);
  await hosted.complete(added);
  return { invitation, hosted, joined: await joining, bondId };
}
