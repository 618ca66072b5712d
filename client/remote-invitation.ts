// The phones' glue for a remote invitation (pairing/remote-invitation.ts) over a relay's rendezvous:
// the owner's phone makes the link and runs the exchange until it has the invitee's keys, adds
// them to the toy in its next session (ToySession.addMember) and to the mailbox roster, then hands
// the invitee its bond id; the invitee's phone joins from the link alone. Failures are
// ToyClientErrors: WRONG_CODE when the other side did not hold the secret (a wrong link, or a
// relay operator tampering with the rendezvous), TIMEOUT when nobody answered in time.
import { encodeGrant } from '../pairing/grant';
import { publicKeys } from '../pairing/identity';
import type { PartyKeys, PeerPublicKeys } from '../pairing/keys';
import { isPairingError } from '../pairing/errors';
import {
  INVITATION_SEQ,
  InvitationGuest,
  InvitationHost,
  type InvitationOffer,
  type RemoteInvitation,
  type RendezvousPost,
  createRemoteInvitation,
  encodeRemoteInvitation,
  parseRemoteInvitation,
} from '../pairing/remote-invitation';
import type { Sodium } from '../pairing/sodium';
import type { Bond } from '../pairing/bond';
import { ToyClientError } from './errors';
import type { AddedMember } from './toy-session';
import { RelayClient, RelayRefusal } from './relay-client';

/** How long a phone waits for the other one by default (the relay keeps a rendezvous 15 minutes). */
export const DEFAULT_INVITATION_WAIT_MS = 15 * 60_000;

export interface RendezvousOptions {
  readonly signal?: AbortSignal;
  /** Give up waiting for the other phone after this long. */
  readonly timeoutMs?: number;
}

/** Runs a pairing/ step, reporting its refusals as ToyClientErrors. */
function step<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isPairingError(error)) {
      const code = error.code === 'DECRYPT_FAILED' || error.code === 'INVALID_POINT' ? 'WRONG_CODE' : 'PROTOCOL';
      throw new ToyClientError(code, `remote invitation refused: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Message `seq` of the rendezvous, long-polling until it is there, the deadline passes or `signal` aborts. */
async function awaitMessage(relay: RelayClient, rendezvous: string, seq: number, deadline: number, signal?: AbortSignal): Promise<Uint8Array> {
  for (;;) {
    if (signal?.aborted) throw new ToyClientError('ABORTED', 'remote invitation aborted');
    const left = deadline - Date.now();
    if (left <= 0) throw new ToyClientError('TIMEOUT', `the other phone did not answer the invitation in time (message ${seq})`);
    try {
      return await relay.getRendezvous(rendezvous, seq, Math.max(1, Math.min(25, Math.floor(left / 1000))));
    } catch (error) {
      if (!(error instanceof RelayRefusal && error.code === 'NO_MESSAGE')) throw error;
    }
  }
}

const post = (relay: RelayClient, rendezvous: string, message: RendezvousPost): Promise<void> => relay.putRendezvous(rendezvous, message.seq, message.body);

/** A fresh invitation and the link to pass on out of band (message, QR, read aloud). */
export function newRemoteInvitation(sodium: Sodium): { invitation: RemoteInvitation; link: string } {
  const invitation = createRemoteInvitation(sodium);
  return { invitation, link: encodeRemoteInvitation(invitation) };
}

/** The owner's side once the invitee's keys arrived: add them to the toy, then `complete()`. */
export interface HostedInvitation {
  /** The invitee's public keys for this toy: for ToySession.addMember. */
  readonly keys: PeerPublicKeys;
  /** The invitee's relay key id (for the mailbox roster). */
  readonly relayKey: string;
  /** Sends the invitee the bond id the toy gave it (from addMember's result). */
  complete(added: Pick<AddedMember, 'bondId' | 'destinationKey'>): Promise<void>;
}

/**
 * The owner's phone: posts its CPace share, waits for the invitee, sends the sealed offer and
 * returns the invitee's keys. `relay` signs with the owner's key for this toy.
 */
export async function hostRemoteInvitation(
  sodium: Sodium,
  relay: RelayClient,
  invitation: RemoteInvitation,
  offer: InvitationOffer,
  options: RendezvousOptions = {},
): Promise<HostedInvitation> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_INVITATION_WAIT_MS);
  const host = new InvitationHost(sodium, invitation, offer);
  const { rendezvous } = invitation;
  await post(relay, rendezvous, host.opening);
  const share = await awaitMessage(relay, rendezvous, INVITATION_SEQ.guestShare, deadline, options.signal);
  await post(relay, rendezvous, step(() => host.onGuestShare(share)));
  const sealedKeys = await awaitMessage(relay, rendezvous, INVITATION_SEQ.guestKeys, deadline, options.signal);
  const keys = step(() => host.onGuestKeys(sealedKeys));
  return {
    keys,
    relayKey: sodium.to_base64(keys.signing, sodium.base64_variants.URLSAFE_NO_PADDING),
    complete: async (added) => post(relay, rendezvous, step(() => host.bondMessage(added.bondId, added.destinationKey))),
  };
}

/** What the invitee's phone needs from a ToyClient: its keys for a toy and where to keep the bond. */
export interface InviteeClient {
  keysFor(toyId: string): PartyKeys;
  acceptGrant(grant: string): Bond;
}

export interface JoinResult {
  readonly offer: InvitationOffer;
  readonly bond: Bond;
}

/**
 * The invitee's phone: from the link alone, runs the exchange on the relay at `url` (signing the
 * rendezvous requests with a throwaway key: it has no key for the toy yet), sends its keys for the
 * offered toy and stores the bond the owner's phone hands back.
 */
export async function joinRemoteInvitation(sodium: Sodium, url: string, link: string, client: InviteeClient, options: RendezvousOptions = {}): Promise<JoinResult> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_INVITATION_WAIT_MS);
  const invitation = step(() => parseRemoteInvitation(sodium, link));
  const throwaway = sodium.crypto_sign_keypair();
  const relay = new RelayClient({ url, key: { publicKey: throwaway.publicKey, secretKey: throwaway.privateKey }, sodium });
  const guest = new InvitationGuest(sodium, invitation);
  const { rendezvous } = invitation;
  const opening = await awaitMessage(relay, rendezvous, INVITATION_SEQ.ownerShare, deadline, options.signal);
  await post(relay, rendezvous, step(() => guest.onOwnerShare(opening)));
  const sealedOffer = await awaitMessage(relay, rendezvous, INVITATION_SEQ.offer, deadline, options.signal);
  const offer = step(() => guest.onOffer(sealedOffer));
  await post(relay, rendezvous, step(() => guest.keysMessage(publicKeys(client.keysFor(offer.toyId)))));
  const sealedBond = await awaitMessage(relay, rendezvous, INVITATION_SEQ.bond, deadline, options.signal);
  const grant = step(() => guest.onBond(sealedBond));
  return { offer, bond: client.acceptGrant(encodeGrant(grant)) };
}
