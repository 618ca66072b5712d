// What rides inside an established session (docs/PROTOCOL.md, "Session messages"): a phone's
// requests and the toy's responses, the toy's unsolicited events, and audio transfer messages
// on two streams (voice messages up to the toy, recordings down to the phone). Binary, so a C
// firmware can parse it; every decoder failure is a PairingError('MALFORMED').
import { ByteReader, concat, fixedBytes, u16le, u64le, utf8 } from './bytes';
import { PairingError } from './errors';
import { type JoinMethod, type Role, DESTINATION_KEY_BYTES, JOIN_METHODS } from './bond';
import { CODE_LENGTH, type PairingCode, parsePairingCode } from './code';
import type { PeerPublicKeys } from './keys';

export const RECORDING_ID_BYTES = 16;

export type TransferStream = 'upload' | 'download';

export interface RecordingInfo {
  readonly id: Uint8Array;
  readonly bytes: number;
  readonly createdAt: number;
}

export interface MemberInfo {
  readonly bondId: string;
  readonly role: Role;
  /** When and how the phone joined. */
  readonly createdAt: number;
  readonly joined: JoinMethod;
  readonly label: string;
}

export interface ToyStatus {
  readonly batteryPercent: number;
  readonly storageUsedBytes: number;
  readonly storageCapacityBytes: number;
  readonly volume: number;
  readonly recordings: number;
  readonly messages: number;
  /** The role of the phone asking. */
  readonly role: Role;
  /** 'ok', or why the toy runs degraded: its disk is full, read-only, or failing. */
  readonly storage: StorageHealth;
  /** Stored records that failed their check and were moved aside since the toy booted. */
  readonly quarantinedRecords: number;
}

export const STORAGE_HEALTH = ['ok', 'full', 'read-only', 'failing'] as const;
export type StorageHealth = (typeof STORAGE_HEALTH)[number];

export type Request =
  | { readonly command: 'status' }
  | { readonly command: 'list-recordings' }
  | { readonly command: 'fetch-recording'; readonly id: Uint8Array }
  | { readonly command: 'delete-recording'; readonly id: Uint8Array }
  | { readonly command: 'list-members' }
  | { readonly command: 'invite-member' }
  | { readonly command: 'remove-member'; readonly bondId: string }
  | { readonly command: 'factory-reset' }
  | { readonly command: 'set-volume'; readonly level: number }
  /** Owner only: bond a phone by its public keys (pairing/grant.ts). */
  | { readonly command: 'add-member'; readonly keys: PeerPublicKeys; readonly label: string }
  /**
   * Any phone (a bridge): the "played" receipts the toy keeps for far-away senders
   * (audio/receipt.ts), after erasing those `taken` names (the ones the last answer gave).
   */
  | { readonly command: 'take-receipts'; readonly taken: readonly Uint8Array[] };

/** A "played" receipt the toy keeps until a bridge takes it: the played message's id and the sealed receipt. */
export interface KeptReceipt {
  readonly message: Uint8Array;
  readonly receipt: Uint8Array;
}

/** Receipts in one take-receipts answer (and ids in one request): 8 of about 300 bytes fit a frame. */
export const RECEIPTS_PER_TAKE = 8;

export type ResponseBody =
  | { readonly command: 'status'; readonly status: ToyStatus }
  | { readonly command: 'list-recordings'; readonly recordings: readonly RecordingInfo[] }
  | { readonly command: 'fetch-recording'; readonly bytes: number }
  | { readonly command: 'list-members'; readonly members: readonly MemberInfo[] }
  /** A one-time code for one more phone; `validForMs` from now. */
  | { readonly command: 'invite-member'; readonly validForMs: number; readonly code: PairingCode }
  | { readonly command: 'factory-reset'; readonly pawWithinMs: number }
  /** The new bond: its id, and its destination key for the grant (pairing/grant.ts). */
  | { readonly command: 'add-member'; readonly bondId: string; readonly destinationKey: Uint8Array }
  | { readonly command: 'take-receipts'; readonly receipts: readonly KeptReceipt[] }
  | { readonly command: 'delete-recording' | 'remove-member' | 'set-volume' };

