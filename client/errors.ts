// Every failure the client library reports: one error class with a code a user interface can
// act on (ask for the code again, say "press the paw", wait, reconnect and resume...).
export type ToyClientErrorCode =
  /** The pairing code was wrong (or the exchange was tampered with: the toy cannot tell). */
  | 'WRONG_CODE'
  /** The toy's pairing window is closed: press its paw. */
  | 'WINDOW_CLOSED'
  /** Too many wrong codes: the toy refuses pairing for `retryAfterMs`. */
  | 'LOCKED_OUT'
  /** The toy has an owner; a new phone needs the owner's invitation. */
  | 'INVITE_REQUIRED'
  /** No bond with this toy on this phone (or the toy no longer knows this phone). */
  | 'NOT_BONDED'
  /** The toy's keys do not match the QR code's fingerprint, or it failed to prove its identity. */
  | 'IMPOSTOR'
  /** No such toy was heard on the air within the time allowed. */
  | 'TOY_NOT_FOUND'
  /** The toy's flash cannot hold what was sent. */
  | 'TOY_FULL'
  /** The toy's storage failed (read-only, I/O error, out of files): the message says why; the toy stays on. */
  | 'STORAGE_ERROR'
  /** The BLE link dropped (the toy went away, out of range, or the radio under it did). */
  | 'LINK_LOST'
  /** No radio to talk on: no Bluetooth adapter, or the air named for a remote toy cannot be reached. */
  | 'RADIO_UNAVAILABLE'
  /** The caller's AbortSignal fired; nothing more happens for this call. */
  | 'ABORTED'
  /** The ToyClient was closed; open a new one. */
  | 'CLOSED'
  /** A transfer stopped part-way; `resumable` says whether sending again resumes it. */
  | 'TRANSFER_INTERRUPTED'
  /** The toy refused a voice message (replayed, not from a bonded phone, corrupt). */
  | 'MESSAGE_REFUSED'
  /** The phone's role does not allow this (members cannot reset the toy, say). */
  | 'FORBIDDEN'
  /** No such recording or member. */
  | 'NOT_FOUND'
  /** The toy is busy with another transfer. */
  | 'BUSY'
  /** Nobody pressed the paw in time to confirm a factory reset. */
  | 'PAW_TIMEOUT'
  /** The toy did not answer in time. */
  | 'TIMEOUT'
  /** A file or argument the caller gave is unusable (not WAV or Ogg Opus, say). */
  | 'BAD_INPUT'
  /** The toy said something this client cannot understand. */
  | 'PROTOCOL';

export class ToyClientError extends Error {
  override readonly name = 'ToyClientError';

  constructor(
    readonly code: ToyClientErrorCode,
    message: string,
    readonly details: {
      readonly retryAfterMs?: number;
      readonly resumable?: boolean;
      /** For an interrupted upload: the sealed message, to send again on a new session (it resumes). */
      readonly envelope?: Uint8Array;
      /** Also the standard `error.cause`. */
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }

  get resumable(): boolean {
    return this.details.resumable ?? false;
  }
}

export function isToyClientError(value: unknown, code?: ToyClientErrorCode): value is ToyClientError {
  return value instanceof ToyClientError && (code === undefined || value.code === code);
}
