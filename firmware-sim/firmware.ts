// The toy's firmware: its state machine (off, idle, pairing window, connected, recording,
// playing), its peripherals (paw button, microphone, speaker, LED, battery), its flash, and
// what it does for each session request. The radio side (GATT on bleno) is gatt-server.ts; this
// file does no BLE, so it can be driven directly too.
//
// Security rules that live here: the microphone is started only by pawPress(); factory reset
// needs the owner's request and a paw press within PAW_CONFIRM_MS; every request is checked
// against the asking phone's role; voice messages are accepted only from bonded phones.
import { EventEmitter } from 'node:events';
import { encodeOpus } from '../audio/opus-codec';
import { writeOggOpus } from '../audio/ogg-opus';
import { readEnvelopeHeader, sameSender, sealEnvelope, type EnvelopeSender } from '../audio/envelope';
import { sealReceipt } from '../audio/receipt';
import type { ReplayGuard } from '../audio/replay-guard';
import { oggToWav, openVoiceMessage } from '../audio/voice-message';
import { TransferReceiver } from '../audio/transfer-receiver';
import { STREAM_MESSAGE_TYPES, decodeTransferMessage } from '../audio/transfer-wire';
import { PROTOCOL_VERSION, STREAMED_TRANSFERS_SINCE } from './profile';
import type { AudioError } from '../audio/errors';
import { authorizeRevoke, type Bond } from '../pairing/bond';
import { toHex } from '../pairing/bytes';
import { provisionToy, rotateToyKeys, type ToyIdentity } from '../pairing/identity';
import type { PolicyState } from '../pairing/policy';
import { type MessageRejection, RECEIPTS_PER_TAKE, type Request, type ResponseBody, type ToyStatus } from '../pairing/session-messages';
import { type Sodium, sodiumReady } from '../pairing/sodium';
import { Toy } from '../pairing/toy';
import { DEFAULT_CAPACITY_BYTES, Flash, FlashError, type QuarantinedRecord } from './flash';
import type { FlashIO } from './flash-io';
import { Microphone, type MicrophoneSource } from './microphone';
import { Battery, Led, type PlayedMessage, Speaker } from './peripherals';
import { bootResets } from './physical-recovery';
import { eraseRecording, messagePlayed, recordingFetched, recordingMade } from './retention';
import { ToyStorage, type UploadOutcome } from './toy-storage';
import { StorageGuard, storageOutcome } from './storage-guard';
import { type LinkPort, RequestRefused, ToyLink } from './toy-link';

export type FirmwareState = 'off' | 'idle' | 'pairing-window' | 'connected' | 'recording' | 'playing';

/** How long after an owner's factory-reset request the paw must be pressed. */
export const PAW_CONFIRM_MS = 30_000;
/** "Played" receipts the toy keeps for bridges to take (the newest, when no bridge comes for long). */
const MAX_KEPT_RECEIPTS = 32;

/** How long a central may stay connected without an established session (pairing or KK). */
export const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Largest voice message the toy accepts (also bounded by free flash). */
export const MAX_MESSAGE_BYTES = 1 << 20;

export interface ToyFirmwareOptions {
  /** Folder holding the toy's flash. */
  readonly dir: string;
  readonly capacityBytes?: number;
  /** The file operations under the flash (tests cut the power inside them). */
  readonly flashIO?: FlashIO;
  /** How long the paw was held down through power-on (ms); RECOVERY_HOLD_MS or more recovers the toy. */
  readonly pawHeldMs?: number;
  /** How long a central may stay connected without a session. Default HANDSHAKE_TIMEOUT_MS. */
  readonly handshakeTimeoutMs?: number;
  /** How long after a factory-reset request a paw press confirms it. Default PAW_CONFIRM_MS. */
  readonly pawConfirmMs?: number;
  /** Wall clock in ms since the epoch; the pairing policy and envelope times use it. */
  readonly now?: () => number;
  readonly microphone?: MicrophoneSource;
  /** Where the speaker writes what it played (WAV); nothing is written when absent. */
  readonly speakerDir?: string;
  /** Seconds the microphone records per paw press. */
  readonly recordSeconds?: number;
  readonly model?: string;
  /**
   * The protocol version this firmware speaks (default PROTOCOL_VERSION): 1 simulates a toy from
   * before streamed transfers, which reports 1 and ignores OPEN and END as unknown messages.
   */
  readonly protocol?: number;
  readonly log?: (line: string) => void;
}

