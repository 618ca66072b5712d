// An open, authenticated session with one toy: requests and their responses, the toy's events,
// and voice transfers both ways (messages up to the toy, recordings down to the phone), with
// progress. Every failure is a ToyClientError; a dropped link rejects whatever was under way
// with LINK_LOST, or TRANSFER_INTERRUPTED (resumable, its cause the LINK_LOST) for an upload,
// then emits `closed` once. Long calls take an AbortSignal.
import { EventEmitter } from 'node:events';
import { readEnvelopeHeader } from '../audio/envelope';
import { isWav } from '../audio/wav';
import { STREAM_ENVELOPE_VERSION } from '../audio/envelope-stream';
import { isAudioError } from '../audio/errors';
import { OutgoingStream } from '../audio/transfer-stream';
import { MessageStream } from './message-stream';
import { TransferReceiver } from '../audio/transfer-receiver';
import { type SenderOptions, TransferSender } from '../audio/transfer-sender';
import { STREAMED_TRANSFERS_SINCE, transferChunkSize } from '../firmware-sim/profile';
import type { Bond } from '../pairing/bond';
import { fromHex, toHex } from '../pairing/bytes';
import type { PairingCode } from '../pairing/code';
import { encodeGrant, parsePhoneKeys } from '../pairing/grant';
import { keyFingerprint } from '../pairing/identity';
import { encodeQrPayload } from '../pairing/qr';
import type { PartyKeys, PeerPublicKeys } from '../pairing/keys';
import type { PhoneConnection } from '../pairing/phone';
import {
  decodeSessionMessage,
  encodeSessionMessage,
  type MemberInfo,
  type RecordingInfo,
  type Request,
  type RequestError,
  type ResponseBody,
  type SessionMessage,
  type ToyEvent,
  type ToyStatus,
} from '../pairing/session-messages';
import type { Sodium } from '../pairing/sodium';
import { abortError } from './abort';
import { type FetchedRecording, openToyRecording, sealForToy } from './toy-recording';
import { ToyClientError, type ToyClientErrorCode } from './errors';
import type { GattLink } from './gatt-link';

export interface Progress {
  readonly bytesDone: number;
  readonly total: number;
}

export interface SealOptions {
  /** Encoding a WAV to Opus takes about a second per minute of audio: called with frames done of the total. */
  readonly onEncodeProgress?: (framesDone: number, frames: number) => void;
}

export interface TransferOptions {
  readonly onProgress?: (progress: Progress) => void;
  /** Gives up when nothing moves for this long. Default 15 s. */
  readonly stallMs?: number;
  /**
   * Cancels the transfer (ABORTED): the toy is told to drop what it has, so sending again
   * starts over. (A transfer cut by a lost link instead resumes.)
   */
  readonly signal?: AbortSignal;
}

export interface StreamOptions extends TransferOptions {
  /**
   * How the encoder gives the link its turn between slices of frames, told how long the slice
   * took: one event-loop turn by default. A benchmark on the realistic clock passes the clock's
   * sleep, so encoding takes simulated time as it would on a phone as fast as this machine.
   */
  readonly encodeYield?: (sliceMs: number) => Promise<void>;
  /** What a streamed envelope's bound allows for (client/message-stream.ts); see MessageStreamOptions. */
  readonly boundBitrate?: number;
}

/** Frames encoded between turns of the link: 0.2 s of audio, ~2 ms of encoding here. */
const FRAMES_PER_SLICE = 10;

export type { FetchedRecording } from './toy-recording';

export interface ToySessionEvents {
  'recording-added': [RecordingInfo];
  'message-played': [string];
  closed: [];
}

const REQUEST_TIMEOUT_MS = 10_000;

const REQUEST_ERROR_CODES: Record<RequestError, ToyClientErrorCode> = {
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  FLASH_FULL: 'TOY_FULL',
  BUSY: 'BUSY',
  BAD_REQUEST: 'PROTOCOL',
  STORAGE_ERROR: 'STORAGE_ERROR',
};

interface Pending<T> {
  resolve(value: T): void;
  reject(error: ToyClientError): void;
}

/** A phone the owner added by its keys: the bond the toy made, and the grant to hand that phone. */
export interface AddedMember {
  readonly bondId: string;
  /** The bond's destination key (also inside the grant): a remote invitation sends it on. */
  readonly destinationKey: Uint8Array;
  readonly grant: string;
}

