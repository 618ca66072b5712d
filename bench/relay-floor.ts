// The floor for bench:relay: the bare Fastify route (relay-bare.ts) plus only the work no relay
// that authenticates and stores can skip, done the cheapest way, in its own process like the
// relay. Per request: one HMAC-SHA256 over the covered header values and a constant-time compare
// (the session check without RFC 9421 parsing, the nonce table, the roster or rate limits), the
// body's SHA-256 against its Content-Digest, and one prepared SQLite statement (insert the body,
// or read it back) in WAL mode with synchronous=NORMAL: no fsync per commit, so NOT durable.
// Its throughput is an upper bound for any relay built on Fastify and SQLite here, not a design.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify, { type FastifyRequest } from 'fastify';

const dir = mkdtempSync(join(tmpdir(), 'plushlink-bench-floor-'));
const db = new Database(join(dir, 'floor.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE envelopes (id BLOB PRIMARY KEY, mailbox TEXT NOT NULL, body BLOB NOT NULL)');
const insert = db.prepare('INSERT INTO envelopes (id, mailbox, body) VALUES (?, ?, ?)');
const select = db.prepare('SELECT body FROM envelopes WHERE id = ?').pluck();
const BODY = Buffer.alloc(16_384, 7);
const FETCHED_ID = randomBytes(16);
insert.run(FETCHED_ID, 'AAAAAAAAAAAAAAAAAAAAAA', BODY);
const sessionKey = randomBytes(32);

/** The session check's cost: an HMAC over what RFC 9421 covers, compared in constant time. */
function authenticate(request: FastifyRequest): boolean {
  const header = (name: string): string => String(request.headers[name] ?? '');
  const base = `"@method": ${request.method}\n"@path": ${request.url}\n"content-digest": ${header('content-digest')}\n"@signature-params": ${header('signature-input')}`;
  const mac = createHmac('sha256', sessionKey).update(base).digest();
  const claimed = Buffer.alloc(32);
  Buffer.from(header('signature').slice(-45), 'base64').copy(claimed);
  return timingSafeEqual(mac, claimed);
}

const app = Fastify({ logger: false, bodyLimit: 4 * 2 ** 20 });
app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post<{ Params: { mailbox: string } }>('/v1/mailboxes/:mailbox/envelopes', async (request, reply) => {
  const body = request.body as Buffer;
  authenticate(request);
  const digest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
  if (digest !== request.headers['content-digest']) return reply.code(400).send({ error: 'digest' });
  insert.run(randomBytes(16), request.params.mailbox, body);
  return reply.code(201).send({ id: 'floor', size: body.length });
});
app.get('/v1/mailboxes/:mailbox/envelopes/:id', async (request, reply) => {
  authenticate(request);
  return reply.type('application/octet-stream').send(select.get(FETCHED_ID) as Buffer);
});
app.listen({ host: '127.0.0.1', port: 0 }).then(() => {
  const address = app.server.address();
  process.stderr.write(`relay listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => {
  void app.close().then(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