export interface ToyFirmwareEvents {
  state: [FirmwareState];
  paired: [Bond];
  /** A session was established (after the phone's session confirm): the bond it runs under. */
  session: [Bond];
  played: [PlayedMessage];
  /** A voice message was accepted and stored (it goes once played): its id and sealed envelope. */
  'message-stored': [{ readonly id: string; readonly envelope: Uint8Array }];
  recorded: [{ readonly id: string; readonly bytes: number }];
  'message-rejected': [MessageRejection];
  reset: [];
  /** A paw-press recording that could not be stored (flash full, storage failing): nothing was kept. */
  'recording-not-kept': [{ readonly reason: 'FLASH_FULL' | 'STORAGE_ERROR'; readonly message: string }];
  /** A stored record failed its check and was moved aside; `total` counts them since boot. */
  'record-quarantined': [QuarantinedRecord & { readonly total: number }];
  /** The firmware met an error it cannot handle (a power cut inside a flash write, say) and went off. */
  fault: [Error];
  'pairing-window': [boolean];
}

export class ToyFirmware extends EventEmitter<ToyFirmwareEvents> {
  readonly model: string;
  readonly protocol: number;
  readonly battery = new Battery();
  readonly led = new Led();
  readonly pairing: Toy;
  readonly handshakeTimeoutMs: number;
  private readonly links = new Set<ToyLink>();
  private upload: TransferReceiver;
  private readonly pawConfirmMs: number;
  private readonly microphone: Microphone;
  private readonly speaker: Speaker;
  private readonly recordSeconds: number;
  private readonly logLine: (line: string) => void;
  private powered = true;
  private activity: 'recording' | 'playing' | undefined;
  private resetPendingUntil: number | undefined;
  private resetLink: ToyLink | undefined;
  private windowTimer: NodeJS.Timeout | undefined;
  /** Storage failures the toy lives through: logged, and its degraded mode reported in status. */
  readonly storageGuard: StorageGuard;

  private constructor(
    readonly sodium: Sodium,
    readonly storage: ToyStorage,
    readonly now: () => number,
    options: ToyFirmwareOptions,
  ) {
    super();
    this.model = options.model ?? 'plushlink bear';
    this.protocol = options.protocol ?? PROTOCOL_VERSION;
    this.logLine = options.log ?? (() => undefined);
    this.recordSeconds = options.recordSeconds ?? 3;
    this.pawConfirmMs = options.pawConfirmMs ?? PAW_CONFIRM_MS;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    this.microphone = new Microphone(options.microphone);
    this.speaker = new Speaker(options.speakerDir);
    this.storageGuard = new StorageGuard(storage.flash, (line) => this.log(line), (record) => this.emit('record-quarantined', record));
    // A pre-protocol-3 identity still here means its upgrade at boot could not be saved: the toy
    // keeps its id and tag with new keys in memory (never a new id: the printed tag must pair).
    const legacy = storage.loadLegacyIdentity();
    let identity = legacy ? rotateToyKeys(sodium, legacy) : storage.loadIdentity();
    if (!identity || legacy) {
      identity ??= provisionToy(sodium);
      const provisioned = identity;
      this.storageGuard.attempt('saving a new identity', () => storage.saveIdentity(provisioned));
    }
    this.pairing = new Toy(sodium, { identity, bonds: storage.bonds, policy: storage.loadPolicy() });
    this.upload = new TransferReceiver(sodium, { maxBytes: MAX_MESSAGE_BYTES }, storage.loadUpload(MAX_MESSAGE_BYTES));
  }

  /**
   * Mounts the flash in `dir` (provisioning a new identity the first time) and powers on. With the
   * paw held through power-on for RECOVERY_HOLD_MS or more (`pawHeldMs`), the toy first recovers:
   * no phone needed, everything erased and new keys made (physical-recovery.ts).
   */
  static async boot(options: ToyFirmwareOptions): Promise<ToyFirmware> {
    const sodium = await sodiumReady();
    const flash = Flash.mount(options.dir, { capacityBytes: options.capacityBytes ?? DEFAULT_CAPACITY_BYTES, ...(options.flashIO ? { io: options.flashIO } : {}) });
    const storage = new ToyStorage(flash);
    const { recovered, upgraded, keysKept } = bootResets(sodium, storage, options.pawHeldMs ?? 0);
    const toy = new ToyFirmware(sodium, storage, options.now ?? Date.now, options);
    toy.persistPolicy(toy.pairing.powerOn(toy.now()));
    if (toy.storage.resumedReset) toy.log('factory reset interrupted by a power cut: finished now, new keys made');
    if (recovered) toy.log('physical recovery (paw held through power-on): everything erased, new keys made');
    if (upgraded) toy.log('flash written before protocol 3 (one key for Noise and envelopes): everything erased, new keys made; the tag pairs a new owner');
    if (keysKept) toy.log(`new keys not saved on this disk (${keysKept.message}): the next boot on a working disk makes them`);
    toy.reportUnfinishedReset();
    toy.storageGuard.reportBoot();
    return toy;
  }

