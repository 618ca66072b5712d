// A remote invitation, sans IO: the owner's phone and a far-away invitee's phone share a one-time
// secret out of band (a `plushlink://invite?` link), run CPace on it over a relay's rendezvous,
// and under keys derived from CPace's ISK exchange what the invitee needs to join: the toy's id and
// public keys and the family mailbox (owner -> guest), the guest's per-toy public keys
// (guest -> owner), and finally the bond id and destination key the toy gave the guest's bond when
// the owner added it by key.
// The relay carries numbered opaque messages and never sees the secret; an operator who swaps a
// share has one online guess at a 128-bit secret, and otherwise the first sealed message fails to
// open on the other side (DECRYPT_FAILED), so neither phone accepts anything from it.
//
// Rendezvous message numbers: 0 owner's share, 1 guest's share, 2 offer, 3 guest's keys, 4 bond id.
import { DESTINATION_KEY_BYTES } from './bond';
import { bondIdOk, type MembershipGrant } from './grant';
import { concat, fromHex, toHex, u16le, utf8 } from './bytes';
import { CPace, type CPaceInputs } from './cpace';
import { PairingError, guard } from './errors';
import { hkdfSha256 } from './hkdf';
import type { PeerPublicKeys } from './keys';
import { parseToyId, uriFields } from './qr';
import type { Sodium } from './sodium';

export const INVITE_PREFIX = 'plushlink://invite?';
/** 2 (protocol 3): three role keys per party, and the bond's destination key in message 4. */
const VERSION = '2';
const SECRET_BYTES = 16;
const KEY_BYTES = 32;
const RENDEZVOUS_BYTES = 16;
const CHANNEL = utf8('plushlink remote invitation v2');
const OWNER_AD = utf8('owner');
const GUEST_AD = utf8('guest');
const MAX_SEALED_BYTES = 2048;

export const INVITATION_SEQ = { ownerShare: 0, guestShare: 1, offer: 2, guestKeys: 3, bond: 4 } as const;

/** What the owner passes on out of band; the relay only ever sees `rendezvous`. */
export interface RemoteInvitation {
  /** The rendezvous id on the relay (16 random bytes, unpadded base64url). */
  readonly rendezvous: string;
  readonly secret: Uint8Array;
}

/** What the owner's phone tells the guest about the family it joins. */
export interface InvitationOffer {
  readonly toyId: string;
  readonly toy: PeerPublicKeys;
  /** The family mailbox id on the relay. */
  readonly mailbox: string;
  /** The owner's relay key (unpadded base64url Ed25519 key): the roster's signer. */
  readonly owner: string;
}

/** One message to put on the rendezvous. */
export interface RendezvousPost {
  readonly seq: number;
  readonly body: Uint8Array;
}

const base64url = (sodium: Sodium, bytes: Uint8Array): string => sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);

function fromBase64url(sodium: Sodium, text: string, length: number, what: string): Uint8Array {
  const bytes = guard('MALFORMED', () => sodium.from_base64(text, sodium.base64_variants.URLSAFE_NO_PADDING), what);
  if (bytes.length !== length || base64url(sodium, bytes) !== text) throw new PairingError('MALFORMED', what);
  return bytes;
}

export function createRemoteInvitation(sodium: Sodium): RemoteInvitation {
  return { rendezvous: base64url(sodium, sodium.randombytes_buf(RENDEZVOUS_BYTES)), secret: sodium.randombytes_buf(SECRET_BYTES) };
}

export function encodeRemoteInvitation(invitation: RemoteInvitation): string {
  return `${INVITE_PREFIX}v=${VERSION}&r=${invitation.rendezvous}&k=${toHex(invitation.secret)}`;
}

export function parseRemoteInvitation(sodium: Sodium, uri: string): RemoteInvitation {
  const field = uriFields(uri.trim(), INVITE_PREFIX, ['v', 'r', 'k'], VERSION);
  const rendezvous = field('r');
  fromBase64url(sodium, rendezvous, RENDEZVOUS_BYTES, 'rendezvous id');
  return { rendezvous, secret: guard('MALFORMED', () => fromHex(field('k'), SECRET_BYTES), 'invitation secret') };
}

type Direction = 'owner->guest' | 'guest->owner';

/** The CPace run and the two directional AEAD keys that follow from it. */
class InvitationChannel {
  private readonly cpace: CPace;
  private keys: Record<Direction, Uint8Array> | undefined;
  private failed = false;

  constructor(
    private readonly sodium: Sodium,
    private readonly invitation: RemoteInvitation,
    role: 'initiator' | 'responder',
  ) {
    const sid = fromBase64url(sodium, invitation.rendezvous, RENDEZVOUS_BYTES, 'rendezvous id');
    const inputs: CPaceInputs = { prs: invitation.secret, ci: CHANNEL, sid };
    this.cpace = new CPace(sodium, role, inputs, role === 'initiator' ? OWNER_AD : GUEST_AD);
  }

