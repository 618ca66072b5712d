// What the toy keeps in its flash, each piece under its own record: identity, bonds, pairing
// policy, settings, the voice-message replay guard, a partial upload to resume, received
// messages and the child's recordings (both as sealed envelopes). Factory reset erases all of it
// but the identity, for good, and survives a power cut: a durable mark is written before the
// first erase and removed after the last, and a toy that boots with the mark finishes the reset.
// A record whose bytes do not decode is quarantined (flash.ts) and read as absent, so no stored
// byte can stop the toy from booting or serving the rest.
import { readEnvelopeHeader } from '../audio/envelope';
import { MAX_RECEIPT_BYTES } from '../audio/receipt';
import { createReplayGuard, replayGuardFromJson, replayGuardToJson, type ReplayGuard } from '../audio/replay-guard';
import { decodeReceiverSnapshot, encodeReceiverSnapshot } from '../audio/transfer-snapshot';
import type { ReceiverSnapshot } from '../audio/transfer-receiver';
import { type Bond, type BondStore, supersedes } from '../pairing/bond';
import { fromHex, toHex } from '../pairing/bytes';
import type { LastingIdentity, ToyIdentity } from '../pairing/identity';
import { decodePolicy, encodePolicy, INITIAL_POLICY, type PolicyState } from '../pairing/policy';
import { decodeBonds, decodeIdentity, decodeLegacyIdentity, encodeBonds, encodeIdentity } from '../pairing/records';
import { MESSAGE_REJECTIONS, type MessageRejection, type RecordingInfo } from '../pairing/session-messages';
import { type Flash, isStorageFailure } from './flash';

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

/** The record whose presence at boot means a factory reset was confirmed and not finished. */
export const RESET_MARK = 'reset-in-progress';
/** What a factory reset leaves: the toy's identity (its keys and the code on its tag). */
export const RESET_KEEPS: readonly string[] = ['identity'];

/**
 * A record decoded, or undefined when absent; bytes that do not decode are quarantined (a failing
 * disk still throws its typed FlashError: that is not the record's fault).
 */
export function readDecoded<T>(flash: Flash, key: string, decode: (bytes: Buffer) => T): T | undefined {
  const stored = flash.read(key);
  if (!stored) return undefined;
  try {
    return decode(stored);
  } catch (error) {
    flash.quarantine(key, `does not decode: ${(error as Error).message}`);
    return undefined;
  }
}

/** Bonds held in flash: every change is written through before it returns. */
class FlashBondStore implements BondStore {
  private bonds: Bond[] = [];

  constructor(private readonly flash: Flash) {
    this.reload();
  }