  /** Who the toy is now (its keys change at every reset). */
  get identity(): ToyIdentity {
    return this.pairing.identity;
  }

  get state(): FirmwareState {
    if (!this.powered) return 'off';
    if (this.activity) return this.activity;
    if (this.links.size > 0) return 'connected';
    return this.pairing.status(this.now()).open ? 'pairing-window' : 'idle';
  }

  get pairingWindowOpen(): boolean {
    return this.powered && this.pairing.status(this.now()).open;
  }

  /**
   * Whether the advert (and the readable info) say the window is open: only for a toy with no
   * owner, whose window someone holding it opened for its first owner. An owned toy's windows
   * (an owner's invitation) are nobody else's business: strangers are not told when to guess.
   */
  get announcesPairingWindow(): boolean {
    return this.pairingWindowOpen && !this.storage.bonds.list().some((b) => b.role === 'owner');
  }

  log(line: string): void {
    this.logLine(line);
  }

  // ---- the paw button ------------------------------------------------------------------------

  /**
   * A short press confirms a pending factory reset, else records when the toy has an owner, else
   * opens the pairing window; a long press always opens the pairing window.
   */
  async pawPress(options: { readonly long?: boolean } = {}): Promise<void> {
    if (!this.powered) return;
    const now = this.now();
    if (this.resetPendingUntil !== undefined && now <= this.resetPendingUntil && !options.long) {
      this.factoryReset();
      return;
    }
    if (options.long || this.storage.bonds.list().length === 0) {
      this.openPairingWindow(now);
      return;
    }
    await this.record();
  }

  private openPairingWindow(now: number): void {
    this.persistPolicy(this.pairing.pawPress(now));
    const status = this.pairing.status(now);
    this.log(status.open ? 'pairing window open' : `pairing window stays closed (${status.reason})`);
    this.led.mode = status.open ? 'blink' : 'off';
    this.emit('pairing-window', status.open);
    this.emitState();
    if (status.open) {
      if (this.windowTimer) clearTimeout(this.windowTimer);
      this.windowTimer = setTimeout(() => {
        this.led.mode = 'off';
        this.emit('pairing-window', false);
        this.emitState();
      }, status.closesInMs);
      this.windowTimer.unref();
    }
  }

  /** Records from the microphone, seals the recording for every bonded phone, stores it. */
  private async record(): Promise<void> {
    if (this.activity) return;
    const recipients = this.storage.bonds.list().map((b) => b.peer);
    this.activity = 'recording';
    this.led.mode = 'on';
    this.emitState();
    try {
      const pcm = this.microphone.capture(this.recordSeconds);
      this.battery.audio(this.recordSeconds);
      const ogg = writeOggOpus(encodeOpus(pcm));
      const id = this.sodium.randombytes_buf(16);
      const envelope = sealEnvelope(this.sodium, { audio: ogg, sender: this.identity.keys, recipients, time: this.now(), id });
      this.storage.putVoice('recordings', id, envelope);
      recordingMade(this.storage, id, recipients.map((r) => r.static));
      const recording = { id, bytes: envelope.length, createdAt: this.now() };
      this.emit('recorded', { id: toHex(id), bytes: envelope.length });
      for (const link of this.links) link.send({ kind: 'event', event: { event: 'recording-added', recording } });
    } catch (error) {
      // The microphone's file or the flash failing loses this recording, never the toy.
      const outcome = storageOutcome(error);
      if (!outcome) throw error;
      const message = (error as Error).message;
      this.log(`recording not kept: ${message}`);
      this.emit('recording-not-kept', { reason: outcome, message });
    } finally {
      this.activity = undefined;
      this.led.mode = 'off';
      this.emitState();
    }
  }

