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

/**
 * The fields of a `prefix?k=v&...` URI, strictly: exactly the `keys`, each once, `v` equal to
 * `version`. MALFORMED or UNSUPPORTED_VERSION otherwise. Returns a getter by key.
 */
export function uriFields(uri: string, prefix: string, keys: readonly string[], version: string, maxLength = MAX_QR_LENGTH): (key: string) => string {
  if (typeof uri !== 'string' || uri.length > maxLength || !uri.startsWith(prefix)) {
    throw new PairingError('MALFORMED', `not a ${prefix} URI`);
  }
  const fields = new Map<string, string>();
  for (const pair of uri.slice(prefix.length).split('&')) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    if (eq < 0 || fields.has(key) || !keys.includes(key)) {
      throw new PairingError('MALFORMED', `field "${pair.slice(0, 16)}"`);
    }
    fields.set(key, pair.slice(eq + 1));
  }
  const field = (key: string): string => {
    const value = fields.get(key);
    if (value === undefined) throw new PairingError('MALFORMED', `missing ${key}`);
    return value;
  };
  if (field('v') !== version) throw new PairingError('UNSUPPORTED_VERSION', `${prefix} v=${field('v')}`);
  return field;
}

/** MALFORMED (or BAD_CHECK_DIGIT, UNSUPPORTED_VERSION) for anything but a well-formed payload. */
export function parseQrPayload(uri: string): QrPayload {
  const field = uriFields(uri, QR_PREFIX, ['v', 'id', 'code', 'fp'], QR_VERSION);
  const code = field('code');
  if (!/^[0-9]+$/.test(code)) throw new PairingError('MALFORMED', 'code');
  return {
    toyId: parseToyId(field('id')),
    code: parsePairingCode(code),
    fingerprint: fromHex(field('fp'), FINGERPRINT_BYTES),
  };
}
