// Rendezvous routes: a short-lived numbered mailbox where two phones that share a one-time
// invitation exchange opaque messages (the CPace and key-exchange messages of a remote
// invitation). Any signed key may use one: its id comes from the invitation, which the relay
// never sees, and the messages are meaningless without the invitation's secret. Each message
// number is written once; a rendezvous is gone after its TTL.
import type { FastifyInstance } from 'fastify';
import { type RelayContext, callerKey, longPoll, rendezvousTopic } from '../context';
import { RelayError } from '../errors';
import { sha256 } from '../request-signing';
import { idSchema, refusals, waitSchema } from './schemas';

export const MAX_RENDEZVOUS_SEQ = 15;

const params = {
  type: 'object',
  required: ['rendezvous', 'seq'],
  properties: { rendezvous: idSchema, seq: { type: 'integer', minimum: 0, maximum: MAX_RENDEZVOUS_SEQ } },
} as const;

export function rendezvousRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.put<{ Params: { rendezvous: string; seq: number }; Body: Buffer }>(
    '/v1/rendezvous/:rendezvous/:seq',
    {
      bodyLimit: ctx.config.rendezvousMaxBytes,
      schema: { params, response: { '2xx': { type: 'object', required: ['seq'], properties: { seq: { type: 'integer' } } }, ...refusals } },
    },
    async (request, reply) => {
      callerKey(request);
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new RelayError(400, 'BAD_REQUEST', 'post a non-empty application/octet-stream message');
      const { rendezvous, seq } = request.params;
      const expiresAt = Math.floor(ctx.now() / 1000) + ctx.config.rendezvousTtlSeconds;
      const digest = (request.bodyDigest ?? sha256(body)).toString('base64url');
      const outcome = await ctx.store.putRendezvous(rendezvous, seq, body, digest, expiresAt, ctx.config.rendezvousMaxMessages);
      if (outcome === 'stored') await ctx.notifier.publish(rendezvousTopic(rendezvous));
      return reply.code(outcome === 'stored' ? 201 : 200).send({ seq });
    },
  );

  app.get<{ Params: { rendezvous: string; seq: number }; Querystring: { wait: number } }>(
    '/v1/rendezvous/:rendezvous/:seq',
    {
      schema: {
        params,
        querystring: { type: 'object', additionalProperties: false, properties: { wait: waitSchema } },
        response: refusals,
      },
    },
    async (request, reply) => {
      callerKey(request);
      const { rendezvous, seq } = request.params;
      const seconds = Math.min(request.query.wait, ctx.config.longPollMaxSeconds);
      const read = (): Promise<Buffer | undefined> => ctx.store.rendezvousMessage(rendezvous, seq, Math.floor(ctx.now() / 1000));
      const body = await longPoll(ctx, rendezvousTopic(rendezvous), seconds, read, (b) => b !== undefined);
      if (!body) throw new RelayError(404, 'NO_MESSAGE', `message ${seq} of this rendezvous has not been posted (or expired)`);
      return reply.type('application/octet-stream').send(body);
    },
  );
}
