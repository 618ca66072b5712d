// Adding a phone by its public keys, as HomeKit's Add Pairing does: no code to guess, no window,
// nothing a stranger in range can race or lock out. The new phone shows its keys (a QR of
// `plushlink://phone?...`); the owner's session asks the toy to add them (`add-member`); the toy
// answers with the bond id and the bond's destination key; the owner's app hands the new phone a
// membership grant (`plushlink://member?...`: the toy's id and public keys, the bond id and its
// destination key), which the new phone stores as its bond. Its first session (Noise KK) proves
// both sides hold the keys. The destination key makes the grant worth keeping private: whoever
// reads it can recognise that phone's session hellos to the toy (nothing more: KK needs the
// phone's static secret), so it travels inside the remote invitation's encrypted channel.
//
// Version 2 (protocol 3) adds the envelope keys (`e`) and the destination key (`dk`); version 1
// payloads are UNSUPPORTED_VERSION.
import { fromHex, toHex } from './bytes';
import { type Bond, DESTINATION_KEY_BYTES } from './bond';
import type { PeerPublicKeys } from './keys';
import { PairingError } from './errors';
import { parseToyId, uriFields } from './qr';

export const PHONE_KEYS_PREFIX = 'plushlink://phone?';
export const GRANT_PREFIX = 'plushlink://member?';
const VERSION = '2';
/** A grant holds four 32-byte keys in hex: longer than the QR payloads' limit. */
const MAX_GRANT_LENGTH = 512;
const BOND_ID = /^[0-9a-f]{16}$/;

/** Whether `id` is a bond id as the toy writes them (16 hex digits). */
export const bondIdOk = (id: string): boolean => BOND_ID.test(id);

/** What a new phone shows the owner: its public keys for this toy. */
export function encodePhoneKeys(keys: PeerPublicKeys): string {
  return `${PHONE_KEYS_PREFIX}v=${VERSION}&s=${toHex(keys.static)}&e=${toHex(keys.envelope)}&g=${toHex(keys.signing)}`;
}

export function parsePhoneKeys(uri: string): PeerPublicKeys {
  const field = uriFields(uri, PHONE_KEYS_PREFIX, ['v', 's', 'e', 'g'], VERSION);
  return peerKeys(field);
}

function peerKeys(field: (key: string) => string): PeerPublicKeys {
  return { static: fromHex(field('s'), 32), envelope: fromHex(field('e'), 32), signing: fromHex(field('g'), 32) };
}

/** What the owner's app hands the added phone: enough to store its bond with the toy. */
export interface MembershipGrant {
  readonly toyId: string;
  readonly bondId: string;
  readonly toy: PeerPublicKeys;
  /** The bond's destination key, drawn by the toy at add-member. */
  readonly destinationKey: Uint8Array;
}

export function encodeGrant(grant: MembershipGrant): string {
  const keys = `s=${toHex(grant.toy.static)}&e=${toHex(grant.toy.envelope)}&g=${toHex(grant.toy.signing)}`;
  return `${GRANT_PREFIX}v=${VERSION}&id=${grant.toyId}&bond=${grant.bondId}&${keys}&dk=${toHex(grant.destinationKey)}`;
}

export function parseGrant(uri: string): MembershipGrant {
  const field = uriFields(uri, GRANT_PREFIX, ['v', 'id', 'bond', 's', 'e', 'g', 'dk'], VERSION, MAX_GRANT_LENGTH);
  const bondId = field('bond');
  if (!bondIdOk(bondId)) throw new PairingError('MALFORMED', 'bond id');
  return { toyId: parseToyId(field('id')), bondId, toy: peerKeys(field), destinationKey: fromHex(field('dk'), DESTINATION_KEY_BYTES) };
}

/** The bond the added phone stores (created at `now` in its own clock). */
export function bondFromGrant(grant: MembershipGrant, now: number): Bond {
  return {
    bondId: grant.bondId,
    toyId: grant.toyId,
    peer: grant.toy,
    role: 'member',
    createdAt: now,
    joined: 'added-by-owner',
    label: '',
    destinationKey: grant.destinationKey,
  };
}