  // ---- power ---------------------------------------------------------------------------------

  /**
   * An error the firmware cannot handle, from code the radio called (a power cut inside a flash
   * write, a bug): a real toy would stop or be reset by its watchdog; this one goes off and says so.
   */
  fault(error: Error): void {
    this.log(`firmware fault, powering off: ${error.message}`);
    this.powerOff();
    this.emit('fault', error);
  }

  /** Cuts the power: links drop, timers stop. What is in flash stays. */
  powerOff(): void {
    if (!this.powered) return;
    for (const link of [...this.links]) link.disconnect();
    this.powered = false;
    this.resetPendingUntil = undefined;
    if (this.windowTimer) clearTimeout(this.windowTimer);
    this.emitState();
  }

  // ---- links ---------------------------------------------------------------------------------

  /** A central connected: the returned link takes its writes; call closed() when it goes. */
  attach(port: LinkPort): ToyLink {
    const link = new ToyLink(this, port);
    this.links.add(link);
    this.emitState();
    return link;
  }

  onLinkClosed(link: ToyLink): void {
    this.links.delete(link);
    this.upload.disconnect();
    try {
      this.storage.saveUpload(this.upload.snapshot());
    } catch (error) {
      this.log(`partial upload not kept: ${(error as Error).message}`);
    }
    this.emitState();
  }

  afterFatal(link: ToyLink): void {
    // A failed handshake ends the connection: a central gets one try per connection.
    link.disconnect();
  }

  persistPolicy(policy: PolicyState): void {
    // Unsaved, the policy still holds while the toy is on; the storage guard reports the failure.
    this.storageGuard.attempt('saving the pairing policy', () => this.storage.savePolicy(policy));
  }

  onPaired(bond: Bond): void {
    this.log(`paired: ${bond.role} "${bond.label}"`);
    this.led.mode = 'off';
    this.emit('paired', bond);
  }

  onSessionOpened(link: ToyLink, bond: Bond): void {
    this.log(`session: ${bond.role} "${bond.label}"`);
    this.emit('session', bond);
    this.emitState();
    void link;
  }

  // ---- requests ------------------------------------------------------------------------------

  handleRequest(link: ToyLink, bond: Bond, request: Request): ResponseBody {
    const owner = bond.role === 'owner';
    const requireOwner = (what: string): void => {
      if (!owner) throw new RequestRefused('FORBIDDEN', `only the owner may ${what}`);
    };
    switch (request.command) {
      case 'status':
        return { command: 'status', status: this.status(bond) };
      case 'list-recordings':
        return { command: 'list-recordings', recordings: this.storage.listVoice('recordings') };
      case 'fetch-recording': {
        const envelope = this.storage.getVoice('recordings', request.id);
        if (!envelope) throw new RequestRefused('NOT_FOUND', `no recording ${toHex(request.id)}`);
        return link.startDownload(envelope, request.id);
      }
      case 'delete-recording':
        if (!eraseRecording(this.storage, request.id)) throw new RequestRefused('NOT_FOUND', `no recording ${toHex(request.id)}`);
        return { command: 'delete-recording' };
      case 'list-members':
        return {
          command: 'list-members',
          members: this.storage.bonds.list().map((b) => ({ bondId: b.bondId, role: b.role, createdAt: b.createdAt, joined: b.joined, label: b.label })),
        };
      case 'invite-member': {
        requireOwner('invite members');
        const invite = this.pairing.invite(bond.bondId, this.now());
        this.persistPolicy(this.pairing.policy);
        this.log('invitation made: the pairing window is open for the invited phone');
        return { command: 'invite-member', validForMs: Math.max(0, invite.expiresAt - this.now()), code: invite.code };
      }
      case 'remove-member':
        if (request.bondId === bond.bondId) {
          // Leaving: answer first, because once the bond is gone the session cannot carry the answer.
          authorizeRevoke(this.storage.bonds.list(), bond.bondId, request.bondId);
          link.afterRespond(() => {
            this.pairing.revoke(bond.bondId, request.bondId);
            link.disconnect();
          });
          return { command: 'remove-member' };
        }
        this.pairing.revoke(bond.bondId, request.bondId);
        // A removed phone loses its link at once, not at its next request.
        for (const other of [...this.links]) if (other.bond?.bondId === request.bondId && other !== link) other.disconnect();
        return { command: 'remove-member' };
      case 'factory-reset':
        requireOwner('factory reset the toy');
        this.resetPendingUntil = this.now() + this.pawConfirmMs;
        this.resetLink = link;
        this.led.mode = 'blink';
        this.log('factory reset requested: waiting for a paw press');
        this.armResetTimeout(this.pawConfirmMs + 1);
        return { command: 'factory-reset', pawWithinMs: this.pawConfirmMs };
      case 'add-member': {
        requireOwner('add members');
        const added = this.pairing.addMember(bond.bondId, request.keys, request.label, this.now());
        this.log(`member added by the owner: ${added.role} "${added.label}"`);
        return { command: 'add-member', bondId: added.bondId, destinationKey: added.destinationKey };
      }
      case 'set-volume':
        requireOwner('change settings');
        this.storage.saveSettings({ ...this.storage.loadSettings(), volume: request.level });
        return { command: 'set-volume' };
      case 'take-receipts':
        // Any phone may carry them: each is sealed for its sender alone.
        for (const message of request.taken) this.storage.eraseReceipt(message);
        return { command: 'take-receipts', receipts: this.storage.listReceipts().slice(0, RECEIPTS_PER_TAKE) };
    }
  }

