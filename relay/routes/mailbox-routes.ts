// Mailbox routes: the owner creates a family mailbox (a random id) with a signed roster, replaces
// the roster (add a member, revoke one), deletes the whole mailbox; members read the roster to
// check the owner's signature themselves.
import type { FastifyInstance } from 'fastify';
import { type RelayContext, callerKey, mailboxFor } from '../context';
import { RelayError } from '../errors';
import { hourOf } from '../ids';
import { MAX_MEMBERS, type SignedRoster, verifyRoster } from '../roster';
import { idSchema, keySchema, refusals, signatureSchema } from './schemas';

const mailboxParams = { type: 'object', required: ['mailbox'], properties: { mailbox: idSchema } } as const;
const rosterSchema = {
  type: 'object',
  required: ['version', 'members', 'signature'],
  additionalProperties: false,
  properties: {
    version: { type: 'integer', minimum: 1, maximum: 0xffffffff },
    members: { type: 'array', maxItems: MAX_MEMBERS, uniqueItems: true, items: keySchema },
    signature: signatureSchema,
  },
} as const;

export function mailboxRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.put<{ Params: { mailbox: string }; Body: SignedRoster }>(
    '/v1/mailboxes/:mailbox',
    {
      schema: {
        params: mailboxParams,
        body: rosterSchema,
        response: { '2xx': { type: 'object', required: ['mailbox', 'version'], properties: { mailbox: idSchema, version: { type: 'integer' } } }, ...refusals },
      },
    },
    async (request, reply) => {
      const key = callerKey(request);
      const id = request.params.mailbox;
      const existing = await ctx.store.mailbox(id);
      if (existing && existing.owner !== key) throw new RelayError(403, 'NOT_OWNER', "only the mailbox's owner key replaces its roster");
      verifyRoster(ctx.sodium, id, request.body, key);
      const outcome = await ctx.store.putRoster(id, key, request.body, hourOf(ctx.now()));
      // Also on 'created': another process may still hold a deleted mailbox of the same id.
      if (outcome !== 'unchanged') await ctx.rosters.changed(id);
      return reply.code(outcome === 'created' ? 201 : 200).send({ mailbox: id, version: request.body.version });
    },
  );

  app.get<{ Params: { mailbox: string } }>(
    '/v1/mailboxes/:mailbox/roster',
    {
      schema: {
        params: mailboxParams,
        response: {
          200: { type: 'object', required: ['owner', 'version', 'members', 'signature'], properties: { owner: keySchema, ...rosterSchema.properties } },
          ...refusals,
        },
      },
    },
    async (request) => {
      const mailbox = await mailboxFor(ctx, request.params.mailbox, callerKey(request));
      return { owner: mailbox.owner, ...mailbox.roster };
    },
  );

  app.delete<{ Params: { mailbox: string } }>(
    '/v1/mailboxes/:mailbox',
    { schema: { params: mailboxParams, response: refusals } },
    async (request, reply) => {
      const mailbox = await mailboxFor(ctx, request.params.mailbox, callerKey(request));
      if (mailbox.owner !== request.relayKey) throw new RelayError(403, 'NOT_OWNER', "only the mailbox's owner key deletes it");
      await ctx.store.deleteMailbox(mailbox.id);
      await ctx.rosters.changed(mailbox.id);
      return reply.code(204).send();
    },
  );
}
