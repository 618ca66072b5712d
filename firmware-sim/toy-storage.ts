// What the toy keeps in its flash, each piece under its own record: identity, bonds, pairing
// policy, settings, the voice-message replay guard, a partial upload to resume, received
// messages and the child's recordings (both as sealed envelopes). Factory reset erases all of it
// but the identity, for good.
import { readEnvelopeHeader } from '../audio/envelope';
import { createReplayGuard, replayGuardFromJson, replayGuardToJson, type ReplayGuard } from '../audio/replay-guard';
import { decodeReceiverSnapshot, encodeReceiverSnapshot } from '../audio/transfer-snapshot';
import type { ReceiverSnapshot } from '../audio/transfer-receiver';
import { type Bond, type BondStore, supersedes } from '../pairing/bond';
import { toHex } from '../pairing/bytes';
import type { ToyIdentity } from '../pairing/identity';
import { decodePolicy, encodePolicy, INITIAL_POLICY, type PolicyState } from '../pairing/policy';
import { decodeBonds, decodeIdentity, encodeBonds, encodeIdentity } from '../pairing/records';
import type { MessageRejection, RecordingInfo } from '../pairing/session-messages';
import type { Flash } from './flash';

/**
 * How the last completed upload ended. Kept because a phone that lost the link after the last
 * chunk sends the message again: the transfer then answers DONE without delivering it twice, and
 * the toy repeats this outcome so the phone is not left waiting for an answer that never comes.
 */
export interface UploadOutcome {
  /** BLAKE2b-256 of the envelope (the transfer's hash). */
  readonly hash: Uint8Array;
  readonly result: { readonly stored: Uint8Array } | { readonly rejected: MessageRejection };
}

export interface ToySettings {
  readonly volume: number;
}

const DEFAULT_SETTINGS: ToySettings = { volume: 70 };

/** Bonds held in flash: every change is written through before it returns. */
class FlashBondStore implements BondStore {
  private bonds: Bond[];

  constructor(private readonly flash: Flash) {
    const stored = flash.read('bonds');
    this.bonds = stored ? decodeBonds(stored) : [];
  }

  list(): readonly Bond[] {
    return this.bonds;
  }

  get(bondId: string): Bond | undefined {
    return this.bonds.find((b) => b.bondId === bondId);
  }

  put(bond: Bond): void {
    this.commit([...this.bonds.filter((b) => !supersedes(bond, b)), bond]);
  }

  remove(bondId: string): boolean {
    const kept = this.bonds.filter((b) => b.bondId !== bondId);
    if (kept.length === this.bonds.length) return false;
    this.commit(kept);
    return true;
  }

  clear(): void {
    this.commit([]);
  }

  private commit(bonds: Bond[]): void {
    // Flash first: if the write fails (full), the bonds in memory stay as the flash has them.
    this.flash.write('bonds', encodeBonds(bonds));
    this.bonds = bonds;
  }
}

/** Kinds of stored voice: messages received for the speaker, recordings made by the child. */
export type VoiceKind = 'messages' | 'recordings';

export class ToyStorage {
  readonly bonds: BondStore;

  constructor(readonly flash: Flash) {
    this.bonds = new FlashBondStore(flash);
  }

  loadIdentity(): ToyIdentity | undefined {
    const stored = this.flash.read('identity');
    return stored ? decodeIdentity(stored) : undefined;
  }

  saveIdentity(identity: ToyIdentity): void {
    this.flash.write('identity', encodeIdentity(identity));
  }

  loadPolicy(): PolicyState {
    const stored = this.flash.read('policy');
    return stored ? decodePolicy(stored) : INITIAL_POLICY;
  }

  savePolicy(policy: PolicyState): void {
    this.flash.write('policy', encodePolicy(policy));
  }

  loadSettings(): ToySettings {
    const stored = this.flash.read('settings');
    if (!stored) return DEFAULT_SETTINGS;
    const parsed = JSON.parse(stored.toString('utf8')) as Partial<ToySettings>;
    const volume = typeof parsed.volume === 'number' && parsed.volume >= 0 && parsed.volume <= 100 ? parsed.volume : DEFAULT_SETTINGS.volume;
    return { volume };
  }

  saveSettings(settings: ToySettings): void {
    this.flash.write('settings', Buffer.from(JSON.stringify(settings)));
  }

  loadReplayGuard(): ReplayGuard {
    const stored = this.flash.read('replay-guard');
    return stored ? replayGuardFromJson(stored.toString('utf8')) : createReplayGuard();
  }

  saveReplayGuard(guard: ReplayGuard): void {
    this.flash.write('replay-guard', Buffer.from(replayGuardToJson(guard)));
  }

  loadUpload(maxBytes: number): ReceiverSnapshot {
    const stored = this.flash.read('upload');
    if (!stored) return {};
    try {
      return decodeReceiverSnapshot(stored, maxBytes);
    } catch {
      // A partial upload that no longer reads is only lost time: the sender starts over.
      this.flash.erase('upload');
      return {};
    }
  }

  saveUpload(snapshot: ReceiverSnapshot): void {
    if (snapshot.partial || snapshot.lastCompleted) this.flash.write('upload', encodeReceiverSnapshot(snapshot));
    else this.flash.erase('upload');
  }

  loadUploadOutcome(): UploadOutcome | undefined {
    const stored = this.flash.read('upload-outcome');
    if (!stored) return undefined;
    try {
      const json = JSON.parse(stored.toString('utf8')) as { hash: string; stored?: string; rejected?: MessageRejection };
      const hash = Buffer.from(json.hash, 'hex');
      if (json.stored !== undefined) return { hash, result: { stored: Buffer.from(json.stored, 'hex') } };
      if (json.rejected !== undefined) return { hash, result: { rejected: json.rejected } };
    } catch {
      // unreadable: as if there were none (the phone then times out and may send again)
    }
    return undefined;
  }

  saveUploadOutcome(outcome: UploadOutcome): void {
    const result = 'stored' in outcome.result ? { stored: toHex(outcome.result.stored) } : { rejected: outcome.result.rejected };
    this.flash.write('upload-outcome', Buffer.from(JSON.stringify({ hash: toHex(outcome.hash), ...result })));
  }

  putVoice(kind: VoiceKind, id: Uint8Array, envelope: Uint8Array): void {
    this.flash.write(`${kind}/${toHex(id)}`, envelope);
  }

  getVoice(kind: VoiceKind, id: Uint8Array): Buffer | undefined {
    return this.flash.read(`${kind}/${toHex(id)}`);
  }

  eraseVoice(kind: VoiceKind, id: Uint8Array): boolean {
    const key = `${kind}/${toHex(id)}`;
    if (!this.flash.has(key)) return false;
    this.flash.erase(key);
    return true;
  }

  /** Stored voice of one kind, oldest first, described from each envelope's clear header. */
  listVoice(kind: VoiceKind): RecordingInfo[] {
    return this.flash
      .keys(`${kind}/`)
      .map((key) => {
        const envelope = this.flash.read(key)!;
        const header = readEnvelopeHeader(envelope);
        return { id: header.id, bytes: envelope.length, createdAt: header.time };
      })
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Everything but the identity, erased for good. */
  factoryReset(): void {
    for (const key of this.flash.keys()) if (key !== 'identity') this.flash.erase(key);
    this.bonds.clear();
  }
}
