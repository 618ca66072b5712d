// A phone's request session with a relay (relay/session-tickets.ts): opened by one request signed
// with the phone's Ed25519 key that carries a one-time X25519 public key; the relay answers with a
// ticket and the session key sealed to that key (crypto_box_seal), which only this phone opens.
// Later requests are signed with HMAC-SHA256 under the session key (keyid = the ticket).
import type { Sodium } from '../pairing/sodium';
import { fromBase64Url, toBase64Url } from '../relay/ids';
import { type RequestSigner, sessionSigner } from '../relay/request-signing';
import type { SessionOpened } from '../relay/routes/session-route';
import { SESSION_KEY_BYTES } from '../relay/session-tickets';

export const SESSION_PATH = '/v1/sessions';

/** Refusal codes after which a client opens a new session and sends the request again, once. */
export const SESSION_REFUSALS: ReadonlySet<string> = new Set(['SESSION_UNKNOWN', 'SESSION_EXPIRED']);

/** Renew with a fifth of the lifetime left, so a request in flight never meets the end. */
const RENEW_AT = 0.8;

export interface RelaySession {
  readonly signer: RequestSigner;
  /** Local clock (ms) after which the next request opens a new session first. */
  readonly renewAt: number;
}

/** The body of the opening request, and how to read its answer. */
export function sessionRequest(sodium: Sodium): { body: Uint8Array; open(answer: SessionOpened, sentAt: number): RelaySession } {
  const ephemeral = sodium.crypto_box_keypair();
  return {
    body: new TextEncoder().encode(JSON.stringify({ ephemeralKey: toBase64Url(ephemeral.publicKey) })),
    open: (answer, sentAt) => {
      const key = sodium.crypto_box_seal_open(fromBase64Url(answer.sealedKey, SESSION_KEY_BYTES + sodium.crypto_box_SEALBYTES, 'sealedKey'), ephemeral.publicKey, ephemeral.privateKey);
      sodium.memzero(ephemeral.privateKey);
      return { signer: sessionSigner(answer.session, key), renewAt: sentAt + answer.expiresIn * 1000 * RENEW_AT };
    },
  };
}
