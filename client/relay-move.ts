// Moving a family to another relay: when its relay is ransomed, goes bust, or the family would
// rather host its own. The owner's phone makes a new mailbox on the new relay, signs its roster
// with the keys the owner's phone itself recorded (never the roster an old, possibly hostile,
// relay serves back), and produces a move link signed by the owner's key. The owner passes the
// link on out of band, as with the invitation; each member's phone checks the signature against
// the owner key it learnt when it joined, and that the move is newer than the last one it
// followed, before it points itself at the new relay. Nothing here asks the old relay for
// anything: in the cases that call for a move it is gone or in someone else's hands.
//
// Signed bytes: "plushlink family move v1\0" || toy id (8) || time ms (u64 BE)
//               || mailbox id (16) || relay URL (UTF-8)
import type { SigningKeyPair } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import { parseToyId } from '../pairing/qr';
import { ID_BYTES, KEY_BYTES, fromBase64Url, toBase64Url } from '../relay/ids';
import { keyIdOf } from '../relay/request-signing';
import { ToyClientError } from './errors';
import { RelayClient, newRelayId } from './relay-client';

const CONTEXT = Buffer.from('plushlink family move v1\0', 'latin1');
const LINK_PREFIX = 'plushlink://moved?';
const MAX_URL_BYTES = 2048;

/** Where a family's mailbox now lives, as the owner signed it. */
export interface FamilyMove {
  readonly toyId: string;
  readonly url: string;
  readonly mailbox: string;
  /** When the owner moved (ms since the epoch): a phone follows only newer moves. */
  readonly time: number;
}

function signedBytes(move: FamilyMove): Buffer {
  const url = Buffer.from(move.url, 'utf8');
  if (url.length === 0 || url.length > MAX_URL_BYTES) throw new ToyClientError('BAD_INPUT', `a relay URL of ${url.length} bytes`);
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(move.time));
  return Buffer.concat([CONTEXT, Buffer.from(parseToyId(move.toyId), 'hex'), time, fromBase64Url(move.mailbox, ID_BYTES, 'mailbox id'), url]);
}

/** The owner's signed move, as a link to pass on. */
export function encodeMoveLink(sodium: Sodium, move: FamilyMove, owner: SigningKeyPair): string {
  const signature = toBase64Url(sodium.crypto_sign_detached(signedBytes(move), owner.secretKey));
  const query = new URLSearchParams({ v: '1', toy: move.toyId, relay: move.url, mailbox: move.mailbox, time: String(move.time), sig: signature });
  return `${LINK_PREFIX}${query.toString()}`;
}

/**
 * Reads a move link and checks it: signed by `owner` (the key id a member learnt when it joined),
 * for `toyId` when given, and newer than `after`. Anything else is a BAD_INPUT ToyClientError
 * saying which: malformed, not the owner's signature, another toy's, or an old move replayed.
 */
export function parseMoveLink(sodium: Sodium, link: string, owner: string, expect: { readonly toyId?: string; readonly after?: number } = {}): FamilyMove {
  if (!link.startsWith(LINK_PREFIX)) throw new ToyClientError('BAD_INPUT', `not a move link (expected ${LINK_PREFIX}...)`);
  const query = new URLSearchParams(link.slice(LINK_PREFIX.length));
  const field = (name: string): string => {
    const value = query.get(name);
    if (value === null) throw new ToyClientError('BAD_INPUT', `the move link has no ${name}`);
    return value;
  };
  let move: FamilyMove;
  let bytes: Buffer;
  let signature: Uint8Array;
  try {
    if (field('v') !== '1') throw new Error(`version ${field('v')}`);
    const time = Number(field('time'));
    if (!Number.isSafeInteger(time) || time < 0) throw new Error(`time ${field('time')}`);
    move = { toyId: parseToyId(field('toy')), url: field('relay'), mailbox: field('mailbox'), time };
    if (!/^https?:\/\//.test(move.url)) throw new Error(`relay ${move.url} is not an http(s) URL`);
    bytes = signedBytes(move);
    signature = fromBase64Url(field('sig'), 64, 'signature');
  } catch (error) {
    if (error instanceof ToyClientError) throw error;
    throw new ToyClientError('BAD_INPUT', `the move link is malformed: ${(error as Error).message}`);
  }
  let valid = false;
  try {
    valid = sodium.crypto_sign_verify_detached(signature, bytes, fromBase64Url(owner, KEY_BYTES, 'owner key'));
  } catch {
    valid = false;
  }
  if (!valid) throw new ToyClientError('BAD_INPUT', "the move link is not signed by this family's owner");
  if (expect.toyId !== undefined && move.toyId !== expect.toyId) throw new ToyClientError('BAD_INPUT', `the move link is for toy ${move.toyId}, not ${expect.toyId}`);
  if (expect.after !== undefined && move.time <= expect.after) throw new ToyClientError('BAD_INPUT', 'the move link is older than the move this phone already followed');
  return move;
}

export interface MovedFamily {
  readonly move: FamilyMove;
  /** The signed link for the members far away. */
  readonly link: string;
  /** The new mailbox's roster: the owner and `members`. */
  readonly roster: readonly string[];
}

/**
 * The owner's phone: a new mailbox on the relay at `url`, its roster (the owner and `members`,
 * relay key ids) signed by `owner`, and the move link that tells members where it is.
 */
export async function moveFamily(sodium: Sodium, options: { readonly toyId: string; readonly url: string; readonly owner: SigningKeyPair; readonly members: readonly string[]; readonly now?: number }): Promise<MovedFamily> {
  const relay = new RelayClient({ url: options.url, key: options.owner, sodium });
  const mailbox = newRelayId(sodium);
  const roster = [keyIdOf(options.owner), ...new Set(options.members.filter((m) => m !== keyIdOf(options.owner)))];
  await relay.putRoster(mailbox, 1, roster);
  const move: FamilyMove = { toyId: options.toyId, url: options.url.replace(/\/+$/, ''), mailbox, time: options.now ?? Date.now() };
  return { move, link: encodeMoveLink(sodium, move, options.owner), roster };
}
