// Genuine pairing/ material for the fuzz targets to mutate: a provisioned toy, two phones, the
// frames of a real pairing and a real session (both directions), session messages of every
// kind, stored records and QR payloads. Built once per process from seeded randomness, so it
// is the same everywhere and a failing mutant replays.
import { encodeQrPayload } from '../../pairing/qr';
import { MemoryBondStore, type Bond } from '../../pairing/bond';
import type { PairingCode } from '../../pairing/code';
import { fragment } from '../../pairing/fragment';
import { encodeFrame } from '../../pairing/frame';
import { generatePartyKeys, keyFingerprint, provisionToy, publicKeys, type ToyIdentity } from '../../pairing/identity';
import type { PartyKeys } from '../../pairing/keys';
import { PhoneConnection } from '../../pairing/phone';
import { encodePolicy, INITIAL_POLICY } from '../../pairing/policy';
import { encodeBonds, encodeIdentity, encodePartyKeys } from '../../pairing/records';
import { encodeSessionMessage, type SessionMessage } from '../../pairing/session-messages';
import type { Sodium } from '../../pairing/sodium';
import { Toy } from '../../pairing/toy';
import type { Connection, ConnectionEvent } from '../../pairing/connection';

export interface Sent {
  readonly from: 'phone' | 'toy';
  readonly frame: Uint8Array;
}

export interface GenuinePairing {
  readonly identity: ToyIdentity;
  readonly owner: PartyKeys;
  readonly ownerBond: Bond;
  /** The owner phone's side of the same bond (its peer is the toy). */
  readonly phoneBond: Bond;
  readonly stranger: PartyKeys;
  /** Frames of a real pairing (owner) and of a real session resume with a few messages each way. */
  readonly pairingFrames: readonly Sent[];
  readonly sessionFrames: readonly Sent[];
  readonly phoneFrames: readonly Uint8Array[];
  readonly toyFrames: readonly Uint8Array[];
  readonly fragments: readonly Uint8Array[];
  readonly sessionMessages: readonly Uint8Array[];
  readonly records: readonly Uint8Array[];
  readonly qrPayloads: readonly string[];
  /** A toy with the owner's bond and an open pairing window; `now` 0. */
  newToy(): Toy;
}

/** What a conversation produced on each side. */
export interface Conversation {
  readonly sent: Sent[];
  readonly phone: ConnectionEvent[];
  readonly toy: ConnectionEvent[];
}

/** Carries frames both ways until quiet; `tamper` may replace the frame with a given index. */
export function converse(
  phone: Connection,
  toy: Connection,
  first: Uint8Array,
  now: number,
  tamper?: (index: number, frame: Uint8Array) => Uint8Array,
): Conversation {
  const conversation: Conversation = { sent: [], phone: [], toy: [] };
  const sent = conversation.sent;
  const queue: Sent[] = [{ from: 'phone', frame: first }];
  for (let next = queue.shift(); next !== undefined && sent.length < 20; next = queue.shift()) {
    if (tamper) next = { from: next.from, frame: tamper(sent.length, next.frame) };
    sent.push(next);
    const to = next.from === 'phone' ? 'toy' : 'phone';
    const out = (to === 'toy' ? toy : phone).receive(next.frame, now);
    conversation[to].push(...out.events);
    for (const frame of out.send) queue.push({ from: to, frame });
  }
  return conversation;
}

