// The one error type pairing/ lets escape. Callers (firmware-sim/, client/, fuzzers) switch on
// `code`; any other exception leaving pairing/ is a bug, which the property tests look for.

/** Why a pairing/ operation refused its input or could not go on. */
export type PairingErrorCode =
  /** Bytes that do not parse: wrong length, bad field, unknown type, trailing data. */
  | 'MALFORMED'
  /** A well-formed message of a protocol version this code does not speak. */
  | 'UNSUPPORTED_VERSION'
  /** A pairing code whose check digit does not match: almost surely a typo. */
  | 'BAD_CHECK_DIGIT'
  /** The pairing code did not match the toy's. The only thing either side learns. */
  | 'WRONG_CODE'
  /** Pairing attempted while no pairing window is open (no paw press). */
  | 'WINDOW_CLOSED'
  /** Too many wrong codes: pairing refused until the lockout ends. */
  | 'LOCKED_OUT'
  /** The toy has an owner; a new phone needs an owner's invitation first. */
  | 'INVITE_REQUIRED'
  /** Only the owner may do this. */
  | 'NOT_OWNER'
  /** A session was asked for a bond the toy (or phone) does not hold. */
  | 'UNKNOWN_BOND'
  /** The toy's keys do not match the fingerprint printed in its QR payload. */
  | 'FINGERPRINT_MISMATCH'
  /** A signature in a handshake payload did not verify. */
  | 'BAD_SIGNATURE'
  /** An authenticated ciphertext failed to open (altered, truncated or wrong key). */
  | 'DECRYPT_FAILED'
  /** A transport message with a counter already used. */
  | 'REPLAY'
  /** A transport message from the future: one before it is missing or they were reordered. */
  | 'OUT_OF_ORDER'
  /** A group element or public key that is invalid or gives the identity. */
  | 'INVALID_POINT'
  /** A CipherState used up its nonces; the session must be replaced. */
  | 'NONCE_EXHAUSTED'
  /** A message or frame over an explicit size limit. */
  | 'TOO_LARGE'
  /** A message that is valid by itself but not expected in the current state. */
  | 'UNEXPECTED_MESSAGE'
  /** The state machine already failed or finished and accepts nothing more. */
  | 'CLOSED'
  /** A caller passed an argument outside its contract (e.g. a negative time). */
  | 'INVALID_ARGUMENT';

export class PairingError extends Error {
  override readonly name = 'PairingError';
  constructor(
    readonly code: PairingErrorCode,
    message?: string,
    /** For LOCKED_OUT refusals: how long the toy said to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message === undefined ? code : `${code}: ${message}`);
  }
}

export function isPairingError(value: unknown): value is PairingError {
  return value instanceof PairingError;
}

/**
 * Runs `fn`, turning anything but a PairingError (libsodium throws plain Errors on bad points,
 * failed decryption, weak keys) into a PairingError with `code`.
 */
export function guard<T>(code: PairingErrorCode, fn: () => T, message?: string): T {
  try {
    return fn();
  } catch (error) {
    if (isPairingError(error)) throw error;
    throw new PairingError(code, message ?? (error instanceof Error ? error.message : undefined));
  }
}

/** Checks a time input (ms); sans-IO code is only as sound as the clock it is fed. */
export function checkTime(now: number): number {
  if (!Number.isFinite(now) || now < 0) throw new PairingError('INVALID_ARGUMENT', `time ${now}`);
  return now;
}