/** Why the toy refused a request; a client turns these into typed errors. */
export const REQUEST_ERRORS = ['FORBIDDEN', 'NOT_FOUND', 'FLASH_FULL', 'BUSY', 'BAD_REQUEST', 'STORAGE_ERROR'] as const;
export type RequestError = (typeof REQUEST_ERRORS)[number];

export type ToyEvent =
  | { readonly event: 'recording-added'; readonly recording: RecordingInfo }
  | { readonly event: 'message-stored'; readonly id: Uint8Array }
  | { readonly event: 'message-rejected'; readonly reason: MessageRejection }
  | { readonly event: 'message-played'; readonly id: Uint8Array }
  | { readonly event: 'reset-done' }
  | { readonly event: 'reset-cancelled' }
  /** The paw confirmed the reset but the toy's storage failed before it could begin. */
  | { readonly event: 'reset-failed' };

export const MESSAGE_REJECTIONS = ['FLASH_FULL', 'NOT_FOR_THIS_TOY', 'UNKNOWN_SENDER', 'REPLAYED', 'CORRUPT', 'STORAGE_ERROR'] as const;
export type MessageRejection = (typeof MESSAGE_REJECTIONS)[number];

export type SessionMessage =
  | { readonly kind: 'request'; readonly id: number; readonly request: Request }
  | { readonly kind: 'response'; readonly id: number; readonly result: ResponseBody }
  | { readonly kind: 'error'; readonly id: number; readonly error: RequestError; readonly detail: string }
  | { readonly kind: 'event'; readonly event: ToyEvent }
  | { readonly kind: 'transfer'; readonly stream: TransferStream; readonly message: Uint8Array };

const KIND = { request: 1, response: 2, error: 3, event: 4, transfer: 5 } as const;
const COMMANDS = ['status', 'list-recordings', 'fetch-recording', 'delete-recording', 'list-members', 'invite-member', 'remove-member', 'factory-reset', 'set-volume', 'add-member', 'take-receipts'] as const;
const EVENTS = ['recording-added', 'message-stored', 'message-rejected', 'message-played', 'reset-done', 'reset-cancelled', 'reset-failed'] as const;
const STREAMS: readonly TransferStream[] = ['upload', 'download'];
const ROLES: readonly Role[] = ['owner', 'member'];

const u8 = (n: number): Uint8Array => Uint8Array.of(n);
const u32le = (n: number): Uint8Array => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
const time = (ms: number): Uint8Array => u64le(BigInt(Math.max(0, Math.floor(ms))));
const short = (text: string): Uint8Array => {
  const bytes = utf8(text).subarray(0, 255);
  return concat(u8(bytes.length), bytes);
};
const indexOf = <T>(list: readonly T[], value: T): number => list.indexOf(value) + 1;

function pick<T>(list: readonly T[], code: number, what: string): T {
  const value = list[code - 1];
  if (value === undefined) throw new PairingError('MALFORMED', `unknown ${what} ${code}`);
  return value;
}

function u32(r: ByteReader): number {
  return r.u16() + r.u16() * 0x10000;
}

function readTime(r: ByteReader): number {
  const value = r.u64();
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new PairingError('MALFORMED', 'time out of range');
  return Number(value);
}

function readText(r: ByteReader): string {
  try {
    // ignoreBOM: a leading U+FEFF is part of the text; stripping it would make two byte strings
    // one message (a remove-member for "\uFEFF<id>" would name <id>).
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(r.shortBytes());
  } catch (error) {
    if (error instanceof PairingError) throw error;
    throw new PairingError('MALFORMED', 'text is not UTF-8');
  }
}

function readCode(r: ByteReader): PairingCode {
  const digits = new TextDecoder().decode(r.bytesOf(CODE_LENGTH));
  try {
    return parsePairingCode(digits);
  } catch {
    throw new PairingError('MALFORMED', 'invitation code');
  }
}

function encodeRecording(info: RecordingInfo): Uint8Array {
  return concat(info.id, u32le(info.bytes), time(info.createdAt));
}

function readRecording(r: ByteReader): RecordingInfo {
  return { id: r.bytesOf(RECORDING_ID_BYTES), bytes: u32(r), createdAt: readTime(r) };
}

