// GET /healthz: unsigned, for load balancers and supervisors: answers 200 once the database
// answers a query, 503 when it does not or while the relay shuts down.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { RelayContext } from '../context';

export function healthRoute(app: FastifyInstance, ctx: RelayContext, store: 'sqlite' | 'postgres'): void {
  app.get(
    '/healthz',
    {
      config: { signed: false, rateLimit: false },
      schema: {
        response: {
          200: { type: 'object', required: ['status', 'store'], properties: { status: { type: 'string' }, store: { type: 'string' } } },
          503: { type: 'object', properties: { status: { type: 'string' }, store: { type: 'string' } } },
        },
      },
    },
    async (_request, reply) => {
      if (ctx.closing()) return reply.code(503).send({ status: 'closing', store });
      try {
        await sql`select 1`.execute(ctx.store.db);
        return { status: 'ok', store };
      } catch {
        return reply.code(503).send({ status: 'database unreachable', store });
      }
    },
  );
}
