// The legacy cloud as CloudPets ran it in 2017, rebuilt on purpose for the attack suite and
// demonstrations (never a product default; the family relay, relay/, is plushlink's cloud).
// Three servers, as the breach found them:
// - the app's API: accounts by e-mail with a bcrypt password and no strength rule ("qwe" was
//   the tutorial's example), children's names and birthdates, parents and "friends", voice
//   messages uploaded as plain Ogg Opus;
// - the bucket: a static file server holding every voice message at a guessable URL
//   (sequential numbers), readable by anyone, like the public S3 bucket;
// - the database port: the database answering any query from anyone, with no credentials, like
//   the open MongoDB (here SQLite behind an unauthenticated query endpoint).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import bcrypt from 'bcryptjs';
import type Database from 'better-sqlite3';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { openLegacyDatabase, runSql } from './database';

export interface LegacyCloudOptions {
  /** Folder of the database file and the bucket. */
  readonly dir: string;
  /** bcrypt cost; CloudPets used 10. Tests that hash many accounts pass a lower one. */
  readonly bcryptCost?: number;
  readonly host?: string;
}

export interface LegacyCloud {
  readonly apiUrl: string;
  readonly bucketUrl: string;
  /** The open database port: POST any SQL text, get rows back. */
  readonly databaseUrl: string;
  readonly db: Database.Database;
  /** Where the bucket keeps its files. */
  readonly bucketDir: string;
  close(): Promise<void>;
}

export const CLOUDPETS_BCRYPT_COST = 10;

class CloudError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const now = (): string => new Date().toISOString();

async function listen(app: FastifyInstance, host: string): Promise<string> {
  await app.listen({ host, port: 0 });
  const address = app.server.address();
  return `http://${host}:${typeof address === 'object' && address ? address.port : 0}`;
}