function encodeRequest(request: Request): Uint8Array {
  const head = u8(indexOf(COMMANDS, request.command));
  switch (request.command) {
    case 'fetch-recording':
    case 'delete-recording':
      return concat(head, request.id);
    case 'remove-member':
      return concat(head, short(request.bondId));
    case 'set-volume':
      return concat(head, u8(request.level));
    case 'add-member':
      return concat(head, request.keys.static, request.keys.envelope, request.keys.signing, short(request.label));
    case 'take-receipts':
      return concat(head, u8(request.taken.length), ...request.taken);
    default:
      return head;
  }
}

function readRequest(r: ByteReader): Request {
  const command = pick(COMMANDS, r.u8(), 'command');
  switch (command) {
    case 'fetch-recording':
    case 'delete-recording':
      return { command, id: r.bytesOf(RECORDING_ID_BYTES) };
    case 'remove-member':
      return { command, bondId: readText(r) };
    case 'set-volume': {
      const level = r.u8();
      if (level > 100) throw new PairingError('MALFORMED', `volume ${level} above 100`);
      return { command, level };
    }
    case 'add-member':
      return { command, keys: { static: r.bytesOf(32), envelope: r.bytesOf(32), signing: r.bytesOf(32) }, label: readText(r) };
    case 'take-receipts':
      return { command, taken: Array.from({ length: receiptCount(r) }, () => r.bytesOf(RECORDING_ID_BYTES)) };
    default:
      return { command };
  }
}

function encodeResponse(result: ResponseBody): Uint8Array {
  const head = u8(indexOf(COMMANDS, result.command));
  switch (result.command) {
    case 'status': {
      const s = result.status;
      return concat(head, u8(s.batteryPercent), u32le(s.storageUsedBytes), u32le(s.storageCapacityBytes), u8(s.volume), u16le(s.recordings), u16le(s.messages), u8(indexOf(ROLES, s.role)), u8(indexOf(STORAGE_HEALTH, s.storage)), u16le(Math.min(0xffff, s.quarantinedRecords)));
    }
    case 'list-recordings':
      return concat(head, u16le(result.recordings.length), ...result.recordings.map(encodeRecording));
    case 'fetch-recording':
      return concat(head, u32le(result.bytes));
    case 'list-members':
      return concat(
        head,
        u8(result.members.length),
        ...result.members.map((m) => concat(short(m.bondId), u8(indexOf(ROLES, m.role)), time(m.createdAt), u8(indexOf(JOIN_METHODS, m.joined)), short(m.label))),
      );
    case 'invite-member':
      return concat(head, u32le(result.validForMs), utf8(result.code));
    case 'factory-reset':
      return concat(head, u32le(result.pawWithinMs));
    case 'add-member':
      return concat(head, short(result.bondId), fixedBytes(result.destinationKey, DESTINATION_KEY_BYTES, 'destination key'));
    case 'take-receipts':
      return concat(head, u8(result.receipts.length), ...result.receipts.map((k) => concat(k.message, u16le(k.receipt.length), k.receipt)));
    default:
      return head;
  }
}

function readResponse(r: ByteReader): ResponseBody {
  const command = pick(COMMANDS, r.u8(), 'command');
  switch (command) {
    case 'status':
      return {
        command,
        status: {
          batteryPercent: r.u8(),
          storageUsedBytes: u32(r),
          storageCapacityBytes: u32(r),
          volume: r.u8(),
          recordings: r.u16(),
          messages: r.u16(),
          role: pick(ROLES, r.u8(), 'role'),
          storage: pick(STORAGE_HEALTH, r.u8(), 'storage health'),
          quarantinedRecords: r.u16(),
        },
      };
    case 'list-recordings': {
      const n = r.u16();
      const recordings: RecordingInfo[] = [];
      for (let i = 0; i < n; i++) recordings.push(readRecording(r));
      return { command, recordings };
    }
    case 'fetch-recording':
      return { command, bytes: u32(r) };
    case 'list-members': {
      const n = r.u8();
      const members: MemberInfo[] = [];
      for (let i = 0; i < n; i++) {
        members.push({ bondId: readText(r), role: pick(ROLES, r.u8(), 'role'), createdAt: readTime(r), joined: pick(JOIN_METHODS, r.u8(), 'join method'), label: readText(r) });
      }
      return { command, members };
    }
    case 'invite-member':
      return { command, validForMs: u32(r), code: readCode(r) };
    case 'factory-reset':
      return { command, pawWithinMs: u32(r) };
    case 'add-member':
      return { command, bondId: readText(r), destinationKey: r.bytesOf(DESTINATION_KEY_BYTES) };
    case 'take-receipts':
      return { command, receipts: Array.from({ length: receiptCount(r) }, () => ({ message: r.bytesOf(RECORDING_ID_BYTES), receipt: r.bytesOf(r.u16()) })) };
    default:
      return { command };
  }
}

