// How bonds and identities are stored: the toy keeps them in its flash, a phone in a file. JSON
// with hex keys, so a stored record can be read by a person; every field is checked on the way
// back in, and anything malformed is a PairingError('MALFORMED'), never a half-read record.
//
// Format 2 (protocol 3) holds three role keys per party and each bond's destination key. Format 1
// records had one X25519 key for Noise and envelopes and no destination keys: bonds and keys in
// format 1 are refused as UNSUPPORTED_VERSION (nothing in them can be completed: the peers'
// envelope keys were never exchanged), and a toy's format-1 identity is read by
// decodeLegacyIdentity for what outlives any key change (toy id, tag code, attestation key), so
// the toy can make new keys and start afresh with the same tag (firmware-sim/physical-recovery.ts).
import { fromHex, toHex } from './bytes';
import { type Bond, type JoinMethod, type Role, DESTINATION_KEY_BYTES, JOIN_METHODS } from './bond';
import { parsePairingCode } from './code';
import { PairingError } from './errors';
import type { LastingIdentity, ToyIdentity } from './identity';
import type { PartyKeys } from './keys';

export const RECORD_VERSION = 2;
/** The format before protocol 3 gave each role its own key. */
const PRE_ROLE_KEYS_VERSION = 1;

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

function parse(text: string | Uint8Array, what: string, version = RECORD_VERSION): Json {
  try {
    const value: unknown = JSON.parse(typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: true }).decode(text));
    const o = object(value, what);
    if (o.v === PRE_ROLE_KEYS_VERSION && version !== PRE_ROLE_KEYS_VERSION) {
      throw new PairingError(
        'UNSUPPORTED_VERSION',
        `${what} record version 1 was written before protocol 3 gave envelopes their own keys; it cannot be used: reset the toy and pair again`,
      );
    }
    if (o.v !== version) throw new PairingError('UNSUPPORTED_VERSION', `${what} record version ${String(o.v)}`);
    return o;
  } catch (error) {
    if (error instanceof PairingError) throw error;
    throw new PairingError('MALFORMED', `${what} is not valid JSON`);
  }
}

const TOY_ID = /^[0-9a-f]{16}$/;
const BOND_ID = /^[0-9a-f]{16}$/;

function joinMethod(o: Json): JoinMethod {
  const joined = string(o, 'joined');
  if (!(JOIN_METHODS as readonly string[]).includes(joined)) throw new PairingError('MALFORMED', `joined ${joined}`);
  return joined as JoinMethod;
}

export function bondToJson(bond: Bond): Json {
  return {
    bondId: bond.bondId,
    toyId: bond.toyId,
    peerStatic: toHex(bond.peer.static),
    peerEnvelope: toHex(bond.peer.envelope),
    peerSigning: toHex(bond.peer.signing),
    role: bond.role,
    createdAt: bond.createdAt,
    joined: bond.joined,
    label: bond.label,
    destinationKey: toHex(bond.destinationKey),
  };
}

export function bondFromJson(value: unknown): Bond {
  const o = object(value, 'bond');
  const role = string(o, 'role');
  if (role !== 'owner' && role !== 'member') throw new PairingError('MALFORMED', `role ${role}`);
  return {
    bondId: string(o, 'bondId', BOND_ID),
    toyId: string(o, 'toyId', TOY_ID),
    peer: { static: hex(o, 'peerStatic', 32), envelope: hex(o, 'peerEnvelope', 32), signing: hex(o, 'peerSigning', 32) },
    role: role as Role,
    createdAt: number(o, 'createdAt'),
    joined: joinMethod(o),
    label: string(o, 'label'),
    destinationKey: hex(o, 'destinationKey', DESTINATION_KEY_BYTES),
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
    envelopePublic: toHex(keys.envelope.publicKey),
    envelopeSecret: toHex(keys.envelope.secretKey),
    signingPublic: toHex(keys.signing.publicKey),
    signingSecret: toHex(keys.signing.secretKey),
  };
}

export function partyKeysFromJson(value: unknown): PartyKeys {
  const o = object(value, 'keys');
  return {
    static: { publicKey: hex(o, 'staticPublic', 32), secretKey: hex(o, 'staticSecret', 32) },
    envelope: { publicKey: hex(o, 'envelopePublic', 32), secretKey: hex(o, 'envelopeSecret', 32) },
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
  return { ...lastingIdentity(o), keys: partyKeysFromJson(o.keys) };
}

function lastingIdentity(o: Json): LastingIdentity {
  let code;
  try {
    code = parsePairingCode(string(o, 'code'));
  } catch {
    throw new PairingError('MALFORMED', 'identity has a malformed pairing code');
  }
  // A toy provisioned before attestation keys existed: its signing key (which its printed QR
  // pinned, with its static key) serves as its attestation key from now on.
  const attestation =
    o.attestationPublic === undefined
      ? { publicKey: hex(object(o.keys, 'keys'), 'signingPublic', 32), secretKey: hex(object(o.keys, 'keys'), 'signingSecret', 64) }
      : { publicKey: hex(o, 'attestationPublic', 32), secretKey: hex(o, 'attestationSecret', 64) };
  return { toyId: string(o, 'toyId', TOY_ID), code, attestation };
}

/**
 * A format-1 identity (before protocol 3): what outlives its keys, or undefined for a record of
 * another format. Its keys are not read: they must be replaced (a toy that has one resets itself
 * at boot, keeping its tag; firmware-sim/physical-recovery.ts).
 */
export function decodeLegacyIdentity(bytes: string | Uint8Array): LastingIdentity | undefined {
  let o: Json;
  try {
    o = parse(bytes, 'identity', PRE_ROLE_KEYS_VERSION);
  } catch (error) {
    if (error instanceof PairingError && error.code === 'UNSUPPORTED_VERSION') return undefined;
    throw error;
  }
  return lastingIdentity(o);
}