export class ToySession extends EventEmitter<ToySessionEvents> {
  private nextId = 1;
  private readonly requests = new Map<number, Pending<ResponseBody> & { timer: NodeJS.Timeout }>();
  private upload: { sender: TransferSender; pending: Pending<string>; id: string; envelope: () => Uint8Array; options: TransferOptions } | undefined;
  private streams: Promise<boolean> | undefined;
  private download: { pending: Pending<Uint8Array>; options: TransferOptions } | undefined;
  private readonly receiver: TransferReceiver;
  private reset: Pending<void> | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private lastMovement = 0;
  private readonly abortCleanups: Array<() => void> = [];

  constructor(
    private readonly sodium: Sodium,
    private readonly link: GattLink,
    private readonly connection: PhoneConnection,
    readonly bond: Bond,
    private readonly keys: PartyKeys,
    private readonly now: () => number,
  ) {
    super();
    this.receiver = new TransferReceiver(sodium, { maxBytes: 1 << 20 });
    link.onFrame((frame) => this.onFrame(frame));
    link.onClose((reason) => this.onClosed(reason));
  }

  /** False from the moment the link is lost or closed (before `closed` is emitted). */
  get open(): boolean {
    return this.link.open;
  }

  // ---- requests ------------------------------------------------------------------------------

  async status(): Promise<ToyStatus> {
    return expect(await this.request({ command: 'status' }), 'status').status;
  }

  async listRecordings(): Promise<RecordingInfo[]> {
    return [...expect(await this.request({ command: 'list-recordings' }), 'list-recordings').recordings];
  }

  /**
   * The toy's "played" receipts for senders far away (each sealed for its sender alone, for a
   * bridge to post), oldest first, up to RECEIPTS_PER_TAKE at a time; `taken` (message ids as hex,
   * from the last answer) says which this phone now holds, and the toy erases those first. Call
   * again with what came until nothing comes: the last call confirms the last batch.
   */
  async takeReceipts(taken: readonly string[] = []): Promise<{ message: string; sealed: Uint8Array }[]> {
    const result = expect(await this.request({ command: 'take-receipts', taken: taken.map(recordingId) }), 'take-receipts');
    return result.receipts.map((r) => ({ message: toHex(r.message), sealed: r.receipt }));
  }

  async deleteRecording(id: RecordingInfo | Uint8Array | string): Promise<void> {
    await this.request({ command: 'delete-recording', id: recordingId(id) });
  }

  async members(): Promise<MemberInfo[]> {
    return [...expect(await this.request({ command: 'list-members' }), 'list-members').members];
  }

  /**
   * Owner only: asks the toy for a one-time code with which one more phone pairs as a member
   * within `validForMs` (no paw press needed: the owner's request opens the window).
   */
  async inviteMember(): Promise<{ validForMs: number; code: PairingCode; qr: string }> {
    const { validForMs, code } = expect(await this.request({ command: 'invite-member' }), 'invite-member');
    // The same payload as the tag's QR, with the one-time code, pinning the toy's keys as this phone knows them.
    const qr = encodeQrPayload({ toyId: this.bond.toyId, code, fingerprint: keyFingerprint(this.sodium, this.bond.peer) });
    return { validForMs, code, qr };
  }

  /**
   * Owner only: bonds a phone by its public keys (the `plushlink://phone?...` payload it shows),
   * as HomeKit's Add Pairing does: no code, no pairing window, nothing a stranger can race or lock.
   * Returns the membership grant (`plushlink://member?...`) to hand to that phone, which stores it
   * with ToyClient.acceptGrant() and then connects as a member.
   */
  async addMember(phoneKeys: string | PeerPublicKeys, label: string): Promise<AddedMember> {
    let keys: PeerPublicKeys;
    try {
      keys = typeof phoneKeys === 'string' ? parsePhoneKeys(phoneKeys) : phoneKeys;
    } catch (error) {
      throw new ToyClientError('BAD_INPUT', `not a phone's keys: ${(error as Error).message}`, { cause: error });
    }
    const { bondId, destinationKey } = expect(await this.request({ command: 'add-member', keys, label }), 'add-member');
    return { bondId, destinationKey, grant: encodeGrant({ toyId: this.bond.toyId, bondId, toy: this.bond.peer, destinationKey }) };
  }

  /** The owner removes anyone; a member only itself. */
  async removeMember(bondId: string): Promise<void> {
    await this.request({ command: 'remove-member', bondId });
  }

  async setVolume(level: number): Promise<void> {
    if (!Number.isInteger(level) || level < 0 || level > 100) throw new ToyClientError('BAD_INPUT', `volume ${level} is not 0..100`);
    await this.request({ command: 'set-volume', level });
  }

