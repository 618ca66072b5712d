// A mailbox's roster: which keys may post to and read a family mailbox, signed by the owner's
// key so that members can check that the relay did not slip a key in. The relay verifies the
// signature and stores the keys; it never learns whose they are. Versions only grow, so an old
// roster (one that still lists a revoked phone) cannot be replayed.
//
// Signed bytes: "plushlink relay roster v1\0" || mailbox id (16) || version (u32 BE)
//               || member count (u8) || member Ed25519 public keys (32 each)
import type { SigningKeyPair } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import { RelayError } from './errors';
import { ID_BYTES, KEY_BYTES, fromBase64Url, toBase64Url } from './ids';

export const MAX_MEMBERS = 32;
const CONTEXT = Buffer.from('plushlink relay roster v1\0', 'latin1');

/** A roster as it travels (JSON, base64url keys). */
export interface SignedRoster {
  readonly version: number;
  /** Key ids (base64url Ed25519 public keys) that may post and read, besides the owner. */
  readonly members: readonly string[];
  /** The owner's Ed25519 signature over the bytes above, base64url. */
  readonly signature: string;
}

function signedBytes(mailbox: string, version: number, members: readonly string[]): Uint8Array {
  if (!Number.isInteger(version) || version < 1 || version > 0xffffffff) throw new RelayError(400, 'BAD_ROSTER', `roster version ${version} is not 1..2^32-1`);
  if (members.length > MAX_MEMBERS) throw new RelayError(400, 'BAD_ROSTER', `a roster lists at most ${MAX_MEMBERS} keys`);
  if (new Set(members).size !== members.length) throw new RelayError(400, 'BAD_ROSTER', 'a roster lists a key twice');
  const header = Buffer.alloc(ID_BYTES + 5);
  Buffer.from(fromBase64Url(mailbox, ID_BYTES, 'mailbox id')).copy(header);
  header.writeUInt32BE(version, ID_BYTES);
  header.writeUInt8(members.length, ID_BYTES + 4);
  return Buffer.concat([CONTEXT, header, ...members.map((m) => fromBase64Url(m, KEY_BYTES, 'roster member'))]);
}

export function signRoster(sodium: Sodium, mailbox: string, version: number, members: readonly string[], owner: SigningKeyPair): SignedRoster {
  const signature = sodium.crypto_sign_detached(signedBytes(mailbox, version, members), owner.secretKey);
  return { version, members: [...members], signature: toBase64Url(signature) };
}

/** Throws BAD_ROSTER unless `owner` (a key id) signed `roster` for `mailbox`. */
export function verifyRoster(sodium: Sodium, mailbox: string, roster: SignedRoster, owner: string): void {
  const bytes = signedBytes(mailbox, roster.version, roster.members);
  const signature = fromBase64Url(roster.signature, 64, 'roster signature');
  let valid = false;
  try {
    valid = sodium.crypto_sign_verify_detached(signature, bytes, fromBase64Url(owner, KEY_BYTES, 'owner key'));
  } catch {
    valid = false;
  }
  if (!valid) throw new RelayError(400, 'BAD_ROSTER', "the roster's signature does not verify under the owner's key");
}
