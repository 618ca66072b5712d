// What a phone keeps: its own long-term keys and its bonds with toys. An app supplies its own
// PhoneStore (keychain, database...); the default is one JSON file, written atomically (temporary
// file, flush, rename) so a crash never leaves a half-written store. Format 2 (protocol 3): three
// role keys and, per bond, the toy's envelope key and the destination key. A format-1 store (one
// X25519 key for Noise and envelopes) is refused as BAD_INPUT and left as it is: its bonds cannot
// seal to the toys, which make new keys themselves when they update, so the phone pairs again.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Bond, type BondStore, MemoryBondStore, supersedes } from '../pairing/bond';
import { isPairingError } from '../pairing/errors';
import { generatePartyKeys } from '../pairing/identity';
import type { PartyKeys } from '../pairing/keys';
import { RECORD_VERSION, bondFromJson, bondToJson, partyKeysFromJson, partyKeysToJson } from '../pairing/records';
import type { Sodium } from '../pairing/sodium';
import { ToyClientError } from './errors';

export interface PhoneStore {
  /** The phone's own keys (made once, kept forever). */
  readonly keys: PartyKeys;
  readonly bonds: BondStore;
}

export class MemoryPhoneStore implements PhoneStore {
  readonly bonds = new MemoryBondStore();
  constructor(readonly keys: PartyKeys) {}

  static create(sodium: Sodium): MemoryPhoneStore {
    return new MemoryPhoneStore(generatePartyKeys(sodium));
  }
}

/** Bonds written through to the file on every change. */
class FileBonds implements BondStore {
  constructor(
    private bonds: Bond[],
    private readonly save: (bonds: Bond[]) => void,
  ) {}

  list(): readonly Bond[] {
    return this.bonds;
  }
  get(bondId: string): Bond | undefined {
    return this.bonds.find((b) => b.bondId === bondId);
  }
  put(bond: Bond): void {
    this.commit([...this.bonds.filter((b) => !supersedes(bond, b) && b.toyId !== bond.toyId), bond]);
  }
  remove(bondId: string): boolean {
    const kept = this.bonds.filter((b) => b.bondId !== bondId);
    const removed = kept.length !== this.bonds.length;
    if (removed) this.commit(kept);
    return removed;
  }
  clear(): void {
    this.commit([]);
  }
  private commit(bonds: Bond[]): void {
    this.save(bonds);
    this.bonds = bonds;
  }
}

export class FilePhoneStore implements PhoneStore {
  readonly bonds: BondStore;

  private constructor(
    readonly path: string,
    readonly keys: PartyKeys,
    bonds: Bond[],
  ) {
    this.bonds = new FileBonds(bonds, (next) => this.write(next));
  }

  /** Opens the store at `path`, creating it (with new keys) the first time. */
  static open(sodium: Sodium, path: string): FilePhoneStore {
    if (!existsSync(path)) {
      const store = new FilePhoneStore(path, generatePartyKeys(sodium), []);
      store.write([]);
      return store;
    }
    try {
      const json = JSON.parse(readFileSync(path, 'utf8')) as { v?: unknown; keys?: unknown; bonds?: unknown };
      if (json.v === 1) throw new Error('format 1, written before protocol 3 gave envelopes their own keys: move it aside and pair again');
      if (json.v !== RECORD_VERSION || !Array.isArray(json.bonds)) throw new Error('not a plushlink phone store');
      return new FilePhoneStore(path, partyKeysFromJson(json.keys), json.bonds.map(bondFromJson));
    } catch (error) {
      const why = isPairingError(error) ? error.message : (error as Error).message;
      throw new ToyClientError('BAD_INPUT', `${path} is not a readable phone store (${why}); it was left as it is`, { cause: error });
    }
  }

  private write(bonds: readonly Bond[]): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ v: RECORD_VERSION, keys: partyKeysToJson(this.keys), bonds: bonds.map(bondToJson) }, null, 2));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
  }
}
