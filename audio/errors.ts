// The one error type audio/ throws or reports. Every bad input (a file, an envelope, a transfer
// message, a persisted state) ends in an AudioError whose `code` says what kind of wrong it is and
// whose message names the exact thing, so callers branch on codes and people read messages.

export type AudioErrorCode =
  /** Well-formed input of a kind plushlink does not handle (e.g. 24-bit WAV, 96 kHz, 5.1 Opus). */
  | 'UNSUPPORTED_FORMAT'
  /** The input ends before a structure it announced is complete. */
  | 'TRUNCATED'
  /** The input is malformed: wrong magic, impossible field, inconsistent lengths. */
  | 'CORRUPT'
  /** An Ogg page checksum does not match its bytes. */
  | 'BAD_CRC'
  /** This party's key is not among an envelope's recipients. */
  | 'NOT_A_RECIPIENT'
  /** The sender's Ed25519 signature does not verify. */
  | 'BAD_SIGNATURE'
  /** The signature verifies but the sender is not one the caller trusts. */
  | 'UNKNOWN_SENDER'
  /** An envelope id already seen inside the replay window. */
  | 'REPLAYED'
  /** An envelope whose time lies outside the replay window (too old or from the future). */
  | 'STALE'
  /** A size beyond a configured maximum. */
  | 'TOO_LARGE'
  /** Authenticated data failed its check: an AEAD tag, or a transfer's whole-envelope hash. */
  | 'INTEGRITY'
  /** A transfer ended because the peer cancelled it or stopped answering. */
  | 'ABORTED'
  /** A caller passed an argument outside its documented range (a programming error, not input). */
  | 'INVALID_ARGUMENT';

export class AudioError extends Error {
  override readonly name = 'AudioError';

  constructor(
    readonly code: AudioErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export function isAudioError(value: unknown, code?: AudioErrorCode): value is AudioError {
  return value instanceof AudioError && (code === undefined || value.code === code);
}

/** Runs `fn`; anything it throws that is not already an AudioError becomes one with `code`. */
export function asAudioError<T>(code: AudioErrorCode, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof AudioError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new AudioError(code, `${what}: ${detail}`);
  }
}
