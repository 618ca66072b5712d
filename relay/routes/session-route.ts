// The session route: a phone whose request is signed with its own Ed25519 key (a fresh proof of
// possession: created in the window, nonce used once) gets a short-lived session, a ticket and
// its key sealed to the one-time X25519 key the request carries (session-tickets.ts), and then
// signs its next requests with HMAC-SHA256. A session only authenticates: every request it signs
// is still checked against the mailbox roster, so a revoked key's live session gets 403.
import type { FastifyInstance } from 'fastify';
import { type RelayContext, callerKey } from '../context';
import { RelayError } from '../errors';
import { KEY_BYTES, fromBase64Url, toBase64Url } from '../ids';
import { sealSessionKey } from '../session-tickets';
import { keySchema, refusals } from './schemas';

export interface SessionOpened {
  /** The ticket: keyid of the session's hmac-sha256 signatures. */
  readonly session: string;
  /** Seconds the session lasts from now (relative, so the phone's clock needs no agreement). */
  readonly expiresIn: number;
  /** The session key, crypto_box_seal'ed to `ephemeralKey`, base64url. */
  readonly sealedKey: string;
}

export function sessionRoute(app: FastifyInstance, ctx: RelayContext): void {
  app.post<{ Body: { ephemeralKey: string } }>(
    '/v1/sessions',
    {
      bodyLimit: 1024,
      schema: {
        body: { type: 'object', required: ['ephemeralKey'], additionalProperties: false, properties: { ephemeralKey: keySchema } },
        response: {
          201: { type: 'object', required: ['session', 'expiresIn', 'sealedKey'], properties: { session: { type: 'string' }, expiresIn: { type: 'integer' }, sealedKey: { type: 'string' } } },
          ...refusals,
        },
      },
    },
    async (request, reply): Promise<SessionOpened> => {
      const key = callerKey(request);
      // A session cannot extend itself: a stolen session key lives no longer than its ticket.
      if (request.relayAlg !== 'ed25519') throw new RelayError(401, 'BAD_SIGNATURE', 'open a session with a request signed by the phone key itself (alg "ed25519")');
      const nowMs = ctx.now();
      const { ticket, session } = ctx.sessions.mint(fromBase64Url(key, KEY_BYTES, 'keyid'), nowMs);
      const sealed = sealSessionKey(ctx.sodium, session.key, fromBase64Url(request.body.ephemeralKey, KEY_BYTES, 'ephemeralKey'));
      reply.code(201);
      return { session: ticket, expiresIn: session.expires - Math.floor(nowMs / 1000), sealedKey: toBase64Url(sealed) };
    },
  );
}
