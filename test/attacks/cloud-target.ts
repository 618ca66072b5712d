// The two clouds under attack, behind one interface so each breach is written once: the legacy
// CloudPets cloud (firmware-sim/legacy-cloud/) and plushlink's family relay (relay/), each with
// the same family (a parent at home with the toy, a grandmother far away, a child) using it the
// way its product intends. The thief's ways into each database, and the dump itself, are
// cli/database-dump.ts (shared with `plushlink demo`).
import type { DatabaseAccess } from '../../cli/database-dump';

export type CloudKind = 'legacy' | 'relay-sqlite' | 'relay-postgres';

/** What the family put into its cloud or its devices: what a thief should not get. */
export interface FamilyFacts {
  readonly names: readonly string[];
  readonly birthdates: readonly string[];
  readonly relations: readonly string[];
  readonly emails: readonly string[];
}

/** What a family's message delivery did on the toy. */
export interface Delivery {
  /** Messages the toy played. */
  readonly played: number;
  /** Why the others were not played (the toy's or the relay's reason). */
  readonly refused: readonly string[];
}

/** A message as the server holds it, and what an insider can do with what it holds. */
export interface Insider {
  held(): Promise<Array<{ readonly key: string; readonly bytes: Buffer }>>;
  overwrite(key: string, bytes: Buffer): Promise<void>;
  /** Queues bytes as a new message for the family's toy, as if a member had sent it. */
  enqueue(bytes: Buffer): Promise<void>;
  /** The insider's best forgery of a message with `ogg` in it, given a message the server holds. */
  forge(ogg: Uint8Array, sample: Buffer | undefined): Buffer;
}

export interface CloudTarget {
  readonly kind: CloudKind;
  readonly facts: FamilyFacts;
  /** The thief's access: the open database port, or the relay's SQLite file or PostgreSQL. */
  database(): Promise<DatabaseAccess>;
  /** An attacker with an account (or key) of their own sends a message and gets its address. */
  attackerOwnMessageUrl(): Promise<string>;
  /** Fetches an address with the best credentials the attacker has of their own. */
  attackerFetch(url: string): Promise<{ status: number; body: Buffer }>;
  /** Grandma, far away, sends a voice message through the cloud. */
  grandmaSends(ogg: Uint8Array): Promise<void>;
  /** The parent's phone at home moves what waits in the cloud to the toy. */
  deliver(): Promise<Delivery>;
  /** Voice messages the family still has (on its devices, or listed by its app). */
  messagesHeld(): Promise<number>;
  /** The parent sends a message to the toy in Bluetooth range, as the product allows. */
  sendInRange(ogg: Uint8Array): Promise<{ played: boolean; detail: string }>;
  /** The family moves to another server (a new relay, self-hosted or not), when it can. */
  moveToNewServer(): Promise<{ ok: boolean; detail: string }>;
  readonly insider: Insider;
  /** The company goes bust: its servers vanish. */
  shutDown(): Promise<void>;
  close(): Promise<void>;
}
