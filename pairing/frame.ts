// The versioned wire format of every plushlink protocol message: one frame is
//   version (u8, = 3) | type (u8) | body
// and travels fragmented (./fragment.ts) over the secure profile's GATT characteristics. Only
// pairing and session-opening frames are readable on the air; everything after a handshake is a
// TRANSPORT frame whose body is a Session ciphertext.
import { ByteReader, concat, fixedBytes } from './bytes';
import { PairingError, type PairingErrorCode } from './errors';

/** 3: one key per role, destination ids from a per-bond key (docs/PROTOCOL.md, "Changes in version 3"). */
export const PROTOCOL_VERSION = 3;
export const SID_BYTES = 16;
export const SHARE_BYTES = 32;
export const BOND_ID_BYTES = 8;
/** SESSION_HELLO's fresh nonce and the destination id computed over it (key-schedule.ts). */
export const HELLO_NONCE_BYTES = 16;
export const DESTINATION_ID_BYTES = 16;

export const FrameType = {
  PAIR_HELLO: 0x01,
  PAIR_REPLY: 0x02,
  PAIR_FINISH: 0x03,
  SESSION_HELLO: 0x10,
  SESSION_ACCEPT: 0x11,
  TRANSPORT: 0x20,
  REFUSED: 0x7f,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Why the toy refused a pairing or session; sent in clear, so it says no more than this. */
export const REFUSAL_REASONS = [
  'WRONG_CODE',
  'WINDOW_CLOSED',
  'LOCKED_OUT',
  'INVITE_REQUIRED',
  'UNKNOWN_BOND',
  'MALFORMED',
  'UNEXPECTED_MESSAGE',
  'UNSUPPORTED_VERSION',
  'TOO_LARGE',
] as const satisfies readonly PairingErrorCode[];
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type Message =
  /** Phone to toy: CPace share of the initiator and Noise XXpsk3 message 1. */
  | { readonly type: 'PAIR_HELLO'; readonly sid: Uint8Array; readonly share: Uint8Array; readonly ad: Uint8Array; readonly noise: Uint8Array }
  /** Toy to phone: CPace share of the responder and Noise XXpsk3 message 2. */
  | { readonly type: 'PAIR_REPLY'; readonly share: Uint8Array; readonly ad: Uint8Array; readonly noise: Uint8Array }
  /** Phone to toy: Noise XXpsk3 message 3 (the one the code decides). */
  | { readonly type: 'PAIR_FINISH'; readonly noise: Uint8Array }
  /**
   * Phone to toy: a fresh nonce, the destination id (which bond, recognisable only by the toy:
   * nothing stable in the clear), and Noise KK message 1.
   */
  | { readonly type: 'SESSION_HELLO'; readonly nonce: Uint8Array; readonly destinationId: Uint8Array; readonly noise: Uint8Array }
  /** Toy to phone: Noise KK message 2. */
  | { readonly type: 'SESSION_ACCEPT'; readonly noise: Uint8Array }
  /** Either way, after a handshake: a Session message (counter and ciphertext). */
  | { readonly type: 'TRANSPORT'; readonly message: Uint8Array }
  /** Toy to phone: the toy will not go on; `retryAfterMs` is 0 unless locked out. */
  | { readonly type: 'REFUSED'; readonly reason: RefusalReason; readonly retryAfterMs: number };

export type MessageType = Message['type'];

function u32le(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

function withLength(bytes: Uint8Array): Uint8Array {
  if (bytes.length > 255) throw new PairingError('TOO_LARGE', 'associated data over 255 bytes');
  return concat(Uint8Array.of(bytes.length), bytes);
}

function body(message: Message): Uint8Array {
  switch (message.type) {
    case 'PAIR_HELLO':
      return concat(fixedBytes(message.sid, SID_BYTES, 'sid'), fixedBytes(message.share, SHARE_BYTES, 'share'), withLength(message.ad), message.noise);
    case 'PAIR_REPLY':
      return concat(fixedBytes(message.share, SHARE_BYTES, 'share'), withLength(message.ad), message.noise);
    case 'PAIR_FINISH':
    case 'SESSION_ACCEPT':
      return message.noise;
    case 'SESSION_HELLO':
      return concat(fixedBytes(message.nonce, HELLO_NONCE_BYTES, 'nonce'), fixedBytes(message.destinationId, DESTINATION_ID_BYTES, 'destination id'), message.noise);
    case 'TRANSPORT':
      return message.message;
    case 'REFUSED': {
      const retry = Math.min(0xffffffff, Math.max(0, Math.ceil(message.retryAfterMs)));
      return concat(Uint8Array.of(REFUSAL_REASONS.indexOf(message.reason)), u32le(retry));
    }
  }
}

export function encodeFrame(message: Message): Uint8Array {
  return concat(Uint8Array.of(PROTOCOL_VERSION, FrameType[message.type]), body(message));
}

const TYPE_NAMES = new Map<number, MessageType>(
  Object.entries(FrameType).map(([name, value]) => [value, name as MessageType]),
);

/** Parses one reassembled frame: MALFORMED or UNSUPPORTED_VERSION for anything else. */
export function decodeFrame(frame: Uint8Array): Message {
  const reader = new ByteReader(frame, 'frame');
  const version = reader.u8();
  const type = TYPE_NAMES.get(reader.u8());
  if (version !== PROTOCOL_VERSION) throw new PairingError('UNSUPPORTED_VERSION', `frame version ${version}`);
  if (type === undefined) throw new PairingError('MALFORMED', 'unknown frame type');
  switch (type) {
    case 'PAIR_HELLO':
      return { type, sid: reader.bytesOf(SID_BYTES), share: reader.bytesOf(SHARE_BYTES), ad: reader.shortBytes(), noise: reader.rest() };
    case 'PAIR_REPLY':
      return { type, share: reader.bytesOf(SHARE_BYTES), ad: reader.shortBytes(), noise: reader.rest() };
    case 'PAIR_FINISH':
    case 'SESSION_ACCEPT':
      return { type, noise: reader.rest() };
    case 'SESSION_HELLO':
      return { type, nonce: reader.bytesOf(HELLO_NONCE_BYTES), destinationId: reader.bytesOf(DESTINATION_ID_BYTES), noise: reader.rest() };
    case 'TRANSPORT':
      return { type, message: reader.rest() };
    case 'REFUSED': {
      const reason = REFUSAL_REASONS[reader.u8()];
      const b = reader.bytesOf(4);
      reader.end();
      if (reason === undefined) throw new PairingError('MALFORMED', 'unknown refusal reason');
      return { type, reason, retryAfterMs: new DataView(b.buffer).getUint32(0, true) };
    }
  }
}
