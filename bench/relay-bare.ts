// The ratio's denominator for bench:relay: a bare Fastify route that accepts the same 16 kB
// octet-stream body and answers 201 with a small JSON receipt, in its own process like the relay.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 4 * 2 ** 20 });
app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/v1/mailboxes/:mailbox/envelopes', async (request, reply) => reply.code(201).send({ id: 'bare', size: (request.body as Buffer).length }));
app.get('/v1/mailboxes/:mailbox/envelopes/:id', async (_request, reply) => reply.type('application/octet-stream').send(BODY));
const BODY = Buffer.alloc(16_384, 7);
app.listen({ host: '127.0.0.1', port: 0 }).then(() => {
  const address = app.server.address();
  process.stderr.write(`relay listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
