// How bonds and identities are stored: the toy keeps them in its flash, a phone in a file. JSON
// with hex keys, so a stored record can be read by a person; every field is checked on the way
// back in, and anything malformed is a PairingError('MALFORMED'), never a half-read record.
import { fromHex, toHex } from './bytes';
import { type Bond, type JoinMethod, type Role, JOIN_METHODS } from './bond';
import { parsePairingCode } from './code';
import { PairingError } from './errors';
import type { ToyIdentity } from './identity';
import type { PartyKeys } from './keys';

const RECORD_VERSION = 1;

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PairingError('MALFORMED', `${what} is not an object`);
  return value as Json;
}

function string(o: Json, key: string, pattern?: RegExp): string {
  const v = o[key];
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) throw new PairingError('MALFORMED', `${key} is missing or malformed`);
  return v;
}

function hex(o: Json, key: string, bytes: number): Uint8Array {
  return fromHex(string(o, key), bytes);
}

function number(o: Json, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new PairingError('MALFORMED', `${key} is missing or malformed`);
  return v;
}

function parse(text: string | Uint8Array, what: string): Json {
  try {
    const value: unknown = JSON.parse(typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: true }).decode(text));
    const o = object(value, what);
    if (o.v !== RECORD_VERSION) throw new PairingError('UNSUPPORTED_VERSION', `${what} record version ${String(o.v)}`);
    return o;
  } catch (error) {
    if (error instanceof PairingError) throw error;
    throw new PairingError('MALFORMED', `${what} is not valid JSON`);
  }
}

const TOY_ID = /^[0-9a-f]{16}$/;
const BOND_ID = /^[0-9a-f]{16}$/;

/** Bonds stored before join methods were recorded: an owner came by the tag, a member by invitation. */
function joinMethod(o: Json, role: Role): JoinMethod {
  if (o.joined === undefined) return role === 'owner' ? 'tag-code' : 'invitation';
  const joined = string(o, 'joined');
  if (!(JOIN_METHODS as readonly string[]).includes(joined)) throw new PairingError('MALFORMED', `joined ${joined}`);
  return joined as JoinMethod;
}

export function bondToJson(bond: Bond): Json {
  return {
    bondId: bond.bondId,
    toyId: bond.toyId,
    peerStatic: toHex(bond.peer.static),
    peerSigning: toHex(bond.peer.signing),
    role: bond.role,
    createdAt: bond.createdAt,
    joined: bond.joined,
    label: bond.label,
  };
}

export function bondFromJson(value: unknown): Bond {
  const o = object(value, 'bond');
  const role = string(o, 'role');
  if (role !== 'owner' && role !== 'member') throw new PairingError('MALFORMED', `role ${role}`);
  return {
    bondId: string(o, 'bondId', BOND_ID),
    toyId: string(o, 'toyId', TOY_ID),
    peer: { static: hex(o, 'peerStatic', 32), signing: hex(o, 'peerSigning', 32) },
    role: role as Role,
    createdAt: number(o, 'createdAt'),
    joined: joinMethod(o, role as Role),
    label: string(o, 'label'),
  };
}

export function encodeBonds(bonds: readonly Bond[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: RECORD_VERSION, bonds: bonds.map(bondToJson) }));
}

export function decodeBonds(bytes: string | Uint8Array): Bond[] {
  const o = parse(bytes, 'bond list');
  if (!Array.isArray(o.bonds)) throw new PairingError('MALFORMED', 'bond list has no bonds');
  return o.bonds.map(bondFromJson);
}

export function partyKeysToJson(keys: PartyKeys): Json {
  return {
    staticPublic: toHex(keys.static.publicKey),
    staticSecret: toHex(keys.static.secretKey),
    signingPublic: toHex(keys.signing.publicKey),
    signingSecret: toHex(keys.signing.secretKey),
  };
}

export function partyKeysFromJson(value: unknown): PartyKeys {
  const o = object(value, 'keys');
  return {
    static: { publicKey: hex(o, 'staticPublic', 32), secretKey: hex(o, 'staticSecret', 32) },
    signing: { publicKey: hex(o, 'signingPublic', 32), secretKey: hex(o, 'signingSecret', 64) },
  };
}

export function encodePartyKeys(keys: PartyKeys): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: RECORD_VERSION, keys: partyKeysToJson(keys) }));
}

export function decodePartyKeys(bytes: string | Uint8Array): PartyKeys {
  return partyKeysFromJson(parse(bytes, 'keys').keys);
}

export function encodeIdentity(identity: ToyIdentity): Uint8Array {
  const attestation = { attestationPublic: toHex(identity.attestation.publicKey), attestationSecret: toHex(identity.attestation.secretKey) };
  return new TextEncoder().encode(JSON.stringify({ v: RECORD_VERSION, toyId: identity.toyId, code: identity.code, keys: partyKeysToJson(identity.keys), ...attestation }));
}

export function decodeIdentity(bytes: string | Uint8Array): ToyIdentity {
  const o = parse(bytes, 'identity');
  let code;
  try {
    code = parsePairingCode(string(o, 'code'));
  } catch {
    throw new PairingError('MALFORMED', 'identity has a malformed pairing code');
  }
  const keys = partyKeysFromJson(o.keys);
  // A toy provisioned before attestation keys existed: its signing key (which its printed QR
  // pinned, with its static key) serves as its attestation key from now on.
  const attestation =
    o.attestationPublic === undefined ? keys.signing : { publicKey: hex(o, 'attestationPublic', 32), secretKey: hex(o, 'attestationSecret', 64) };
  return { toyId: string(o, 'toyId', TOY_ID), code, keys, attestation };
}