function apiServer(db: Database.Database, bucketDir: string, bucketUrl: string, cost: number): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 2 * 2 ** 20 });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => reply.code(error.statusCode ?? 500).send({ error: error.message }));

  const account = (request: FastifyRequest): { id: number } => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const row = token ? (db.prepare('SELECT id FROM accounts WHERE token = ?').get(token) as { id: number } | undefined) : undefined;
    if (!row) throw new CloudError(401, 'log in first');
    return row;
  };
  const related = (accountId: number, childId: number): void => {
    if (!db.prepare('SELECT 1 FROM relationships WHERE account_id = ? AND child_id = ?').get(accountId, childId)) throw new CloudError(403, 'not your child');
  };

  app.post<{ Body: { email: string; password: string; name: string } }>('/v1/signup', async (request) => {
    const { email, password, name } = request.body;
    // No strength rule: "a" and "qwe" are as welcome as anything.
    if (typeof email !== 'string' || typeof password !== 'string' || password.length === 0) throw new CloudError(400, 'e-mail and password needed');
    const token = randomBytes(16).toString('hex');
    const hash = await bcrypt.hash(password, cost);
    const id = Number(db.prepare('INSERT INTO accounts (email, password_hash, display_name, token, created_at) VALUES (?, ?, ?, ?, ?)').run(email, hash, String(name ?? ''), token, now()).lastInsertRowid);
    return { accountId: id, token };
  });

  app.post<{ Body: { email: string; password: string } }>('/v1/login', async (request) => {
    const row = db.prepare('SELECT id, password_hash, token FROM accounts WHERE email = ?').get(String(request.body?.email)) as
      | { id: number; password_hash: string; token: string }
      | undefined;
    if (!row || !(await bcrypt.compare(String(request.body?.password), row.password_hash))) throw new CloudError(401, 'wrong e-mail or password');
    // One long-lived token per account, kept in the database beside the hash.
    return { accountId: row.id, token: row.token };
  });

  app.post<{ Body: { name: string; birthdate: string; toyModel: string } }>('/v1/children', async (request) => {
    const me = account(request);
    const { name, birthdate, toyModel } = request.body;
    const id = Number(db.prepare('INSERT INTO children (name, birthdate, toy_model) VALUES (?, ?, ?)').run(String(name), String(birthdate), String(toyModel ?? '')).lastInsertRowid);
    db.prepare('INSERT INTO relationships (account_id, child_id, relation) VALUES (?, ?, ?)').run(me.id, id, 'parent');
    return { childId: id };
  });

  app.post<{ Params: { child: string }; Body: { email: string; relation: string } }>('/v1/children/:child/relationships', async (request) => {
    const me = account(request);
    const child = Number(request.params.child);
    related(me.id, child);
    const friend = db.prepare('SELECT id FROM accounts WHERE email = ?').get(String(request.body.email)) as { id: number } | undefined;
    if (!friend) throw new CloudError(404, 'no such account');
    db.prepare('INSERT OR REPLACE INTO relationships (account_id, child_id, relation) VALUES (?, ?, ?)').run(friend.id, child, String(request.body.relation ?? 'friend'));
    return { ok: true };
  });

  app.post<{ Params: { child: string }; Querystring: { direction?: string } }>('/v1/children/:child/messages', async (request) => {
    const me = account(request);
    const child = Number(request.params.child);
    related(me.id, child);
    const audio = request.body as Buffer;
    if (!Buffer.isBuffer(audio) || audio.length === 0) throw new CloudError(400, 'send the audio as application/octet-stream');
    const insert = db.prepare('INSERT INTO messages (child_id, from_account, direction, url, created_at) VALUES (?, ?, ?, ?, ?)');
    const id = Number(insert.run(child, me.id, request.query.direction === 'from-child' ? 'from-child' : 'to-child', '', now()).lastInsertRowid);
    // The file is named by the message's number: whoever saw one URL can count through the rest.
    const name = `recordings/${id}.ogg`;
    writeFileSync(join(bucketDir, name), audio);
    const url = `${bucketUrl}/${name}`;
    db.prepare('UPDATE messages SET url = ? WHERE id = ?').run(url, id);
    return { messageId: id, url };
  });

  app.get<{ Params: { child: string } }>('/v1/children/:child/messages', async (request) => {
    const me = account(request);
    const child = Number(request.params.child);
    related(me.id, child);
    return { messages: db.prepare('SELECT id, from_account AS "from", direction, url, created_at AS createdAt FROM messages WHERE child_id = ? ORDER BY id').all(child) };
  });
  return app;
}

/** The open database: any SQL text POSTed to it runs, for anyone, with no credentials. */
function databasePort(db: Database.Database): FastifyInstance {
  const app = Fastify({ logger: false });
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/', async (request, reply) => {
    try {
      return { rows: runSql(db, String(request.body)) };
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
  });
  return app;
}

export async function startLegacyCloud(options: LegacyCloudOptions): Promise<LegacyCloud> {
  const host = options.host ?? '127.0.0.1';
  const db = openLegacyDatabase(options.dir);
  const bucketDir = join(options.dir, 'bucket');
  mkdirSync(join(bucketDir, 'recordings'), { recursive: true });
  const bucket = Fastify({ logger: false });
  await bucket.register(fastifyStatic, { root: bucketDir, index: false, list: false });
  const bucketUrl = await listen(bucket, host);
  const api = apiServer(db, bucketDir, bucketUrl, options.bcryptCost ?? CLOUDPETS_BCRYPT_COST);
  const port = databasePort(db);
  const servers = [bucket, api, port];
  try {
    const apiUrl = await listen(api, host);
    const databaseUrl = await listen(port, host);
    return {
      apiUrl,
      bucketUrl,
      databaseUrl,
      db,
      bucketDir,
      close: async () => {
        for (const s of servers) await s.close();
        db.close();
      },
    };
  } catch (error) {
    for (const s of servers) await s.close();
    db.close();
    throw error;
  }
}
