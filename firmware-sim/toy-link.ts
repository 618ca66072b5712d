// One BLE connection to the toy: fragments in from the write characteristic, fragments out as
// notifications. Until a session exists only pairing and session-hello frames get an answer;
// afterwards every request is checked against the phone's role before the toy acts on it.
import { TransferSender } from '../audio/transfer-sender';
import { transferChunkSize } from './profile';
import type { Bond } from '../pairing/bond';
import type { ToyConnection } from '../pairing/toy';
import { PairingError, isPairingError } from '../pairing/errors';
import { fragment, Reassembler } from '../pairing/fragment';
import { decodeSessionMessage, encodeSessionMessage, type Request, type RequestError, type ResponseBody, type SessionMessage } from '../pairing/session-messages';
import { storageOutcome } from './storage-guard';
import type { ToyFirmware } from './firmware';

/** What the toy needs from the GATT layer for one connection. */
export interface LinkPort {
  /** Largest notification payload (ATT MTU - 3). */
  readonly attPayload: number;
  notify(fragment: Uint8Array): void;
  disconnect(): void;
}

/** Largest frame the toy reassembles: bounds memory per connection whatever a central sends. */
export const MAX_FRAME_BYTES = 4096;

export class RequestRefused extends Error {
  constructor(
    readonly reason: RequestError,
    message: string,
  ) {
    super(message);
  }
}

export class ToyLink {
  private readonly reassembler = new Reassembler(MAX_FRAME_BYTES);
  private readonly connection: ToyConnection;
  private download: TransferSender | undefined;
  private downloadId: Uint8Array | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private open = true;
  private readonly afterResponse: Array<() => void> = [];
  private handshakeTimer: NodeJS.Timeout | undefined;
  private dropping = false;

  constructor(
    private readonly toy: ToyFirmware,
    private readonly port: LinkPort,
  ) {
    this.connection = toy.pairing.connect();
    // A central that has no session by then is dropped: a replayed SESSION_HELLO (or a stranger
    // who just sits there) holds the toy, which serves one phone at a time, only this long.
    // (A method, not a closure per link: links come and go with every fuzz input.)
    this.handshakeTimer = setTimeout(ToyLink.handshakeTimedOut, toy.handshakeTimeoutMs, this);
    this.handshakeTimer.unref();
  }

  private static handshakeTimedOut(link: ToyLink): void {
    link.handshakeTimer = undefined;
    if (link.connection.state === 'established' || !link.open) return;
    link.toy.log(`link: no session within ${link.toy.handshakeTimeoutMs} ms, disconnecting`);
    link.disconnect();
  }

  get bond(): Bond | undefined {
    return this.connection.state === 'established' ? this.connection.bond : undefined;
  }

  /** A write from the central. Never throws: bad bytes from the air are refused or dropped. */
  receive(data: Uint8Array): void {
    if (!this.open) return;
    this.toy.battery.radio(data.length);
    let frame: Uint8Array | undefined;
    try {
      frame = this.reassembler.push(data);
    } catch (error) {
      // A malformed or oversized fragment stream: the reassembler has reset; nothing was delivered.
      this.toy.log(`link: fragment refused (${(error as Error).message})`);
      return;
    }
    if (!frame) return;
    let out: ReturnType<ToyConnection['receive']>;
    try {
      out = this.connection.receive(frame, this.toy.now());
    } catch (error) {
      // Storing a new bond failed (a full or read-only disk): this pairing fails, the toy stays on.
      if (!storageOutcome(error)) throw error;
      this.toy.log(`link: storage failed while pairing, closing the link (${(error as Error).message})`);
      this.disconnect();
      return;
    }
    for (const event of out.events) {
      if (event.type === 'policy-changed') this.toy.persistPolicy(event.policy);
      else if (event.type === 'paired') this.toy.onPaired(event.bond);
      else if (event.type === 'established') this.toy.onSessionOpened(this, event.bond);
      else if (event.type === 'rejected') this.toy.log(`link: ${event.error.code} ${event.error.message}${event.fatal ? ' (fatal)' : ''}`);
    }
    for (const f of out.send) this.sendFrame(f);
    for (const event of out.events) if (event.type === 'message') this.onSessionMessage(event.plaintext);
    if (this.connection.state === 'failed') this.toy.afterFatal(this);
  }

  /** The connection ended (either side, or the link was lost). */
  closed(): void {
    if (!this.open) return;
    this.open = false;
    clearTimeout(this.handshakeTimer);
    this.stopTicker();
    this.download?.disconnect();
    this.connection.close();
    this.toy.onLinkClosed(this);
  }

  disconnect(): void {
    // Asked once: every fragment still arriving from a central being dropped (its writes were
    // already on the air) would otherwise send the controller another Disconnect.
    if (this.dropping) return;
    this.dropping = true;
    this.port.disconnect();
  }