  get share(): Uint8Array {
    return this.cpace.own.share;
  }

  /** Runs `step`; any failure closes the channel for good (one run per invitation). */
  run<T>(step: () => T): T {
    if (this.failed) throw new PairingError('CLOSED', 'this invitation run already failed');
    try {
      return step();
    } catch (error) {
      this.close();
      throw error;
    }
  }

  finish(peerShare: Uint8Array): void {
    const peerAd = this.cpace.role === 'initiator' ? GUEST_AD : OWNER_AD;
    const isk = this.cpace.finish({ share: peerShare, ad: peerAd });
    const key = (direction: Direction): Uint8Array => hkdfSha256(this.sodium, CHANNEL, isk, utf8(direction), 32);
    this.keys = { 'owner->guest': key('owner->guest'), 'guest->owner': key('guest->owner') };
    this.sodium.memzero(isk);
  }

  /** The message's number and the rendezvous are its associated data: no swapping or moving. */
  private ad(seq: number): Uint8Array {
    return concat(utf8(this.invitation.rendezvous), u16le(seq));
  }

  private key(direction: Direction): Uint8Array {
    if (this.keys === undefined) throw new PairingError('UNEXPECTED_MESSAGE', 'no CPace key yet');
    return this.keys[direction];
  }

  seal(direction: Direction, seq: number, plaintext: Uint8Array): RendezvousPost {
    const s = this.sodium;
    const nonce = s.randombytes_buf(s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const sealed = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, this.ad(seq), null, nonce, this.key(direction));
    return { seq, body: concat(nonce, sealed) };
  }

  open(direction: Direction, seq: number, body: Uint8Array): Uint8Array {
    const s = this.sodium;
    const npub = s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (body.length > MAX_SEALED_BYTES) throw new PairingError('TOO_LARGE', `rendezvous message ${seq}`);
    if (body.length < npub + s.crypto_aead_xchacha20poly1305_ietf_ABYTES) throw new PairingError('MALFORMED', `rendezvous message ${seq}`);
    const key = this.key(direction);
    return guard(
      'DECRYPT_FAILED',
      () => s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, body.subarray(npub), this.ad(seq), body.subarray(0, npub), key),
      'the other phone did not use this invitation (wrong secret, or the rendezvous was tampered with)',
    );
  }

  close(): void {
    this.failed = true;
    if (this.keys) for (const k of Object.values(this.keys)) this.sodium.memzero(k);
    this.keys = undefined;
  }
}

function encodeOffer(offer: InvitationOffer): Uint8Array {
  const { toy } = offer;
  return utf8(JSON.stringify({ id: offer.toyId, s: toHex(toy.static), e: toHex(toy.envelope), g: toHex(toy.signing), m: offer.mailbox, o: offer.owner }));
}

function decodeOffer(sodium: Sodium, bytes: Uint8Array): InvitationOffer {
  const value = guard('MALFORMED', () => JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown, 'offer');
  if (typeof value !== 'object' || value === null) throw new PairingError('MALFORMED', 'offer');
  const field = (name: string): string => {
    const v = (value as Record<string, unknown>)[name];
    if (typeof v !== 'string') throw new PairingError('MALFORMED', `offer field ${name}`);
    return v;
  };
  const mailbox = field('m');
  const owner = field('o');
  fromBase64url(sodium, mailbox, RENDEZVOUS_BYTES, 'mailbox id');
  fromBase64url(sodium, owner, 32, 'owner key');
  const toy = { static: fromHex(field('s'), KEY_BYTES), envelope: fromHex(field('e'), KEY_BYTES), signing: fromHex(field('g'), KEY_BYTES) };
  return { toyId: parseToyId(field('id')), toy, mailbox, owner };
}

type HostState = 'await-share' | 'await-keys' | 'await-member' | 'done';

/** The owner's side. Post `opening`, then feed each guest message as it arrives. */
export class InvitationHost {
  private readonly channel: InvitationChannel;
  private state: HostState = 'await-share';
  readonly opening: RendezvousPost;

  constructor(
    sodium: Sodium,
    invitation: RemoteInvitation,
    private readonly offer: InvitationOffer,
  ) {
    this.channel = new InvitationChannel(sodium, invitation, 'initiator');
    this.opening = { seq: INVITATION_SEQ.ownerShare, body: this.channel.share };
  }

  private expect(state: HostState): void {
    if (this.state !== state) throw new PairingError('UNEXPECTED_MESSAGE', `owner is at ${this.state}, not ${state}`);
  }

