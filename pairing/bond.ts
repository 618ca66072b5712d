// Bonds and roles. A bond is what each side keeps after pairing: the peer's public keys, the toy
// id, the phone's role on that toy, when it was made, and the bond's destination key. The toy's first bond is its owner; later
// phones become members only through an owner's invitation; owners revoke anyone, members only
// themselves. Storage is an interface: firmware-sim/ keeps bonds in its flash model, client/ in
// the app's storage; pairing/ ships only the in-memory store used by tests.
import type { PairingCode } from './code';
import { PairingError } from './errors';
import type { PeerPublicKeys } from './keys';

export type Role = 'owner' | 'member';
export const ROLES: readonly Role[] = ['owner', 'member'];
/**
 * How a phone joined: the code on the tag (the first owner only), an owner's one-time invitation,
 * or added by the owner by its public keys (pairing/grant.ts).
 */
export type JoinMethod = 'tag-code' | 'invitation' | 'added-by-owner';
export const JOIN_METHODS: readonly JoinMethod[] = ['tag-code', 'invitation', 'added-by-owner'];
/** How many phones one toy holds bonds for. */
export const MAX_BONDS = 16;
/** A bond's destination key: random, drawn by the toy, known to the bond's two holders only. */
export const DESTINATION_KEY_BYTES = 32;
/** How long an owner's invitation stays good. */
export const DEFAULT_INVITE_MS = 120_000;

export interface Bond {
  /** 16 hex digits the toy assigns at pairing: its name for the bond (member lists, remove-member). */
  readonly bondId: string;
  readonly toyId: string;
  /** The other side's long-term public keys: the phone's on the toy, the toy's on the phone. */
  readonly peer: PeerPublicKeys;
  /** The phone's role on this toy (both sides store the same value). */
  readonly role: Role;
  /** When the bond was made, in the storing side's clock (ms). */
  readonly createdAt: number;
  /** How the phone joined (shown in the toy's member list). */
  readonly joined: JoinMethod;
  /** The phone's self-chosen name, shown in the toy's member list. */
  readonly label: string;
  /**
   * The secret SESSION_HELLO's destination id is keyed with (key-schedule.ts destinationId): the
   * toy draws it when it makes the bond and both sides keep it, so opening a session costs no DH
   * beyond Noise KK's own.
   */
  readonly destinationKey: Uint8Array;
}

/** Synchronous by design: the toy's flash is, and the state machines stay free of I/O scheduling. */
export interface BondStore {
  list(): readonly Bond[];
  get(bondId: string): Bond | undefined;
  /** Stores `bond`, replacing any bond it supersedes (same id or same peer key: see supersedes()). */
  put(bond: Bond): void;
  remove(bondId: string): boolean;
  clear(): void;
}

export class MemoryBondStore implements BondStore {
  private readonly bonds = new Map<string, Bond>();

  list(): readonly Bond[] {
    return [...this.bonds.values()];
  }

  get(bondId: string): Bond | undefined {
    return this.bonds.get(bondId);
  }

  put(bond: Bond): void {
    for (const old of this.bonds.values()) if (supersedes(bond, old)) this.bonds.delete(old.bondId);
    this.bonds.set(bond.bondId, bond);
  }

  remove(bondId: string): boolean {
    return this.bonds.delete(bondId);
  }

  clear(): void {
    this.bonds.clear();
  }
}

/**
 * One bond per peer key: a new bond replaces an old one with the same id or the same peer static
 * key. Two bonds for one phone would list it twice among a recording's recipients, and an
 * envelope naming a recipient twice is refused as CORRUPT by everyone.
 */
export function supersedes(fresh: Bond, old: Bond): boolean {
  return fresh.bondId === old.bondId || samePeerKey(fresh.peer.static, old.peer.static);
}

function samePeerKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * The role a phone gets when it pairs again: an owner that pairs again (say, after reinstalling
 * the app with its keys) stays owner, so no pairing can demote the toy's only owner.
 */
export function roleAfterPairing(bonds: readonly Bond[], phoneStatic: Uint8Array, admitted: Role): Role {
  const previous = bonds.find((b) => samePeerKey(b.peer.static, phoneStatic));
  return previous?.role === 'owner' ? 'owner' : admitted;
}

