// Size buckets for envelopes, so the relay (and whoever steals its database) learns a size class,
// not a length. Phones pad before upload and unpad after download; the relay accepts only bucket
// lengths. Bucket: Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
// Communication with PURBs", PETS 2019: at most ~12% overhead, O(log log L) bits of length leak),
// never below 1 KiB. Padding bytes: ISO/IEC 7816-4 (0x80 then zeros), added by libsodium's
// sodium_pad. Removing it is a scan from the end that returns a view, not a copy: the relay
// checks every upload's padding, and sodium_unpad's constant time buys nothing for bytes that
// are ciphertext framing, while its copy in and out of WebAssembly memory cost more than the scan.
import type { Sodium } from '../pairing/sodium';
import { RelayError } from './errors';

export const MIN_BUCKET = 1024;

/** Padmé: `length` rounded up so that only its top ~log2(log2(length)) bits may be non-zero. */
function padme(length: number): number {
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const mask = 2 ** (e - s) - 1;
  return Math.ceil(length / (mask + 1)) * (mask + 1);
}

/** The bucket a message of `length` bytes is padded to (always at least one padding byte). */
export function bucketFor(length: number): number {
  return Math.max(MIN_BUCKET, padme(length + 1));
}

/** True when `length` is a bucket, i.e. what a padded upload must measure. */
export function isBucket(length: number): boolean {
  return length >= MIN_BUCKET && padme(length) === length;
}

export function padToBucket(sodium: Sodium, bytes: Uint8Array): Uint8Array {
  return sodium.pad(bytes, bucketFor(bytes.length));
}

/** The upload or download without its padding (a view of the same bytes); a malformed one is a 400. */
export function unpadBucket(padded: Uint8Array): Uint8Array {
  if (!isBucket(padded.length)) throw new RelayError(400, 'BAD_PADDING', `${padded.length} bytes is not a size bucket (padding/bucketFor)`);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) throw new RelayError(400, 'BAD_PADDING', 'the padding is not ISO/IEC 7816-4 (0x80 then zeros)');
  return padded.subarray(0, end);
}
