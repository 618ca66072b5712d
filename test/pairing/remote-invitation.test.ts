// The remote invitation state machines, with no relay: messages are handed across by hand, so a
// test can drop, swap, alter or forge any of them as a rendezvous operator could.
import { generatePartyKeys, publicKeys } from '../../pairing/identity';
import {
  INVITATION_SEQ,
  InvitationGuest,
  InvitationHost,
  type InvitationOffer,
  createRemoteInvitation,
  encodeRemoteInvitation,
  parseRemoteInvitation,
} from '../../pairing/remote-invitation';
import { errorCode, useSodium } from './helpers';

const sodium = useSodium();

function offer(): InvitationOffer {
  const s = sodium();
  const b64 = (n: number): string => s.to_base64(s.randombytes_buf(n), s.base64_variants.URLSAFE_NO_PADDING);
  return { toyId: 'ab'.repeat(8), toy: publicKeys(generatePartyKeys(s)), mailbox: b64(16), owner: b64(32) };
}

describe('the invitation link', () => {
  it('round-trips and is refused when altered', () => {
    const invitation = createRemoteInvitation(sodium());
    const link = encodeRemoteInvitation(invitation);
    expect(link).toMatch(/^plushlink:\/\/invite\?v=2&r=[A-Za-z0-9_-]{22}&k=[0-9a-f]{32}$/);
    expect(parseRemoteInvitation(sodium(), link)).toEqual(invitation);
    expect(errorCode(() => parseRemoteInvitation(sodium(), link.slice(0, -1)))).toBe('MALFORMED');
    expect(errorCode(() => parseRemoteInvitation(sodium(), link.replace('&r=', '&r=x')))).toBe('MALFORMED');
    expect(errorCode(() => parseRemoteInvitation(sodium(), link.replace('v=2', 'v=1')))).toBe('UNSUPPORTED_VERSION');
  });
});

describe('the exchange', () => {
  it('hands the guest the toy and mailbox, the owner the guest keys, and the guest its bond', () => {
    const invitation = createRemoteInvitation(sodium());
    const sent = offer();
    const host = new InvitationHost(sodium(), invitation, sent);
    const guest = new InvitationGuest(sodium(), parseRemoteInvitation(sodium(), encodeRemoteInvitation(invitation)));
    expect(host.opening.seq).toBe(INVITATION_SEQ.ownerShare);
    const share = guest.onOwnerShare(host.opening.body);
    const sealedOffer = host.onGuestShare(share.body);
    expect(Buffer.from(sealedOffer.body).includes(Buffer.from(sent.mailbox))).toBe(false);
    expect(guest.onOffer(sealedOffer.body)).toEqual(sent);
    const keys = publicKeys(generatePartyKeys(sodium()));
    expect(host.onGuestKeys(guest.keysMessage(keys).body)).toEqual(keys);
    const destinationKey = sodium().randombytes_buf(32);
    const grant = guest.onBond(host.bondMessage('0123456789abcdef', destinationKey).body);
    expect(grant).toEqual({ toyId: sent.toyId, bondId: '0123456789abcdef', toy: sent.toy, destinationKey });
  });

  it('with a different secret the guest cannot open the offer, and the run is over', () => {
    const invitation = createRemoteInvitation(sodium());
    const host = new InvitationHost(sodium(), invitation, offer());
    const guest = new InvitationGuest(sodium(), { ...invitation, secret: sodium().randombytes_buf(16) });
    const sealedOffer = host.onGuestShare(guest.onOwnerShare(host.opening.body).body);
    expect(errorCode(() => guest.onOffer(sealedOffer.body))).toBe('DECRYPT_FAILED');
    expect(errorCode(() => guest.onOffer(sealedOffer.body))).toBe('CLOSED');
  });

  it('an operator without the secret who answers for the guest cannot open the offer or pass keys to the owner', () => {
    const invitation = createRemoteInvitation(sodium());
    const host = new InvitationHost(sodium(), invitation, offer());
    const operator = new InvitationGuest(sodium(), { ...invitation, secret: new Uint8Array(16) });
    const sealedOffer = host.onGuestShare(operator.onOwnerShare(host.opening.body).body);
    expect(errorCode(() => operator.onOffer(sealedOffer.body))).toBe('DECRYPT_FAILED');
    // Its own sealed keys, under its own key, do not open at the owner either.
    const forger = new InvitationGuest(sodium(), { ...invitation, secret: new Uint8Array(16) });
    const forgedHost = new InvitationHost(sodium(), { ...invitation, secret: new Uint8Array(16) }, offer());
    forgedHost.onGuestShare(forger.onOwnerShare(forgedHost.opening.body).body);
    const target = new InvitationHost(sodium(), invitation, offer());
    target.onGuestShare(new InvitationGuest(sodium(), invitation).onOwnerShare(target.opening.body).body);
    const forgedKeys = new Uint8Array(100);
    expect(errorCode(() => target.onGuestKeys(forgedKeys))).toBe('DECRYPT_FAILED');
  });

  it('refuses a message moved to another number, an altered one, and steps out of order', () => {
    const invitation = createRemoteInvitation(sodium());
    const host = new InvitationHost(sodium(), invitation, offer());
    // A step out of order ends the run: nothing is accepted from a confused exchange.
    const early = new InvitationGuest(sodium(), invitation);
    expect(errorCode(() => early.onOffer(new Uint8Array(64)))).toBe('UNEXPECTED_MESSAGE');
    expect(errorCode(() => early.onOwnerShare(host.opening.body))).toBe('CLOSED');
    const guest = new InvitationGuest(sodium(), invitation);
    const sealedOffer = host.onGuestShare(guest.onOwnerShare(host.opening.body).body);
    const altered = Uint8Array.from(sealedOffer.body);
    altered[0] = (altered[0] ?? 0) ^ 1;
    const second = new InvitationGuest(sodium(), invitation);
    const secondHost = new InvitationHost(sodium(), invitation, offer());
    const secondOffer = secondHost.onGuestShare(second.onOwnerShare(secondHost.opening.body).body);
    expect(errorCode(() => guest.onOffer(altered))).toBe('DECRYPT_FAILED');
    // The offer is sealed as message 2: replayed as the bond (message 4) it does not open.
    second.onOffer(secondOffer.body);
    second.keysMessage(publicKeys(generatePartyKeys(sodium())));
    const replayed = new Uint8Array(secondOffer.body);
    expect(errorCode(() => second.onBond(replayed))).toBe('DECRYPT_FAILED');
    expect(errorCode(() => host.bondMessage('0123456789abcdef', new Uint8Array(32)))).toBe('UNEXPECTED_MESSAGE');
  });

  it('refuses a reflected share and oversized or short messages', () => {
    const invitation = createRemoteInvitation(sodium());
    const host = new InvitationHost(sodium(), invitation, offer());
    expect(errorCode(() => host.onGuestShare(host.opening.body))).toBe('INVALID_POINT');
    const guest = new InvitationGuest(sodium(), invitation);
    const other = new InvitationHost(sodium(), invitation, offer());
    other.onGuestShare(guest.onOwnerShare(other.opening.body).body);
    expect(errorCode(() => guest.onOffer(new Uint8Array(10)))).toBe('MALFORMED');
    const big = new InvitationGuest(sodium(), invitation);
    const bigHost = new InvitationHost(sodium(), invitation, offer());
    bigHost.onGuestShare(big.onOwnerShare(bigHost.opening.body).body);
    expect(errorCode(() => big.onOffer(new Uint8Array(5000)))).toBe('TOO_LARGE');
  });
});
