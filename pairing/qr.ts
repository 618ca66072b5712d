// The QR payload printed beside the code: a URI carrying toy id, code and key fingerprint, e.g.
//   plushlink://pair?v=1&id=0123456789abcdef&code=1234567890&fp=<32 hex digits>
// Scanning it saves typing and also pins the toy's keys, so a look-alike toy is caught even if
// it somehow learnt the code. Parsing is strict: every field once, nothing unknown.
import { fromHex, toHex } from './bytes';
import { parsePairingCode, type PairingCode } from './code';
import { PairingError } from './errors';
import { FINGERPRINT_BYTES, TOY_ID_BYTES } from './identity';

export const QR_PREFIX = 'plushlink://pair?';
export const QR_VERSION = '1';
const MAX_QR_LENGTH = 256;

export interface QrPayload {
  readonly toyId: string;
  readonly code: PairingCode;
  readonly fingerprint: Uint8Array;
}

export function encodeQrPayload(payload: QrPayload): string {
  return `${QR_PREFIX}v=${QR_VERSION}&id=${payload.toyId}&code=${payload.code}&fp=${toHex(payload.fingerprint)}`;
}

export function parseToyId(text: string): string {
  if (!/^[0-9a-f]+$/.test(text) || text.length !== TOY_ID_BYTES * 2) throw new PairingError('MALFORMED', 'toy id');
  return text;
}

/** MALFORMED (or BAD_CHECK_DIGIT, UNSUPPORTED_VERSION) for anything but a well-formed payload. */
export function parseQrPayload(uri: string): QrPayload {
  if (typeof uri !== 'string' || uri.length > MAX_QR_LENGTH || !uri.startsWith(QR_PREFIX)) {
    throw new PairingError('MALFORMED', 'not a plushlink pairing URI');
  }
  const fields = new Map<string, string>();
  for (const pair of uri.slice(QR_PREFIX.length).split('&')) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    if (eq < 0 || fields.has(key) || !['v', 'id', 'code', 'fp'].includes(key)) {
      throw new PairingError('MALFORMED', `field "${pair.slice(0, 16)}"`);
    }
    fields.set(key, pair.slice(eq + 1));
  }
  const field = (key: string): string => {
    const value = fields.get(key);
    if (value === undefined) throw new PairingError('MALFORMED', `missing ${key}`);
    return value;
  };
  if (field('v') !== QR_VERSION) throw new PairingError('UNSUPPORTED_VERSION', `QR payload v=${field('v')}`);
  const code = field('code');
  if (!/^[0-9]+$/.test(code)) throw new PairingError('MALFORMED', 'code');
  return {
    toyId: parseToyId(field('id')),
    code: parsePairingCode(code),
    fingerprint: fromHex(field('fp'), FINGERPRINT_BYTES),
  };
}