function receiptCount(r: ByteReader): number {
  const n = r.u8();
  if (n > RECEIPTS_PER_TAKE) throw new PairingError('MALFORMED', `${n} receipts in one take (at most ${RECEIPTS_PER_TAKE})`);
  return n;
}

function encodeEvent(event: ToyEvent): Uint8Array {
  const head = u8(indexOf(EVENTS, event.event));
  switch (event.event) {
    case 'recording-added':
      return concat(head, encodeRecording(event.recording));
    case 'message-stored':
    case 'message-played':
      return concat(head, event.id);
    case 'message-rejected':
      return concat(head, u8(indexOf(MESSAGE_REJECTIONS, event.reason)));
    default:
      return head;
  }
}

function readEvent(r: ByteReader): ToyEvent {
  const event = pick(EVENTS, r.u8(), 'event');
  switch (event) {
    case 'recording-added':
      return { event, recording: readRecording(r) };
    case 'message-stored':
    case 'message-played':
      return { event, id: r.bytesOf(RECORDING_ID_BYTES) };
    case 'message-rejected':
      return { event, reason: pick(MESSAGE_REJECTIONS, r.u8(), 'rejection') };
    default:
      return { event };
  }
}

export function encodeSessionMessage(m: SessionMessage): Uint8Array {
  switch (m.kind) {
    case 'request':
      return concat(u8(KIND.request), u16le(m.id), encodeRequest(m.request));
    case 'response':
      return concat(u8(KIND.response), u16le(m.id), encodeResponse(m.result));
    case 'error':
      return concat(u8(KIND.error), u16le(m.id), u8(indexOf(REQUEST_ERRORS, m.error)), short(m.detail));
    case 'event':
      return concat(u8(KIND.event), encodeEvent(m.event));
    case 'transfer':
      return concat(u8(KIND.transfer), u8(indexOf(STREAMS, m.stream)), m.message);
  }
}

export function decodeSessionMessage(bytes: Uint8Array): SessionMessage {
  const r = new ByteReader(bytes, 'session message');
  const kind = r.u8();
  let message: SessionMessage;
  switch (kind) {
    case KIND.request:
      message = { kind: 'request', id: r.u16(), request: readRequest(r) };
      break;
    case KIND.response:
      message = { kind: 'response', id: r.u16(), result: readResponse(r) };
      break;
    case KIND.error:
      message = { kind: 'error', id: r.u16(), error: pick(REQUEST_ERRORS, r.u8(), 'error'), detail: readText(r) };
      break;
    case KIND.event:
      message = { kind: 'event', event: readEvent(r) };
      break;
    case KIND.transfer:
      return { kind: 'transfer', stream: pick(STREAMS, r.u8(), 'stream'), message: r.rest() };
    default:
      throw new PairingError('MALFORMED', `unknown session message kind ${kind}`);
  }
  r.end();
  return message;
}

/** Bytes a session message adds around a transfer message (kind and stream). */
export const TRANSFER_OVERHEAD_BYTES = 2;

/**
 * Bytes a TRANSPORT frame adds around a transfer message: frame version and type (2), counter
 * (8), AEAD tag (16), and the session message's kind and stream.
 */
export const TRANSFER_FRAME_OVERHEAD_BYTES = 2 + 8 + 16 + TRANSFER_OVERHEAD_BYTES;