  /** Takes the bonds from flash again (after a reset erased them there). */
  reload(): void {
    this.bonds = readDecoded(this.flash, 'bonds', decodeBonds) ?? [];
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
  readonly bonds: BondStore & { reload(): void };
  /** True when this boot finished a factory reset that a power cut had interrupted. */
  readonly resumedReset: boolean;
  /** Why a reset could not be finished on this disk (its records are out of view meanwhile). */
  resetUnfinished: Error | undefined;

  constructor(readonly flash: Flash) {
    // Before anything is read: an interrupted reset is finished first, so nothing it should have
    // erased (a bond above all) is ever used again.
    this.resumedReset = flash.has(RESET_MARK);
    if (this.resumedReset) this.eraseForReset();
    this.bonds = new FlashBondStore(flash);
  }

  loadIdentity(): ToyIdentity | undefined {
    return readDecoded(this.flash, 'identity', decodeIdentity);
  }

  /**
   * The lasting part of an identity stored before protocol 3 (one X25519 key for Noise and
   * envelopes), or undefined: such a toy must make new keys (physical-recovery.ts does, at boot).
   */
  loadLegacyIdentity(): LastingIdentity | undefined {
    const stored = this.flash.read('identity');
    if (!stored) return undefined;
    try {
      return decodeLegacyIdentity(stored);
    } catch {
      return undefined; // malformed: loadIdentity quarantines it
    }
  }

  saveIdentity(identity: ToyIdentity): void {
    this.flash.write('identity', encodeIdentity(identity));
  }

  loadPolicy(): PolicyState {
    return readDecoded(this.flash, 'policy', decodePolicy) ?? INITIAL_POLICY;
  }

  savePolicy(policy: PolicyState): void {
    this.flash.write('policy', encodePolicy(policy));
  }

  loadSettings(): ToySettings {
    return readDecoded(this.flash, 'settings', decodeSettings) ?? DEFAULT_SETTINGS;
  }

  saveSettings(settings: ToySettings): void {
    this.flash.write('settings', Buffer.from(JSON.stringify(settings)));
  }

  loadReplayGuard(): ReplayGuard {
    return readDecoded(this.flash, 'replay-guard', (bytes) => replayGuardFromJson(bytes.toString('utf8'))) ?? createReplayGuard();
  }

  saveReplayGuard(guard: ReplayGuard): void {
    this.flash.write('replay-guard', Buffer.from(replayGuardToJson(guard)));
  }

  loadUpload(maxBytes: number): ReceiverSnapshot {
    // A partial upload that no longer reads is only lost time: the sender starts over.
    return readDecoded(this.flash, 'upload', (bytes) => decodeReceiverSnapshot(bytes, maxBytes)) ?? {};
  }

  saveUpload(snapshot: ReceiverSnapshot): void {
    if (snapshot.partial || snapshot.lastCompleted) this.flash.write('upload', encodeReceiverSnapshot(snapshot));
    else this.flash.erase('upload');
  }

  loadUploadOutcome(): UploadOutcome | undefined {
    // Unreadable: as if there were none (the phone then times out and may send again).
    return readDecoded(this.flash, 'upload-outcome', decodeUploadOutcome);
  }

  saveUploadOutcome(outcome: UploadOutcome): void {
    const result = 'stored' in outcome.result ? { stored: toHex(outcome.result.stored) } : { rejected: outcome.result.rejected };
    this.flash.write('upload-outcome', Buffer.from(JSON.stringify({ hash: toHex(outcome.hash), ...result })));
  }

  putVoice(kind: VoiceKind, id: Uint8Array, envelope: Uint8Array): void {
    this.flash.write(`${kind}/${toHex(id)}`, envelope);
  }

  /** A stored envelope, checked to have a readable clear header (else quarantined: absent). */
  getVoice(kind: VoiceKind, id: Uint8Array): Buffer | undefined {
    return this.readEnvelope(`${kind}/${toHex(id)}`)?.envelope;
  }

  eraseVoice(kind: VoiceKind, id: Uint8Array): boolean {
    const key = `${kind}/${toHex(id)}`;
    if (!this.flash.has(key)) return false;
    this.flash.erase(key);
    return true;
  }

  /** A "played" receipt kept until a bridge takes it (audio/receipt.ts), by the played message's id. */
  putReceipt(message: Uint8Array, receipt: Uint8Array): void {
    this.flash.write(`receipts/${toHex(message)}`, receipt);
  }

  /** The receipts kept, oldest first (an unreadable one is quarantined: absent). */
  listReceipts(): { readonly message: Uint8Array; readonly receipt: Buffer; readonly time: number }[] {
    return this.flash
      .keys('receipts/')
      .flatMap((key) => {
        const kept = readDecoded(this.flash, key, (receipt) => {
          // Longer ones would not fit a take-receipts answer's frame: not a receipt this toy sealed.
          if (receipt.length > MAX_RECEIPT_BYTES) throw new Error(`${receipt.length} bytes is too long for a receipt`);
          return { message: fromHex(key.slice('receipts/'.length), 16), receipt, time: readEnvelopeHeader(receipt).time };
        });
        return kept ? [kept] : [];
      })
      .sort((a, b) => a.time - b.time);
  }

  eraseReceipt(message: Uint8Array): void {
    const key = `receipts/${toHex(message)}`;
    if (this.flash.has(key)) this.flash.erase(key);
  }

  /** Stored voice of one kind, oldest first, described from each envelope's clear header. */
  listVoice(kind: VoiceKind): RecordingInfo[] {
    return this.flash
      .keys(`${kind}/`)
      .flatMap((key) => {
        const read = this.readEnvelope(key);
        return read ? [{ id: read.header.id, bytes: read.envelope.length, createdAt: read.header.time }] : [];
      })
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  private readEnvelope(key: string): { envelope: Buffer; header: ReturnType<typeof readEnvelopeHeader> } | undefined {
    return readDecoded(this.flash, key, (envelope) => {
      const header = readEnvelopeHeader(envelope);
      if (`${key.split('/')[0]}/${toHex(header.id)}` !== key) throw new Error(`its envelope's id ${toHex(header.id)} is not its name`);
      return { envelope, header };
    });
  }

  /**
   * Everything but the identity, erased for good, all or nothing across a power cut: the mark goes
   * down first (if even that fails, nothing was erased and the error is thrown), and a boot that
   * finds it finishes the job.
   */
  factoryReset(): void {
    this.beginReset();
    this.finishReset();
  }

  /** Makes the reset durable: from here on it happens, if need be at the next boot. */
  beginReset(): void {
    this.flash.write(RESET_MARK, Buffer.from('factory reset confirmed'));
  }

  /** Erases what a reset erases, then the mark. */
  finishReset(): void {
    this.eraseForReset();
  }

  private eraseForReset(): void {
    const keys = this.flash.keys().filter((key) => key !== RESET_MARK && !RESET_KEEPS.includes(key));
    try {
      for (const key of keys) this.flash.erase(key);
      this.flash.erase(RESET_MARK);
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      // The disk refuses (read-only, failing): nothing the reset erases may be used all the same.
      // The mark stays on the disk, so a boot on a working disk finishes the job.
      for (const key of keys) this.flash.forget(key);
      this.flash.forget(RESET_MARK);
      this.resetUnfinished = error;
    }
    // When called from the constructor the bond store does not exist yet; it then reads the flash.
    (this.bonds as FlashBondStore | undefined)?.reload();
  }
}

function decodeSettings(bytes: Buffer): ToySettings {
  const parsed = JSON.parse(bytes.toString('utf8')) as Partial<ToySettings> | null;
  const volume = typeof parsed?.volume === 'number' && parsed.volume >= 0 && parsed.volume <= 100 ? parsed.volume : DEFAULT_SETTINGS.volume;
  return { volume };
}

function decodeUploadOutcome(bytes: Buffer): UploadOutcome {
  const json = JSON.parse(bytes.toString('utf8')) as { hash?: unknown; stored?: unknown; rejected?: unknown } | null;
  const hex = (value: unknown): Buffer => {
    if (typeof value !== 'string' || !/^([0-9a-f]{2})+$/.test(value)) throw new Error('not hex');
    return Buffer.from(value, 'hex');
  };
  const hash = hex(json?.hash);
  if (json?.stored !== undefined) return { hash, result: { stored: hex(json.stored) } };
  if (typeof json?.rejected === 'string' && (MESSAGE_REJECTIONS as readonly string[]).includes(json.rejected)) {
    return { hash, result: { rejected: json.rejected as MessageRejection } };
  }
  throw new Error('no outcome');
}