  /** Message 1 (the guest's share) in; message 2 (the sealed offer) out. */
  onGuestShare(body: Uint8Array): RendezvousPost {
    return this.channel.run(() => {
      this.expect('await-share');
      this.channel.finish(body);
      this.state = 'await-keys';
      return this.channel.seal('owner->guest', INVITATION_SEQ.offer, encodeOffer(this.offer));
    });
  }

  /** Message 3 in: the guest's per-toy public keys, for `add-member`. Opening it confirms the key. */
  onGuestKeys(body: Uint8Array): PeerPublicKeys {
    return this.channel.run(() => {
      this.expect('await-keys');
      const plain = this.channel.open('guest->owner', INVITATION_SEQ.guestKeys, body);
      if (plain.length !== 3 * KEY_BYTES) throw new PairingError('MALFORMED', 'guest keys');
      this.state = 'await-member';
      return { static: plain.slice(0, KEY_BYTES), envelope: plain.slice(KEY_BYTES, 2 * KEY_BYTES), signing: plain.slice(2 * KEY_BYTES) };
    });
  }

  /** Message 4 out: the bond id and destination key the toy gave the guest's bond (add-member). */
  bondMessage(bondId: string, destinationKey: Uint8Array): RendezvousPost {
    return this.channel.run(() => {
      this.expect('await-member');
      if (!bondIdOk(bondId)) throw new PairingError('INVALID_ARGUMENT', 'bond id');
      if (destinationKey.length !== DESTINATION_KEY_BYTES) throw new PairingError('INVALID_ARGUMENT', 'destination key');
      const post = this.channel.seal('owner->guest', INVITATION_SEQ.bond, concat(utf8(bondId), destinationKey));
      this.state = 'done';
      this.channel.close();
      return post;
    });
  }
}

type GuestState = 'await-share' | 'await-offer' | 'send-keys' | 'await-bond' | 'done';

/** The invitee's side. */
export class InvitationGuest {
  private readonly channel: InvitationChannel;
  private state: GuestState = 'await-share';
  private offer: InvitationOffer | undefined;

  constructor(
    private readonly sodium: Sodium,
    invitation: RemoteInvitation,
  ) {
    this.channel = new InvitationChannel(sodium, invitation, 'responder');
  }

  private expect(state: GuestState): void {
    if (this.state !== state) throw new PairingError('UNEXPECTED_MESSAGE', `guest is at ${this.state}, not ${state}`);
  }

  /** Message 0 (the owner's share) in; message 1 (ours) out. */
  onOwnerShare(body: Uint8Array): RendezvousPost {
    return this.channel.run(() => {
      this.expect('await-share');
      this.channel.finish(body);
      this.state = 'await-offer';
      return { seq: INVITATION_SEQ.guestShare, body: this.channel.share };
    });
  }

  /** Message 2 in: the toy and the family mailbox. Opening it proves the owner had the secret. */
  onOffer(body: Uint8Array): InvitationOffer {
    return this.channel.run(() => {
      this.expect('await-offer');
      this.offer = decodeOffer(this.sodium, this.channel.open('owner->guest', INVITATION_SEQ.offer, body));
      this.state = 'send-keys';
      return this.offer;
    });
  }

  /** Message 3 out: this phone's public keys for the offered toy (ToyClient.keysFor(toyId)). */
  keysMessage(keys: PeerPublicKeys): RendezvousPost {
    return this.channel.run(() => {
      this.expect('send-keys');
      if ([keys.static, keys.envelope, keys.signing].some((k) => k.length !== KEY_BYTES)) throw new PairingError('INVALID_ARGUMENT', 'phone keys');
      this.state = 'await-bond';
      return this.channel.seal('guest->owner', INVITATION_SEQ.guestKeys, concat(keys.static, keys.envelope, keys.signing));
    });
  }

  /** Message 4 in: the grant this phone stores as its bond with the toy. */
  onBond(body: Uint8Array): MembershipGrant {
    return this.channel.run(() => {
      this.expect('await-bond');
      const plain = this.channel.open('owner->guest', INVITATION_SEQ.bond, body);
      if (plain.length !== 16 + DESTINATION_KEY_BYTES) throw new PairingError('MALFORMED', 'bond message');
      const bondId = guard('MALFORMED', () => new TextDecoder('utf-8', { fatal: true }).decode(plain.subarray(0, 16)), 'bond id');
      if (!bondIdOk(bondId)) throw new PairingError('MALFORMED', 'bond id');
      const offer = this.offer as InvitationOffer;
      this.state = 'done';
      this.channel.close();
      return { toyId: offer.toyId, bondId, toy: offer.toy, destinationKey: plain.slice(16) };
    });
  }
}
