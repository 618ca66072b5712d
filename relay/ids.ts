// The identifiers the relay routes by, all random or public-key bytes written as unpadded
// base64url: mailbox, envelope and rendezvous ids (16 random bytes: 22 characters) and key ids
// (a phone's 32-byte per-toy Ed25519 public key: 43 characters). None of them names anyone.
import { RelayError } from './errors';

export const ID_BYTES = 16;
export const KEY_BYTES = 32;
export const ID_PATTERN = '^[A-Za-z0-9_-]{22}$';
export const KEY_PATTERN = '^[A-Za-z0-9_-]{43}$';
export const SIGNATURE_PATTERN = '^[A-Za-z0-9_-]{86}$';

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

/** Decodes base64url text that must be exactly `length` bytes; anything else is a 400. */
export function fromBase64Url(text: string, length: number, what: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  // Node's decoder skips characters outside the alphabet, so re-encoding proves the text was canonical.
  if (bytes.length !== length || toBase64Url(bytes) !== text) throw new RelayError(400, 'BAD_REQUEST', `${what} must be ${length} bytes in unpadded base64url`);
  return bytes;
}

/** Whole hours since the Unix epoch: the only clock the relay stores (coarse on purpose). */
export function hourOf(ms: number): number {
  return Math.floor(ms / 3_600_000);
}