  send(message: SessionMessage): void {
    if (!this.open || this.connection.state !== 'established') return;
    let frame: Uint8Array;
    try {
      frame = this.connection.send(encodeSessionMessage(message));
    } catch (error) {
      // The bond behind this session was removed: nothing more may be said on it.
      if (!isPairingError(error) || error.code !== 'UNKNOWN_BOND') throw error;
      this.toy.log(`link: bond gone, closing the session (${error.message})`);
      this.disconnect();
      return;
    }
    this.sendFrame(frame);
  }

  /** Runs `action` once the answer to the request being handled has been sent. */
  afterRespond(action: () => void): void {
    this.afterResponse.push(action);
  }

  private sendFrame(frame: Uint8Array): void {
    this.toy.battery.radio(frame.length);
    for (const piece of fragment(frame, this.port.attPayload)) this.port.notify(piece);
  }

  private onSessionMessage(plaintext: Uint8Array): void {
    let message: SessionMessage;
    try {
      message = decodeSessionMessage(plaintext);
    } catch (error) {
      this.toy.log(`link: undecodable session message (${(error as Error).message})`);
      return;
    }
    if (message.kind === 'request') this.onRequest(message.id, message.request);
    else if (message.kind === 'transfer' && message.stream === 'upload') this.toy.onUpload(this, message.message);
    else if (message.kind === 'transfer' && message.stream === 'download') this.onDownloadMessage(message.message);
    else this.toy.log(`link: a phone sent a ${message.kind} message, ignored`);
  }

  private onRequest(id: number, request: Request): void {
    const bond = this.bond!;
    try {
      const result = this.toy.handleRequest(this, bond, request);
      this.send({ kind: 'response', id, result });
      for (const action of this.afterResponse.splice(0)) action();
    } catch (error) {
      this.afterResponse.length = 0;
      const refused = asRefusal(error);
      if (!refused) throw error;
      this.send({ kind: 'error', id, error: refused.reason, detail: refused.message });
    }
  }

  /** Starts sending a sealed recording down to the phone. */
  startDownload(envelope: Uint8Array, id: Uint8Array): ResponseBody {
    if (this.download && this.download.phase !== 'done' && this.download.phase !== 'failed') {
      throw new RequestRefused('BUSY', 'a recording is already being sent on this connection');
    }
    this.download = new TransferSender(this.toy.sodium, envelope, { chunkSize: transferChunkSize(this.port.attPayload), window: 16 });
    this.downloadId = id;
    const out = this.download.connect(this.toy.now());
    for (const m of out.messages) this.send({ kind: 'transfer', stream: 'download', message: m });
    this.startTicker();
    return { command: 'fetch-recording', bytes: envelope.length };
  }

  private onDownloadMessage(bytes: Uint8Array): void {
    if (!this.download) return;
    const out = this.download.receive(bytes, this.toy.now());
    for (const m of out.messages) this.send({ kind: 'transfer', stream: 'download', message: m });
    if (this.download.phase === 'done' || this.download.phase === 'failed') this.stopTicker();
    const bond = this.bond;
    if (this.download.phase === 'done' && this.downloadId && bond) {
      const id = this.downloadId;
      this.downloadId = undefined;
      this.toy.onRecordingDelivered(bond, id);
    }
  }

  /** Sends upload-stream replies (the toy is the receiver there). */
  sendUpload(messages: readonly Uint8Array[]): void {
    for (const m of messages) this.send({ kind: 'transfer', stream: 'upload', message: m });
  }

  private startTicker(): void {
    if (this.ticker) return;
    // Retransmission polls only matter while a download runs; the timer never holds the process.
    this.ticker = setInterval(() => {
      if (!this.download) return;
      const out = this.download.tick(this.toy.now());
      for (const m of out.messages) this.send({ kind: 'transfer', stream: 'download', message: m });
    }, 250);
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  toString(): string {
    const bond = this.bond;
    return bond ? `link(${bond.role} ${bond.bondId})` : 'link(unauthenticated)';
  }
}

/** How the link answers an error from a request: a typed refusal, or undefined for a bug. */
export function asRefusal(error: unknown): RequestRefused | undefined {
  if (error instanceof RequestRefused) return error;
  // A full or failing disk is an answer to the phone (TOY_FULL, STORAGE_ERROR with the reason), not a fault.
  const storage = storageOutcome(error);
  if (storage) return new RequestRefused(storage, (error as Error).message);
  if (isPairingError(error)) {
    const reason = (error as PairingError).code === 'NOT_OWNER' ? 'FORBIDDEN' : 'BAD_REQUEST';
    return new RequestRefused(reason, error.message);
  }
  return undefined;
}