  private keepReceipt(message: Uint8Array, receipt: Uint8Array): void {
    this.storageGuard.attempt('keeping a played receipt', () => {
      const kept = this.storage.listReceipts();
      // A toy no bridge visits for long keeps the newest few, not an ever-growing pile.
      for (const old of kept.slice(0, Math.max(0, kept.length - (MAX_KEPT_RECEIPTS - 1)))) this.storage.eraseReceipt(old.message);
      this.storage.putReceipt(message, receipt);
    });
  }

  private status(bond: Bond): ToyStatus {
    const usage = this.storage.flash.usage();
    return {
      batteryPercent: this.battery.percent,
      storageUsedBytes: usage.usedBytes,
      storageCapacityBytes: usage.capacityBytes,
      volume: this.storage.loadSettings().volume,
      recordings: this.storage.flash.keys('recordings/').length,
      messages: this.storage.flash.keys('messages/').length,
      role: bond.role,
      storage: this.storageGuard.health(),
      quarantinedRecords: this.storage.flash.quarantined.length,
    };
  }

  private armResetTimeout(ms: number): void {
    setTimeout(() => this.cancelPendingReset(), ms).unref();
  }

  private cancelPendingReset(): void {
    if (this.resetPendingUntil === undefined) return;
    const left = this.resetPendingUntil - this.now();
    // Timers and the wall clock drift apart (and tests may pass their own clock): check again later
    // rather than leave a reset pending for ever.
    if (left >= 0) return this.armResetTimeout(left + 1);
    this.resetPendingUntil = undefined;
    this.led.mode = 'off';
    this.resetLink?.send({ kind: 'event', event: { event: 'reset-cancelled' } });
    this.resetLink = undefined;
  }

  /** Erases bonds, recordings, messages and policy for good, then drops every link. */
  private factoryReset(): void {
    this.resetPendingUntil = undefined;
    // The reset is durable (its mark is in flash) before the phone hears it is done, and the
    // phone hears it while its bond still exists to carry the news.
    if (!this.storageGuard.attempt('starting the factory reset', () => this.storage.beginReset())) {
      this.resetLink?.send({ kind: 'event', event: { event: 'reset-failed' } });
      this.resetLink = undefined;
      this.led.mode = 'off';
      return;
    }
    this.resetLink?.send({ kind: 'event', event: { event: 'reset-done' } });
    this.resetLink = undefined;
    // A fresh receiver: the old one remembers the last message's hash, which must not survive.
    this.upload = new TransferReceiver(this.sodium, { maxBytes: MAX_MESSAGE_BYTES });
    // The new keys go down under the reset's mark, before the erase: a power cut anywhere from the
    // mark on leaves a boot that finishes the erase and makes new keys again (bootResets).
    this.storageGuard.attempt('making new keys', () => {
      const { identity } = this.pairing.factoryReset();
      this.storage.saveIdentity(identity);
    });
    // If this fails part-way the mark stays, and the next boot finishes the reset.
    this.storageGuard.attempt('factory reset', () => this.storage.finishReset());
    this.reportUnfinishedReset();
    this.persistPolicy(this.pairing.policy);
    this.log('factory reset: bonds, recordings and messages erased, new keys made');
    this.emit('reset');
    for (const link of [...this.links]) link.disconnect();
    this.emitState();
  }

