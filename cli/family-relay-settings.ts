// Where a phone keeps its family relays: beside its phone store (phone.json -> phone.relay.json),
// per toy, the relay URL, the family mailbox, the owner's relay key, and which of the toy's
// recordings this phone has already bridged up. None of it is secret (the keys stay in the store).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { FamilyRelay } from '../client/family-relay';
import type { PendingReceipt } from '../client/play-watch';
import type { RosterChange } from '../client/roster-update';
import { toBase64Url } from '../relay/ids';

export interface ToyRelaySettings {
  readonly url: string;
  readonly mailbox: string;
  /** The owner's relay key id: the roster's signer. */
  readonly owner: string;
  /** Recording ids (hex) this phone's bridge already posted. */
  readonly uploaded?: readonly string[];
  /** Owner: the relay key id each remotely invited member's bond id brought to the roster. */
  readonly relayKeys?: Readonly<Record<string, string>>;
  /** When the family last moved to this relay (the signed move's time): older move links are refused. */
  readonly movedAt?: number;
  /** Owner: a roster change the relay has not taken yet (it was down, failing or busy). */
  readonly pendingRoster?: RosterChange;
  /** Bridge: "played" receipts (message id, sealed receipt as base64url) the relay has not taken yet. */
  readonly pendingReceipts?: readonly { readonly message: string; readonly sealed: string }[];
}

type SettingsFile = Record<string, ToyRelaySettings>;

export function relaySettingsPath(storePath: string): string {
  return storePath.endsWith('.json') ? `${storePath.slice(0, -'.json'.length)}.relay.json` : `${storePath}.relay.json`;
}

function readAll(storePath: string): SettingsFile {
  const path = relaySettingsPath(storePath);
  if (!existsSync(path)) return {};
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: not a relay settings file`);
  return parsed as SettingsFile;
}

export function relaySettings(storePath: string, toyId: string): ToyRelaySettings | undefined {
  return readAll(storePath)[toyId];
}

/** Saves the settings for one toy (write-then-rename, so a crash leaves the old file whole). */
export function saveRelaySettings(storePath: string, toyId: string, settings: ToyRelaySettings): void {
  const path = relaySettingsPath(storePath);
  const all = { ...readAll(storePath), [toyId]: settings };
  writeFileSync(`${path}.tmp`, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** A bridge's state worth keeping between runs: the recordings it posted, the receipts it still owes. */
export function saveBridgeState(storePath: string, toyId: string, relay: FamilyRelay): void {
  const settings = relaySettings(storePath, toyId);
  if (!settings) return;
  const pendingReceipts = relay.pendingReceipts.map((r) => ({ message: r.message, sealed: toBase64Url(r.sealed) }));
  saveRelaySettings(storePath, toyId, { ...settings, uploaded: [...relay.uploaded], pendingReceipts });
}

/** The receipts a bridge stored with saveBridgeState. */
export function pendingReceiptsOf(settings: ToyRelaySettings): PendingReceipt[] {
  return (settings.pendingReceipts ?? []).map((r) => ({ message: r.message, sealed: new Uint8Array(Buffer.from(r.sealed, 'base64url')) }));
}
