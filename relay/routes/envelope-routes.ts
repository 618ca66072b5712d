// Envelope routes: a member posts a padded sealed envelope (the relay checks it is one, and
// delivers it to every other key on the roster), lists and fetches what awaits it (long polling
// for new ones), and acknowledges each, which deletes the envelope once every recipient has.
import type { FastifyInstance } from 'fastify';
import { readEnvelopeHeader } from '../../audio/envelope';
import { AudioError } from '../../audio/errors';
import { type RelayContext, callerKey, longPoll, mailboxFor, mailboxTopic } from '../context';
import { RelayError } from '../errors';
import { hourOf, toBase64Url } from '../ids';
import { unpadBucket } from '../padding';
import { sha256 } from '../request-signing';
import { type PendingEnvelope, type PutOutcome, RosterChanged } from '../store/relay-store';
import { idSchema, refusals, waitSchema } from './schemas';

const mailboxParams = { type: 'object', required: ['mailbox'], properties: { mailbox: idSchema } } as const;
const envelopeParams = { type: 'object', required: ['mailbox', 'id'], properties: { mailbox: idSchema, id: idSchema } } as const;
const receiptSchema = { type: 'object', required: ['id', 'size'], properties: { id: idSchema, size: { type: 'integer' } } } as const;

/** The envelope's own id, after checking that the upload is a padded sealed envelope. */
function envelopeIdOf(ctx: RelayContext, padded: Buffer): string {
  const inner = unpadBucket(padded);
  try {
    return toBase64Url(readEnvelopeHeader(inner).id);
  } catch (error) {
    if (error instanceof AudioError) throw new RelayError(400, 'NOT_AN_ENVELOPE', `not a sealed voice envelope: ${error.message}`);
    throw error;
  }
}

export function envelopeRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.post<{ Params: { mailbox: string }; Body: Buffer }>(
    '/v1/mailboxes/:mailbox/envelopes',
    {
      bodyLimit: ctx.config.maxEnvelopeBytes,
      schema: { params: mailboxParams, response: { '2xx': receiptSchema, ...refusals } },
    },
    async (request, reply) => {
      const key = callerKey(request);
      await mailboxFor(ctx, request.params.mailbox, key);
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new RelayError(415, 'BAD_REQUEST', 'post the envelope as application/octet-stream');
      const id = envelopeIdOf(ctx, body);
      const hour = hourOf(ctx.now());
      const digest = (request.bodyDigest ?? sha256(body)).toString('base64url');
      const put = async (): Promise<{ mailbox: string; outcome: PutOutcome }> => {
        const mailbox = await mailboxFor(ctx, request.params.mailbox, key);
        const recipients = [...new Set([mailbox.owner, ...mailbox.roster.members])].filter((k) => k !== key);
        const outcome = await ctx.store.putEnvelope(
          { mailbox: mailbox.id, id, digest, body, hour, expiresHour: hour + ctx.config.ttlHours, rosterVersion: mailbox.roster.version },
          recipients,
          { bytes: ctx.config.quotaBytes, envelopes: ctx.config.quotaEnvelopes },
        );
        return { mailbox: mailbox.id, outcome };
      };
      // A roster cached before a change (made through another relay process) fails the write's
      // version fence: read the roster again and decide on the new one.
      const { mailbox, outcome } = await put().catch((error: unknown) => {
        if (!(error instanceof RosterChanged)) throw error;
        ctx.rosters.drop(request.params.mailbox);
        return put().catch((again: unknown) => {
          if (again instanceof RosterChanged) throw new RelayError(409, 'STALE_ROSTER', 'the roster changed twice while this upload ran; retry');
          throw again;
        });
      });
      if (outcome === 'stored') await ctx.notifier.publish(mailboxTopic(mailbox));
      return reply.code(outcome === 'stored' ? 201 : 200).send({ id, size: body.length });
    },
  );

  app.get<{ Params: { mailbox: string }; Querystring: { wait: number; limit: number } }>(
    '/v1/mailboxes/:mailbox/envelopes',
    {
      schema: {
        params: mailboxParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { wait: waitSchema, limit: { type: 'integer', minimum: 1, maximum: 100, default: 100 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['envelopes'],
            properties: {
              envelopes: {
                type: 'array',
                items: { type: 'object', required: ['id', 'size', 'hour'], properties: { id: idSchema, size: { type: 'integer' }, hour: { type: 'integer' } } },
              },
            },
          },
          ...refusals,
        },
      },
    },
    async (request) => {
      const key = callerKey(request);
      const mailbox = await mailboxFor(ctx, request.params.mailbox, key);
      const seconds = Math.min(request.query.wait, ctx.config.longPollMaxSeconds);
      const list = (): Promise<PendingEnvelope[]> => ctx.store.pending(mailbox.id, key, hourOf(ctx.now()), request.query.limit);
      const envelopes = seconds > 0 ? await longPoll(ctx, mailboxTopic(mailbox.id), seconds, list, (l) => l.length > 0) : await list();
      return { envelopes };
    },
  );

  app.get<{ Params: { mailbox: string; id: string } }>(
    '/v1/mailboxes/:mailbox/envelopes/:id',
    { schema: { params: envelopeParams, response: refusals } },
    async (request, reply) => {
      const key = callerKey(request);
      const mailbox = await mailboxFor(ctx, request.params.mailbox, key);
      const body = await ctx.store.envelopeFor(mailbox.id, request.params.id, key, hourOf(ctx.now()));
      if (!body) throw new RelayError(404, 'NO_ENVELOPE', 'no envelope with this id awaits this key');
      return reply.type('application/octet-stream').send(body);
    },
  );

  app.delete<{ Params: { mailbox: string; id: string } }>(
    '/v1/mailboxes/:mailbox/envelopes/:id',
    { schema: { params: envelopeParams, response: refusals } },
    async (request, reply) => {
      const key = callerKey(request);
      const mailbox = await mailboxFor(ctx, request.params.mailbox, key);
      if (!(await ctx.store.acknowledge(mailbox.id, request.params.id, key))) throw new RelayError(404, 'NO_ENVELOPE', 'no envelope with this id awaits this key');
      return reply.code(204).send();
    },
  );
}