  private reportUnfinishedReset(): void {
    const why = this.storage.resetUnfinished;
    if (why) this.log(`factory reset not finished on this disk (${why.message}): what it erases is out of use, and the next boot finishes it`);
  }

  // ---- voice messages up to the toy ----------------------------------------------------------

  onUpload(link: ToyLink, bytes: Uint8Array): void {
    if (this.protocol < STREAMED_TRANSFERS_SINCE && (bytes[0] === STREAM_MESSAGE_TYPES.open || bytes[0] === STREAM_MESSAGE_TYPES.end)) {
      this.log('upload: a transfer message this protocol does not know, ignored');
      return;
    }
    const out = this.upload.receive(bytes);
    for (const event of out.events) {
      if (event.type === 'offer' && event.headBytes + event.total - event.bytesDone > this.storage.flash.usage().freeBytes) {
        // Refuse before the bytes travel: a full toy says so (first, so the phone hears why)
        // instead of dropping the message.
        this.rejectMessage(link, 'FLASH_FULL');
        link.sendUpload(out.messages.splice(0));
        link.sendUpload(this.upload.cancel().messages);
        return;
      }
    }
    link.sendUpload(out.messages);
    let completed = false;
    for (const event of out.events) {
      if (event.type === 'complete') {
        completed = true;
        this.acceptMessage(link, event.hash, event.envelope).catch((error: unknown) => this.fault(asError(error)));
      } else if (event.type === 'failed') this.log(`upload failed: ${event.error.message}`);
    }
    if (!completed) this.repeatOutcome(link, out.messages);
  }

  /**
   * A DONE without a delivery answers a message sent again after it completed (the phone lost
   * the link before hearing the outcome): tell it again what became of it.
   */
  private repeatOutcome(link: ToyLink, sent: readonly Uint8Array[]): void {
    const done = sent.map(decodeTransferMessage).find((m) => m.type === 'done');
    if (!done) return;
    const result = this.outcomeOf(done.hash);
    if (!result) return;
    if ('stored' in result) link.send({ kind: 'event', event: { event: 'message-stored', id: result.stored } });
    else link.send({ kind: 'event', event: { event: 'message-rejected', reason: result.rejected } });
  }

  /** What became of the upload named `hash`, when it is the last one whose outcome was saved. */
  private outcomeOf(hash: Uint8Array): UploadOutcome['result'] | undefined {
    const outcome = this.storage.loadUploadOutcome();
    return outcome && this.sodium.memcmp(outcome.hash, hash) ? outcome.result : undefined;
  }

  private rememberOutcome(outcome: UploadOutcome): void {
    this.storageGuard.attempt('keeping the upload outcome', () => this.storage.saveUploadOutcome(outcome));
  }

  private rejectMessage(link: ToyLink, reason: MessageRejection, hash?: Uint8Array): void {
    this.log(`voice message rejected: ${reason}`);
    if (hash) this.rememberOutcome({ hash, result: { rejected: reason } });
    this.emit('message-rejected', reason);
    link.send({ kind: 'event', event: { event: 'message-rejected', reason } });
  }

  private async acceptMessage(link: ToyLink, hash: Uint8Array, envelope: Uint8Array): Promise<void> {
    const senders = this.storage.bonds.list().map((b) => b.peer);
    const seen = this.storage.loadReplayGuard();
    let opened;
    try {
      opened = openVoiceMessage(this.sodium, envelope, this.identity.keys, seen, replayGuardClock(seen, readEnvelopeHeader(envelope).time), { senders });
    } catch (error) {
      const outcome = storageOutcome(error);
      if (outcome) return this.rejectMessage(link, outcome, hash);
      const code = (error as AudioError).code;
      const reason: MessageRejection =
        code === 'NOT_A_RECIPIENT' ? 'NOT_FOR_THIS_TOY' : code === 'UNKNOWN_SENDER' ? 'UNKNOWN_SENDER' : code === 'REPLAYED' || code === 'STALE' ? 'REPLAYED' : 'CORRUPT';
      const kept = reason === 'REPLAYED' ? this.storedBefore(hash, envelope) : undefined;
      if (kept) return this.answerStored(link, hash, kept);
      this.rejectMessage(link, reason, hash);
      return;
    }
    const { message, guard } = opened;
    try {
      this.storage.putVoice('messages', message.id, envelope);
    } catch (error) {
      const outcome = storageOutcome(error);
      if (!outcome) throw error;
      this.log(`voice message not stored: ${(error as Error).message}`);
      return this.rejectMessage(link, outcome, hash);
    }
    if (!this.storageGuard.attempt('saving the replay guard', () => this.storage.saveReplayGuard(guard))) {
      // Kept without its replay record, the message could be replayed: it goes, and is refused.
      this.storageGuard.attempt('taking back an unguarded message', () => this.storage.eraseVoice('messages', message.id));
      return this.rejectMessage(link, 'STORAGE_ERROR', hash);
    }
    this.rememberOutcome({ hash, result: { stored: message.id } });
    this.emit('message-stored', { id: toHex(message.id), envelope });
    link.send({ kind: 'event', event: { event: 'message-stored', id: message.id } });
    await this.play(link, message.id, message.audio, message.durationSeconds, message.sender);
  }