export const SAMPLE_SESSION_MESSAGES: readonly SessionMessage[] = [
  { kind: 'request', id: 1, request: { command: 'status' } },
  { kind: 'request', id: 2, request: { command: 'fetch-recording', id: new Uint8Array(16).fill(3) } },
  { kind: 'request', id: 3, request: { command: 'remove-member', bondId: '0011223344556677' } },
  { kind: 'request', id: 4, request: { command: 'set-volume', level: 55 } },
  // Add Pairing by keys: the three role keys in, the bond id and its destination key out.
  { kind: 'request', id: 10, request: { command: 'add-member', keys: { static: new Uint8Array(32).fill(4), envelope: new Uint8Array(32).fill(5), signing: new Uint8Array(32).fill(6) }, label: 'Grandma' } },
  { kind: 'response', id: 10, result: { command: 'add-member', bondId: '8899aabbccddeeff', destinationKey: new Uint8Array(32).fill(7) } },
  {
    kind: 'response',
    id: 1,
    result: { command: 'status', status: { batteryPercent: 80, storageUsedBytes: 1000, storageCapacityBytes: 1 << 20, volume: 5, recordings: 2, messages: 1, role: 'owner', storage: 'ok', quarantinedRecords: 0 } },
  },
  { kind: 'response', id: 5, result: { command: 'list-recordings', recordings: [{ id: new Uint8Array(16).fill(1), bytes: 4000, createdAt: 1_700_000_000_000 }] } },
  { kind: 'response', id: 6, result: { command: 'list-members', members: [{ bondId: 'aabbccddeeff0011', role: 'member', createdAt: 5, joined: 'invitation', label: 'Grandma’s phone' }] } },
  { kind: 'response', id: 7, result: { command: 'invite-member', validForMs: 120000, code: '1234567894' as PairingCode } },
  { kind: 'response', id: 8, result: { command: 'delete-recording' } },
  { kind: 'error', id: 9, error: 'FORBIDDEN', detail: 'owner only' },
  { kind: 'event', event: { event: 'recording-added', recording: { id: new Uint8Array(16).fill(9), bytes: 10, createdAt: 7 } } },
  { kind: 'event', event: { event: 'message-rejected', reason: 'REPLAYED' } },
  { kind: 'event', event: { event: 'reset-done' } },
  { kind: 'transfer', stream: 'upload', message: Uint8Array.of(2, 0, 1, 0, 0, 0, 0, 42) },
];

export function buildGenuinePairing(sodium: Sodium): GenuinePairing {
  const identity = provisionToy(sodium);
  const owner = generatePartyKeys(sodium);
  const stranger = generatePartyKeys(sodium);
  const toy = new Toy(sodium, { identity, bonds: new MemoryBondStore() });
  toy.powerOn(0);
  toy.pawPress(0);
  const pairing = PhoneConnection.pair(sodium, { keys: owner, toyId: identity.toyId, code: identity.code, label: 'owner' });
  const toyConnection = toy.connect();
  const pairingFrames = converse(pairing.connection, toyConnection, pairing.frame, 1).sent;
  const ownerBond = toy.bonds.list()[0];
  if (ownerBond === undefined || pairing.connection.bond === undefined) throw new Error('genuine pairing failed');
  const phoneBond = pairing.connection.bond;
  const resume = PhoneConnection.resume(sodium, owner, phoneBond);
  const toySide = toy.connect();
  const sessionFrames = converse(resume.connection, toySide, resume.frame, 2).sent;
  const plaintexts = SAMPLE_SESSION_MESSAGES.map(encodeSessionMessage);
  for (const p of plaintexts.slice(0, 4)) sessionFrames.push({ from: 'phone', frame: resume.connection.send(p) });
  for (const p of plaintexts.slice(4, 8)) sessionFrames.push({ from: 'toy', frame: toySide.send(p) });
  const all = [...pairingFrames, ...sessionFrames];
  const refused = encodeFrame({ type: 'REFUSED', reason: 'LOCKED_OUT', retryAfterMs: 60000 });
  const phoneFrames = all.filter((s) => s.from === 'phone').map((s) => s.frame);
  const toyFrames = [...all.filter((s) => s.from === 'toy').map((s) => s.frame), refused];
  const fragments = [...phoneFrames, ...toyFrames].flatMap((frame, i) => fragment(frame, [20, 23, 64, 244][i % 4] as number));
  const qrPayloads = [encodeQrPayload({ toyId: identity.toyId, code: identity.code, fingerprint: keyFingerprint(sodium, publicKeys(identity.keys)) })];
  const records = [
    encodeBonds([ownerBond, phoneBond]),
    encodeIdentity(identity),
    encodePartyKeys(owner),
    encodePolicy(INITIAL_POLICY),
    encodePolicy({ windowUntil: 120000, strikes: 2, lockouts: 3, lockedUntil: 999, quietSince: 999 }),
  ];
  return {
    identity,
    owner,
    ownerBond,
    phoneBond,
    stranger,
    pairingFrames,
    sessionFrames,
    phoneFrames,
    toyFrames,
    fragments,
    sessionMessages: plaintexts,
    records,
    qrPayloads,
    newToy() {
      const fresh = new Toy(sodium, { identity, bonds: new MemoryBondStore() });
      fresh.bonds.put(ownerBond);
      fresh.powerOn(0);
      fresh.pawPress(0);
      fresh.invite(ownerBond.bondId, 0);
      return fresh;
    },
  };
}