/** A phone's bond with a given toy, if it has one. */
export function bondForToy(store: BondStore, toyId: string): Bond | undefined {
  return store.list().find((bond) => bond.toyId === toyId);
}

/**
 * An owner's permission for one more phone to pair: a fresh one-time code, as strong as the tag's,
 * good for one pairing before `expiresAt`. While the toy has an owner, CPace runs on this code and
 * never on the tag's, so a revoked phone that knows the tag code (or an old invitation) gets nowhere.
 */
export interface Invite {
  readonly byBondId: string;
  readonly expiresAt: number;
  readonly code: PairingCode;
}

function ownerBond(bonds: readonly Bond[], bondId: string): Bond {
  const bond = bonds.find((b) => b.bondId === bondId);
  if (bond === undefined) throw new PairingError('UNKNOWN_BOND', 'no such bond');
  if (bond.role !== 'owner') throw new PairingError('NOT_OWNER', 'only the owner may do this');
  return bond;
}

/**
 * The role a new pairing gets: owner when the toy has no owner, member with a live invitation
 * from a current owner. INVITE_REQUIRED otherwise; TOO_LARGE when the toy is full.
 */
export function roleForNewPairing(bonds: readonly Bond[], invite: Invite | undefined, now: number): Role {
  if (!bonds.some((b) => b.role === 'owner')) return 'owner';
  if (bonds.length >= MAX_BONDS) throw new PairingError('TOO_LARGE', `at most ${MAX_BONDS} bonds`);
  if (invite === undefined || now >= invite.expiresAt) throw new PairingError('INVITE_REQUIRED');
  ownerBond(bonds, invite.byBondId);
  return 'member';
}

/**
 * The bond for a phone the owner `actorBondId` adds by its keys: a member (an owner adding its own
 * key again stays owner); TOO_LARGE when the toy is full.
 */
export function addedBond(
  bonds: readonly Bond[],
  actorBondId: string,
  peer: PeerPublicKeys,
  made: { readonly bondId: string; readonly destinationKey: Uint8Array },
  toyId: string,
  now: number,
  label: string,
): Bond {
  ownerBond(bonds, actorBondId);
  const replaces = bonds.some((b) => samePeerKey(b.peer.static, peer.static));
  if (!replaces && bonds.length >= MAX_BONDS) throw new PairingError('TOO_LARGE', `at most ${MAX_BONDS} bonds`);
  return { ...made, toyId, peer, role: roleAfterPairing(bonds, peer.static, 'member'), createdAt: now, joined: 'added-by-owner', label };
}

/** An invitation made by `actorBondId`, which must be the owner, with a freshly drawn `code`. */
export function createInvite(bonds: readonly Bond[], actorBondId: string, now: number, code: PairingCode, ttlMs = DEFAULT_INVITE_MS): Invite {
  ownerBond(bonds, actorBondId);
  return { byBondId: actorBondId, expiresAt: now + ttlMs, code };
}

/**
 * What a new pairing is checked against: the tag code while the toy has no owner, else the live
 * invitation's one-time code (INVITE_REQUIRED without one).
 */
export function admission(bonds: readonly Bond[], invite: Invite | undefined, now: number, tagCode: PairingCode): { role: Role; code: PairingCode; joined: JoinMethod } {
  const role = roleForNewPairing(bonds, invite, now);
  return role === 'owner' ? { role, code: tagCode, joined: 'tag-code' } : { role, code: (invite as Invite).code, joined: 'invitation' };
}

/**
 * Checks that `actorBondId` may revoke `targetBondId`: the owner may revoke members, and itself
 * only as the last bond (a toy is never left with members and no owner); a member only itself.
 */
export function authorizeRevoke(bonds: readonly Bond[], actorBondId: string, targetBondId: string): void {
  const actor = bonds.find((b) => b.bondId === actorBondId);
  const target = bonds.find((b) => b.bondId === targetBondId);
  if (actor === undefined || target === undefined) throw new PairingError('UNKNOWN_BOND', 'no such bond');
  if (actor.bondId === target.bondId) {
    if (actor.role === 'owner' && bonds.length > 1) throw new PairingError('NOT_OWNER', 'the owner goes last (or factory reset)');
    return;
  }
  if (actor.role !== 'owner') throw new PairingError('NOT_OWNER', 'only the owner may revoke others');
}