  /**
   * The id this very envelope was stored under, when its replay record says it came before: the
   * phone sends a message again when it never heard "stored" (the link or the power went first,
   * maybe before the outcome was saved), and must hear "stored", not REPLAYED.
   */
  private storedBefore(hash: Uint8Array, envelope: Uint8Array): Uint8Array | undefined {
    const result = this.outcomeOf(hash);
    if (result && 'stored' in result) return result.stored;
    const { id } = readEnvelopeHeader(envelope);
    try {
      const kept = this.storage.getVoice('messages', id);
      return kept && Buffer.compare(kept, envelope) === 0 ? id : undefined;
    } catch (error) {
      if (error instanceof FlashError) return undefined; // unreadable: judged as a replay, as before
      throw error;
    }
  }

  private answerStored(link: ToyLink, hash: Uint8Array, id: Uint8Array): void {
    this.log(`voice message ${toHex(id)} sent again: already stored`);
    this.rememberOutcome({ hash, result: { stored: id } });
    link.send({ kind: 'event', event: { event: 'message-stored', id } });
  }

  private async play(link: ToyLink, id: Uint8Array, ogg: Uint8Array, durationSeconds: number, sender: EnvelopeSender): Promise<void> {
    this.activity = 'playing';
    this.emitState();
    try {
      const wav = await oggToWav(ogg);
      this.battery.audio(durationSeconds);
      const playedAt = this.now();
      const played = this.speaker.play(toHex(id), wav, durationSeconds, playedAt);
      if (played.wavError) this.log(`speaker: played ${played.id} but could not write its WAV (${played.wavError})`);
      this.forget(() => messagePlayed(this.storage, id), 'played message');
      this.emit('played', played);
      // A sender far away (not the phone on this link) learns it played: a receipt only it can
      // open, kept until a bridge takes it (take-receipts), so a link lost now loses nothing.
      if (!(link.bond && sameSender(this.sodium, link.bond.peer, sender))) this.keepReceipt(id, sealReceipt(this.sodium, { message: id, playedAt, toy: this.identity.keys, sender }));
      link.send({ kind: 'event', event: { event: 'message-played', id } });
    } finally {
      this.activity = undefined;
      this.emitState();
    }
  }

  /** A phone received a whole recording: once every phone that may fetch it has, it goes. */
  onRecordingDelivered(bond: Bond, id: Uint8Array): void {
    this.forget(() => recordingFetched(this.storage, id, bond) && this.log(`recording ${toHex(id)} fetched by every phone: erased`), 'fetched recording');
  }

  /** Retention work that may meet a full or failing flash: what is not erased now goes later. */
  private forget(erase: () => unknown, what: string): void {
    try {
      erase();
    } catch (error) {
      if (!(error instanceof FlashError)) throw error;
      this.log(`${what} not erased yet: ${error.message}`);
    }
  }

  private emitState(): void {
    this.emit('state', this.state);
  }
}

/**
 * The time the replay guard judges an envelope by. A toy has no real-time clock it can trust
 * (pulling the battery resets it), so not its own: the newest time among the envelopes it has
 * admitted (all signed by bonded senders), or the envelope's own time if later. An id is refused
 * once seen; an envelope older than the window before the newest one seen is refused as stale;
 * and nothing depends on what the toy's clock says.
 */
function replayGuardClock(guard: ReplayGuard, envelopeTime: number): number {
  const newest = guard.seen.reduce((t, s) => Math.max(t, s.time), guard.floor);
  return Math.max(newest, envelopeTime);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
