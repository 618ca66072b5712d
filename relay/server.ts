// The relay as an HTTP service: Fastify with JSON schemas on every route, pino logs (never a
// client address, never a body), signed-request authentication (Ed25519, or a session's HMAC)
// before any route runs, per-key rate limits, refusals as 4xx with a reason, a retention sweeper,
// and graceful shutdown (stop accepting, wake long polls, finish in-flight requests, close the
// database).
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { type Sodium, sodiumReady } from '../pairing/sodium';
import type { RelayConfig } from './config';
import type { RelayContext } from './context';
import { Ed25519Verifier } from './ed25519-verifier';
import { type RelayErrorBody, RelayError } from './errors';
import { hourOf } from './ids';
import { verifyRequest } from './request-signing';
import { RosterCache } from './roster-cache';
import { envelopeRoutes } from './routes/envelope-routes';
import { healthRoute } from './routes/health-route';
import { mailboxRoutes } from './routes/mailbox-routes';
import { rendezvousRoutes } from './routes/rendezvous-routes';
import { sessionRoute } from './routes/session-route';
import { SessionTickets, loadTicketSecret } from './session-tickets';
import { type StoreConnection, openStore } from './store/open-store';
import { RelayStore } from './store/relay-store';

export interface RelayOptions {
  /** An already open store (tests share one); otherwise opened from the configuration. */
  readonly store?: StoreConnection;
  readonly sodium?: Sodium;
  /** The relay's clock in ms (tests move it). */
  readonly now?: () => number;
}

export interface Relay {
  readonly app: FastifyInstance;
  readonly store: StoreConnection;
  /** Runs one retention pass now (the sweeper also runs every `sweepSeconds`). */
  sweep(): Promise<void>;
  /** Graceful shutdown; also closes the store unless it was passed in. */
  close(): Promise<void>;
}

function registerBodyParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    json(request, (body as Buffer).toString('utf8'), done);
  });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    done(null, body);
  });
}

function refuse(error: FastifyError | RelayError, request: FastifyRequest): { status: number; body: RelayErrorBody; retryAfter?: number } {
  if (error instanceof RelayError) return { status: error.statusCode, body: { error: error.code, message: error.message }, ...(error.retryAfter !== undefined && { retryAfter: error.retryAfter }) };
  if (error.validation) return { status: 400, body: { error: 'BAD_REQUEST', message: error.message } };
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, body: { error: error.code ?? 'BAD_REQUEST', message: error.message } };
  request.log.error({ err: error }, 'relay fault');
  return { status: 500, body: { error: 'INTERNAL', message: 'the relay failed before acknowledging this request; send it again (an upload with the same id is idempotent)' } };
}

export async function buildRelay(config: RelayConfig, options: RelayOptions = {}): Promise<Relay> {
  const sodium = options.sodium ?? (await sodiumReady());
  const connection = options.store ?? (await openStore({ dir: config.dir, ...(config.db !== undefined && { db: config.db }) }));
  const store = new RelayStore(connection);
  const now = options.now ?? Date.now;
  const shutdownWaiters = new Set<() => void>();
  let closing = false;

  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Requests are logged by method and route only: no client address, no header, no body.
      serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }), res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }) },
    },
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: 'all' } },
  });
  registerBodyParsers(app);

  const verifier = new Ed25519Verifier(sodium);
  const sessions = new SessionTickets(loadTicketSecret(config.sessionSecretFile, (message) => app.log.warn(message)), config.sessionSeconds);
  const rosters = new RosterCache(connection.notifier, (id) => store.mailbox(id));
  const ctx: RelayContext = {
    store,
    notifier: connection.notifier,
    rosters,
    sessions,
    sodium,
    config,
    now,
    onShutdown: (wake) => (shutdownWaiters.add(wake), () => void shutdownWaiters.delete(wake)),
    closing: () => closing,
  };

  app.setErrorHandler((error: FastifyError | RelayError, request, reply) => {
    const { status, body, retryAfter } = refuse(error, request);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }));

  // Authentication: before validation so that nothing unsigned reaches a handler or the store.
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.config.signed === false || request.is404) return;
    const verified = await verifyRequest(
      verifier,
      { method: request.method, url: request.url, headers: request.headers, ...(request.rawBody !== undefined && { body: request.rawBody }) },
      { nowMs: now(), windowSeconds: config.signatureWindowSeconds, skewSeconds: config.clockSkewSeconds, sessions },
    );
    const keepUntil = verified.created + config.signatureWindowSeconds + config.clockSkewSeconds;
    if (!(await store.useNonce(verified.keyId, verified.nonce, keepUntil))) throw new RelayError(401, 'REPLAYED', 'this signature nonce was already used: a replayed request');
    request.relayKey = verified.keyId;
    request.relayAlg = verified.alg;
    request.bodyDigest = verified.bodyDigest;
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: config.ratePerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.relayKey ?? 'unsigned',
    errorResponseBuilder: (_request, context) =>
      new RelayError(429, 'RATE_LIMITED', `more than ${context.max} requests per minute from this key`, Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  healthRoute(app, ctx, connection.dialect);
  mailboxRoutes(app, ctx);
  envelopeRoutes(app, ctx);
  rendezvousRoutes(app, ctx);
  sessionRoute(app, ctx);

  const sweep = async (): Promise<void> => {
    const t = now();
    await store.sweepExpired(hourOf(t));
    await store.sweepNonces(Math.floor(t / 1000));
  };
  const sweeper = setInterval(() => sweep().catch((error: unknown) => app.log.warn({ err: error }, 'retention sweep failed')), config.sweepSeconds * 1000);
  sweeper.unref();

  app.addHook('preClose', async () => {
    closing = true;
    for (const wake of shutdownWaiters) wake();
  });
  app.addHook('onClose', async () => {
    clearInterval(sweeper);
    rosters.close();
    if (!options.store) await connection.close();
  });
  await app.ready();
  return { app, store: connection, sweep, close: () => app.close() };
}

/** Builds a relay and listens; resolves with its base URL. */
export async function startRelay(config: RelayConfig, options: RelayOptions = {}): Promise<Relay & { readonly url: string }> {
  const relay = await buildRelay(config, options);
  try {
    await relay.app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await relay.close();
    throw error;
  }
  const address = relay.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { ...relay, url: `http://${host}:${port}` };
}
