// The one error type the relay answers with: an HTTP status below 500, a stable code a client can
// branch on, and a one-line reason. Anything else reaching the error handler is the relay's own
// fault (a 5xx), never the caller's.
export type RelayErrorCode =
  | 'BAD_REQUEST'
  | 'UNSIGNED'
  | 'BAD_SIGNATURE'
  | 'EXPIRED_SIGNATURE'
  | 'REPLAYED'
  | 'SESSION_UNKNOWN'
  | 'SESSION_EXPIRED'
  | 'BAD_DIGEST'
  | 'BAD_ROSTER'
  | 'STALE_ROSTER'
  | 'MAILBOX_TAKEN'
  | 'NO_MAILBOX'
  | 'NOT_A_MEMBER'
  | 'NOT_OWNER'
  | 'NOT_AN_ENVELOPE'
  | 'BAD_PADDING'
  | 'ID_CONFLICT'
  | 'NO_RECIPIENTS'
  | 'NO_ENVELOPE'
  | 'NO_MESSAGE'
  | 'RENDEZVOUS_FULL'
  | 'QUOTA_EXCEEDED'
  | 'RATE_LIMITED';

export class RelayError extends Error {
  override readonly name = 'RelayError';

  constructor(
    readonly statusCode: number,
    readonly code: RelayErrorCode,
    message: string,
    /** Seconds, for 429 answers: sent as Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** The JSON body of every refusal. */
export interface RelayErrorBody {
  readonly error: string;
  readonly message: string;
}