  /**
   * Owner only: asks the toy to erase everything. Resolves once someone pressed the toy's paw to
   * confirm (the toy then drops the link); PAW_TIMEOUT if nobody did.
   */
  async factoryReset(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    const done = new Promise<void>((resolve, reject) => (this.reset = { resolve, reject }));
    const { signal } = options;
    const onAbort = (): void => {
      this.reset?.reject(abortError(signal!));
      this.reset = undefined;
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    void done.then(
      () => signal?.removeEventListener('abort', onAbort),
      () => signal?.removeEventListener('abort', onAbort),
    );
    try {
      await this.request({ command: 'factory-reset' });
    } catch (error) {
      // Refused (a member asking, say): nothing is pending, and nobody will wait on `done`.
      this.reset = undefined;
      done.catch(() => undefined);
      throw error;
    }
    return done;
  }

  /** Hangs up. Always settles, even when the toy or the radio is already gone. */
  async disconnect(): Promise<void> {
    await this.link.close();
  }

  private request(request: Request): Promise<ResponseBody> {
    if (!this.link.open) return Promise.reject(new ToyClientError('LINK_LOST', 'the link to the toy is down'));
    const id = this.nextId;
    this.nextId = (this.nextId % 0xffff) + 1;
    return new Promise<ResponseBody>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(id);
        reject(new ToyClientError('TIMEOUT', `the toy did not answer "${request.command}" within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.requests.set(id, { resolve, reject, timer });
      this.send({ kind: 'request', id, request });
    });
  }

  private send(message: SessionMessage): void {
    this.link.sendFrame(this.connection.send(encodeSessionMessage(message)));
  }

  // ---- voice messages up -----------------------------------------------------------------------

  /**
   * Seals a WAV or Ogg Opus recording for the toy and sends it. Resolves with its id once stored.
   * A WAV is encoded while it is sent (a streamed envelope, version 4) when the toy takes streamed
   * transfers; otherwise, and for Ogg Opus, the envelope is sealed whole first (version 3).
   */
  async sendMessage(recording: Uint8Array, options: StreamOptions = {}): Promise<string> {
    // The recording sealed whole (version 3): for Ogg input, older toys, and the fallbacks below.
    const whole = (): Promise<string> => this.sendSealed(this.sealMessage(recording), options);
    if (!isWav(recording) || !(await this.takesStreams())) return whole();
    let message: MessageStream;
    try {
      message = new MessageStream(this.sodium, recording, this.keys, this.bond.peer, this.now(), options.boundBitrate === undefined ? {} : { boundBitrate: options.boundBitrate });
    } catch (error) {
      if (isAudioError(error)) throw new ToyClientError('BAD_INPUT', error.message, { cause: error });
      throw error;
    }
    const sender = new TransferSender(this.sodium, message.outgoing, this.senderOptions());
    const sent = this.startUpload(sender, toHex(message.id), () => message.envelope(), options);
    // Settled while the encoder still runs (a lost link, a refusal): awaited below, not unhandled.
    sent.catch(() => undefined);
    const pace = options.encodeYield ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
    try {
      while (!message.done && this.upload?.sender === sender) {
        const before = message.encodeMs;
        message.encode(FRAMES_PER_SLICE);
        this.pumpUpload(sender.more());
        await pace(message.encodeMs - before);
      }
    } catch (error) {
      // The encoder stopped: the toy drops the stream. Audio louder than the bound allows for
      // (twice the voice bitrate) goes again whole; anything else fails the send.
      const tooLarge = isAudioError(error) && error.code === 'TOO_LARGE';
      const failure = new ToyClientError('BAD_INPUT', tooLarge ? 'the audio outgrew the streamed envelope' : `the recording could not be encoded: ${(error as Error).message}`, { cause: error });
      if (this.upload?.sender === sender) {
        if (this.link.open) this.pumpUploadMessages(sender.cancel());
        this.finishUpload(failure);
      }
      if (!tooLarge) throw failure;
      return whole();
    } finally {
      // Frees the encoder of a send that ended before its last frame (aborted, refused).
      message.close();
    }
    try {
      return await sent;
    } catch (error) {
      // The stream's bound (twice the voice bitrate) did not fit the toy's free flash; the
      // envelope itself may: send it whole, sized exactly.
      if (!(error instanceof ToyClientError && error.code === 'TOY_FULL')) throw error;
      return whole();
    }
  }

  /** Whether the toy takes streamed transfers (its info's protocol version), asked once a session. */
  private takesStreams(): Promise<boolean> {
    this.streams ??= this.link.readInfo().then(
      (info) => info.protocol >= STREAMED_TRANSFERS_SINCE,
      () => false,
    );
    return this.streams;
  }

  /**
   * Seals a WAV or Ogg Opus recording for this toy alone (signed by this phone), without sending
   * it: keep the envelope to resume with sendSealed() after an interruption, even in a new process.
   */
  sealMessage(recording: Uint8Array, options: SealOptions = {}): Uint8Array {
    return sealForToy(this.sodium, recording, this.keys, this.bond.peer, this.now(), options.onEncodeProgress).envelope;
  }

  /**
   * Sends an already sealed message: after TRANSFER_INTERRUPTED, pass `error.details.envelope`
   * on a new session and the toy resumes from the last chunk it acknowledged.
   */
  sendSealed(envelope: Uint8Array, options: TransferOptions = {}): Promise<string> {
    if (this.upload) return Promise.reject(new ToyClientError('BUSY', 'a message is already being sent on this session'));
    let id: string;
    try {
      id = toHex(readEnvelopeHeader(envelope).id);
    } catch (error) {
      return Promise.reject(new ToyClientError('BAD_INPUT', `not a sealed voice message: ${(error as Error).message}`, { cause: error }));
    }
    const header = readEnvelopeHeader(envelope);
    if (header.version !== STREAM_ENVELOPE_VERSION) return this.startUpload(new TransferSender(this.sodium, envelope, this.senderOptions()), id, () => envelope, options);
    // A streamed envelope resumes as the stream it was: same head and bound, now ended. Only a
    // toy that takes streams can take it (an older one would not even answer its OPEN).
    return this.takesStreams().then((streams) => {
      if (!streams) throw new ToyClientError('PROTOCOL', 'this toy predates streamed envelopes (version 4): send the recording again with sendMessage()');
      if (header.bodyLength === 0) throw new ToyClientError('BAD_INPUT', 'not a sealed voice message: a streamed envelope without a body');
      const stream = new OutgoingStream(this.sodium, envelope.subarray(0, envelope.length - header.bodyLength), Math.max(1, header.maxBodyLength ?? 0));
      stream.append(envelope.subarray(envelope.length - header.bodyLength));
      stream.end();
      return this.startUpload(new TransferSender(this.sodium, stream, this.senderOptions()), id, () => envelope, options);
    });
  }

  private senderOptions(): SenderOptions {
    return { chunkSize: transferChunkSize(this.link.attPayload), window: 16 };
  }

  private startUpload(sender: TransferSender, id: string, envelope: () => Uint8Array, options: TransferOptions): Promise<string> {
    if (this.upload) return Promise.reject(new ToyClientError('BUSY', 'a message is already being sent on this session'));
    if (!this.link.open) return Promise.reject(new ToyClientError('LINK_LOST', 'the link to the toy is down'));
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    return new Promise<string>((resolve, reject) => {
      this.upload = { sender, pending: { resolve, reject }, id, envelope, options };
      this.lastMovement = Date.now();
      this.startTicker();
      this.onAbort(options.signal, () => {
        if (this.upload?.sender !== sender) return;
        if (this.link.open) this.pumpUploadMessages(sender.cancel());
        this.finishUpload(abortError(options.signal!));
      });
      this.pumpUpload(sender.connect(this.now()));
    });
  }

  /** Runs `cancel` if `signal` fires while the call is pending; forgets it once the call settles. */
  private onAbort(signal: AbortSignal | undefined, cancel: () => void): void {
    if (!signal) return;
    signal.addEventListener('abort', cancel, { once: true });
    this.abortCleanups.push(() => signal.removeEventListener('abort', cancel));
  }

  private pumpUploadMessages(out: ReturnType<TransferSender['cancel']>): void {
    for (const m of out.messages) this.send({ kind: 'transfer', stream: 'upload', message: m });
  }

  private pumpUpload(out: ReturnType<TransferSender['receive']>): void {
    const upload = this.upload;
    if (!upload) return;
    this.pumpUploadMessages(out);
    for (const event of out.events) {
      if (event.type === 'progress') {
        this.lastMovement = Date.now();
        // A stream's head travels in its OPEN: progress counts it, so totals are envelope bytes.
        const head = upload.sender.head;
        upload.options.onProgress?.({ bytesDone: event.bytesDone + head, total: event.total + head });
      } else if (event.type === 'failed') {
        this.finishUpload(new ToyClientError('TRANSFER_INTERRUPTED', `sending stopped: ${event.error.message}`, { resumable: false, envelope: upload.envelope() }));
      }
      // 'complete' means every byte arrived intact; the toy's message-stored event settles it.
    }
  }

  private finishUpload(result: ToyClientError | string): void {
    const upload = this.upload;
    if (!upload) return;
    this.upload = undefined;
    this.settledTransfer();
    if (typeof result === 'string') upload.pending.resolve(result);
    else upload.pending.reject(result);
  }

  // ---- recordings down -------------------------------------------------------------------------

  /**
   * Fetches a recording (an entry of listRecordings(), or its id as hex or bytes), checks it was
   * sealed by this toy for this phone, and returns its audio.
   */
  async fetchRecording(recording: RecordingInfo | Uint8Array | string, options: TransferOptions = {}): Promise<FetchedRecording> {
    return openToyRecording(this.sodium, await this.fetchSealedRecording(recording, options), this.keys, this.bond.peer);
  }

  /**
   * A recording as the toy sealed it for all its phones, unopened: what a bridge posts to the
   * family relay for the members far away.
   */
  async fetchSealedRecording(recording: RecordingInfo | Uint8Array | string, options: TransferOptions = {}): Promise<Uint8Array> {
    if (this.download) throw new ToyClientError('BUSY', 'a recording is already being fetched on this session');
    if (options.signal?.aborted) throw abortError(options.signal);
    const id = recordingId(recording);
    const arrived = new Promise<Uint8Array>((resolve, reject) => (this.download = { pending: { resolve, reject }, options }));
    this.lastMovement = Date.now();
    this.startTicker();
    this.onAbort(options.signal, () => {
      const download = this.download;
      if (!download) return;
      this.download = undefined;
      this.settledTransfer();
      if (this.link.open) for (const m of this.receiver.cancel().messages) this.send({ kind: 'transfer', stream: 'download', message: m });
      download.pending.reject(abortError(options.signal!));
    });
    try {
      await this.request({ command: 'fetch-recording', id });
    } catch (error) {
      this.download = undefined;
      this.settledTransfer();
      arrived.catch(() => undefined);
      throw error;
    }
    return arrived;
  }

  private onDownloadMessage(bytes: Uint8Array): void {
    const out = this.receiver.receive(bytes);
    for (const m of out.messages) this.send({ kind: 'transfer', stream: 'download', message: m });
    const download = this.download;
    for (const event of out.events) {
      if (!download) continue;
      if (event.type === 'progress' || event.type === 'offer') {
        this.lastMovement = Date.now();
        download.options.onProgress?.({ bytesDone: event.bytesDone, total: event.total });
      } else if (event.type === 'complete') {
        this.download = undefined;
        this.settledTransfer();
        download.pending.resolve(event.envelope);
      } else if (event.type === 'failed') {
        this.download = undefined;
        this.settledTransfer();
        download.pending.reject(new ToyClientError('TRANSFER_INTERRUPTED', `fetching stopped: ${event.error.message}`, { resumable: false }));
      }
    }
  }

  // ---- frames in -------------------------------------------------------------------------------

  private onFrame(frame: Uint8Array): void {
    const out = this.connection.receive(frame, this.now());
    for (const f of out.send) this.link.sendFrame(f);
    for (const event of out.events) {
      if (event.type !== 'message') continue;
      let message: SessionMessage;
      try {
        message = decodeSessionMessage(event.plaintext);
      } catch {
        continue; // authenticated but not understood: a newer toy; nothing to act on
      }
      this.onMessage(message);
    }
  }

  private onMessage(message: SessionMessage): void {
    switch (message.kind) {
      case 'response':
      case 'error': {
        const pending = this.requests.get(message.id);
        if (!pending) return;
        this.requests.delete(message.id);
        clearTimeout(pending.timer);
        if (message.kind === 'response') pending.resolve(message.result);
        else pending.reject(new ToyClientError(REQUEST_ERROR_CODES[message.error], `the toy refused: ${message.detail}`));
        return;
      }
      case 'event':
        this.onEvent(message.event);
        return;
      case 'transfer':
        if (message.stream === 'upload' && this.upload) this.pumpUpload(this.upload.sender.receive(message.message, this.now()));
        else if (message.stream === 'download') this.onDownloadMessage(message.message);
        return;
      case 'request':
        return; // toys do not ask phones anything
    }
  }

  private onEvent(event: ToyEvent): void {
    switch (event.event) {
      case 'recording-added':
        this.emit('recording-added', event.recording);
        return;
      case 'message-played':
        this.emit('message-played', toHex(event.id));
        return;
      case 'message-stored':
        if (this.upload && toHex(event.id) === this.upload.id) this.finishUpload(this.upload.id);
        return;
      case 'message-rejected':
        this.finishUpload(
          event.reason === 'FLASH_FULL'
            ? new ToyClientError('TOY_FULL', "the toy's flash is full: delete recordings or messages first")
            : event.reason === 'STORAGE_ERROR'
              ? new ToyClientError('STORAGE_ERROR', "the toy's storage failed to keep the message (ask its status for why); it was not stored")
              : new ToyClientError('MESSAGE_REFUSED', `the toy refused the message (${event.reason})`),
        );
        return;
      case 'reset-done':
        this.reset?.resolve();
        this.reset = undefined;
        return;
      case 'reset-cancelled':
        this.reset?.reject(new ToyClientError('PAW_TIMEOUT', "nobody pressed the toy's paw to confirm the factory reset"));
        this.reset = undefined;
        return;
      case 'reset-failed':
        this.reset?.reject(new ToyClientError('STORAGE_ERROR', "the toy's storage failed: the factory reset could not begin, nothing was erased"));
        this.reset = undefined;
        return;
    }
  }

  // ---- time and the link going away ------------------------------------------------------------

  /** While a transfer is pending, its stall clock also keeps the process alive until it settles. */
  private startTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), 250).ref();
  }

  /** A transfer settled: its AbortSignal listeners go (when none is left pending). */
  private settledTransfer(): void {
    if (this.upload || this.download) return;
    for (const cleanup of this.abortCleanups.splice(0)) cleanup();
  }

  private tick(): void {
    if (this.upload) this.pumpUpload(this.upload.sender.tick(this.now()));
    const stalled = (options: TransferOptions): boolean => Date.now() - this.lastMovement > (options.stallMs ?? 15_000);
    if (this.upload && stalled(this.upload.options)) {
      this.finishUpload(new ToyClientError('TRANSFER_INTERRUPTED', 'the toy stopped taking the message', { resumable: true, envelope: this.upload.envelope() }));
    }
    if (this.download && stalled(this.download.options)) {
      const { pending } = this.download;
      this.download = undefined;
      this.settledTransfer();
      pending.reject(new ToyClientError('TRANSFER_INTERRUPTED', 'the toy stopped sending the recording', { resumable: false }));
    }
    if (!this.upload && !this.download && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private onClosed(reason: ToyClientError): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.connection.close();
    const lost = (): ToyClientError => new ToyClientError('LINK_LOST', reason.message, { cause: reason.cause });
    for (const [id, pending] of this.requests) {
      clearTimeout(pending.timer);
      pending.reject(lost());
      this.requests.delete(id);
    }
    if (this.upload) {
      this.upload.sender.disconnect();
      this.finishUpload(new ToyClientError('TRANSFER_INTERRUPTED', 'the link dropped while sending; send the envelope again to resume', { resumable: true, envelope: this.upload.envelope(), cause: lost() }));
    }
    if (this.download) {
      const { pending } = this.download;
      this.download = undefined;
      pending.reject(new ToyClientError('TRANSFER_INTERRUPTED', 'the link dropped while fetching; fetch again', { resumable: false, cause: lost() }));
    }
    this.settledTransfer();
    this.reset?.reject(lost());
    this.reset = undefined;
    this.emit('closed');
  }
}

function expect<C extends ResponseBody['command']>(body: ResponseBody, command: C): Extract<ResponseBody, { command: C }> {
  if (body.command !== command) throw new ToyClientError('PROTOCOL', `asked for ${command}, the toy answered ${body.command}`);
  return body as Extract<ResponseBody, { command: C }>;
}

function recordingId(recording: RecordingInfo | Uint8Array | string): Uint8Array {
  const id = typeof recording === 'string' || recording instanceof Uint8Array ? recording : recording.id;
  if (id instanceof Uint8Array) {
    if (id.length !== 16) throw new ToyClientError('BAD_INPUT', `a recording id is 16 bytes, not ${id.length}`);
    return id;
  }
  try {
    return fromHex(id, 16);
  } catch {
    throw new ToyClientError('BAD_INPUT', `"${id}" is not a recording id (32 hex digits)`);
  }
}
