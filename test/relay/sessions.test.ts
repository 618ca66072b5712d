// Request sessions (relay/session-tickets.ts): a phone proves its key once and then signs with
// HMAC-SHA256 under a session key only it and the relay processes that share the ticket secret
// know. A session authenticates and nothing more: the roster still decides every request, nonces
// are still used once, and a session opened elsewhere, expired, forged or misused is refused with
// a reason the client acts on (opening a new session once).
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpbis } from 'http-message-signatures';
import { sessionRequest } from '../../client/relay-session';
import { type RelayClient, newRelayId } from '../../client/relay-client';
import type { Sodium } from '../../pairing/sodium';
import { type RequestSigner, contentDigest, ed25519Signer, sessionSigner, signRequest } from '../../relay/request-signing';
import type { SessionOpened } from '../../relay/routes/session-route';
import type { Relay } from '../../relay/server';
import { toBase64Url } from '../../relay/ids';
import { TICKET_BYTES, loadTicketSecret } from '../../relay/session-tickets';
import type { StoreConnection } from '../../relay/store/open-store';
import { type Phone, type TestDatabase, phone, sodiumReady, startTestRelay, testDatabase } from './relay-harness';

let sodium: Sodium;
let database: TestDatabase;
let connection: StoreConnection;
let secretFile: string;
const relays: (Relay & { url: string })[] = [];
let clock = Date.now();
let parent: Phone;
let grandma: Phone;
let mailbox: string;

/** A relay process on the shared store: with the shared ticket secret, or (false) a random one of its own. */
async function relay(sharedSecret: boolean, port = 0): Promise<Relay & { url: string }> {
  const started = await startTestRelay(connection, { port, ...(sharedSecret && { sessionSecretFile: secretFile }) }, () => clock);
  relays.push(started);
  return started;
}

/** One request signed by `signer` (`now`: its `created`), sent as is; the status and the refusal code. */
async function send(url: string, signer: RequestSigner, method: string, path: string, now = clock): Promise<{ status: number; error?: string; headers: Record<string, string> }> {
  const headers = await signRequest(sodium, signer, { method, url: `${url}${path}` }, now);
  return resend(url, method, path, headers);
}

async function resend(url: string, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; error?: string; headers: Record<string, string> }> {
  const response = await fetch(`${url}${path}`, { method, headers });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, ...(body.error !== undefined && { error: body.error }), headers };
}

/** Grandma's client with a session opened on a relay that then restarts on the same port. */
async function clientAcrossRestart(sharedSecret: boolean): Promise<RelayClient> {
  const first = await relay(sharedSecret);
  const client = grandma.client(first.url);
  await client.pending(mailbox);
  await first.close();
  relays.splice(relays.indexOf(first), 1);
  await relay(sharedSecret, Number(new URL(first.url).port));
  return client;
}

beforeAll(async () => {
  sodium = await sodiumReady();
});

beforeEach(async () => {
  clock = Date.now();
  database = testDatabase('sqlite');
  connection = await database.open();
  secretFile = join(database.dir, 'session-secret');
  writeFileSync(secretFile, Buffer.from(sodium.randombytes_buf(32)).toString('hex'));
  [parent, grandma] = [phone(sodium), phone(sodium)];
  mailbox = newRelayId(sodium);
  const first = await relay(true);
  await parent.client(first.url).putRoster(mailbox, 1, [grandma.client(first.url).keyId]);
});

afterEach(async () => {
  for (const r of relays.splice(0)) await r.close();
  await connection.close();
  await database.drop();
});

describe('request sessions', () => {
  it('are opened once and then sign every request with HMAC-SHA256', async () => {
    const client = grandma.client(relays[0]!.url);
    await client.pending(mailbox);
    await client.pending(mailbox);
    expect(client.sessionsOpened).toBe(1);
    expect((await client.signer()).alg).toBe('hmac-sha256');
  });

  it('never carry the session key in clear: it is sealed to the one-time key of the opening request', async () => {
    const opening = sessionRequest(sodium);
    const url = relays[0]!.url;
    const headers = await signRequest(sodium, grandma.keys.signing, { method: 'POST', url: `${url}/v1/sessions`, body: opening.body });
    const response = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: opening.body });
    expect(response.status).toBe(201);
    const answer = (await response.json()) as SessionOpened;
    expect(answer.expiresIn).toBe(600);
    expect(Buffer.from(answer.session, 'base64url')).toHaveLength(TICKET_BYTES);
    // Another X25519 key (an eavesdropper's) cannot open the sealed key.
    const eavesdropper = sodium.crypto_box_keypair();
    expect(() => sodium.crypto_box_seal_open(Buffer.from(answer.sealedKey, 'base64url'), eavesdropper.publicKey, eavesdropper.privateKey)).toThrow();
    const signer = opening.open(answer, Date.now()).signer;
    expect(await send(url, signer, 'GET', `/v1/mailboxes/${mailbox}/envelopes`)).toMatchObject({ status: 200 });
  });

  it("bind the one-time X25519 key to the phone's signature: an active attacker's key in the body is refused, digest kept or recomputed", async () => {
    const url = relays[0]!.url;
    const genuine = sessionRequest(sodium).body;
    const attackers = sessionRequest(sodium).body;
    const headers = await signRequest(sodium, grandma.keys.signing, { method: 'POST', url: `${url}/v1/sessions`, body: genuine });
    const post = async (extra: Record<string, string>): Promise<{ status: number; error: string }> => {
      const response = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: { ...headers, ...extra, 'content-type': 'application/json' }, body: attackers });
      return { status: response.status, error: ((await response.json()) as { error: string }).error };
    };
    expect(await post({})).toEqual({ status: 400, error: 'BAD_DIGEST' });
    expect(await post({ 'content-digest': contentDigest(attackers) })).toEqual({ status: 401, error: 'BAD_SIGNATURE' });
  });

  it('are opened only by the phone key itself: a session cannot renew itself, and a key that is no X25519 key is refused', async () => {
    const url = relays[0]!.url;
    const client = grandma.client(url);
    const session = await client.signer();
    const body = sessionRequest(sodium).body;
    const headers = await signRequest(sodium, session, { method: 'POST', url: `${url}/v1/sessions`, body });
    const renewed = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    expect(renewed.status).toBe(401);
    expect(((await renewed.json()) as { error: string }).error).toBe('BAD_SIGNATURE');
    const lowOrder = new TextEncoder().encode(JSON.stringify({ ephemeralKey: Buffer.alloc(32).toString('base64url') }));
    const signed = await signRequest(sodium, grandma.keys.signing, { method: 'POST', url: `${url}/v1/sessions`, body: lowOrder });
    const refused = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: { ...signed, 'content-type': 'application/json' }, body: lowOrder });
    expect(refused.status).toBe(400);
  });

  it('opened on one relay process are accepted by another that shares the ticket secret, and refused as unknown by one that does not', async () => {
    const [shared, stranger] = [await relay(true), await relay(false)];
    const session = await grandma.client(relays[0]!.url).signer();
    const path = `/v1/mailboxes/${mailbox}/envelopes`;
    expect(await send(shared.url, session, 'GET', path)).toMatchObject({ status: 200 });
    expect(await send(stranger.url, session, 'GET', path)).toMatchObject({ status: 401, error: 'SESSION_UNKNOWN' });
  });

  it('unknown to a restarted relay: the client opens a new session once and its request goes through', async () => {
    const client = await clientAcrossRestart(false); // same address, a new random ticket secret
    expect(await client.pending(mailbox)).toEqual([]);
    expect(client.sessionsOpened).toBe(2);
  });

  it('are re-opened once per request at most: a relay that refuses every session gets a refusal, not a loop', async () => {
    const hostile = await startTestRelay(connection, { sessionSeconds: 0 }, () => clock); // every session is over when made
    relays.push(hostile);
    const client = grandma.client(hostile.url);
    await expect(client.pending(mailbox)).rejects.toMatchObject({ status: 401, code: 'SESSION_EXPIRED' });
    expect(client.sessionsOpened).toBe(2);
  });

  it('restarted with the shared secret file, the relay still knows the session', async () => {
    const client = await clientAcrossRestart(true);
    await client.pending(mailbox);
    expect(client.sessionsOpened).toBe(1);
  });

  it('that have ended are refused (SESSION_EXPIRED), however fresh the signature', async () => {
    const url = relays[0]!.url;
    const session = await grandma.client(url).signer();
    clock += 601_000;
    expect(await send(url, session, 'GET', `/v1/mailboxes/${mailbox}/envelopes`, clock)).toMatchObject({ status: 401, error: 'SESSION_EXPIRED' });
  });

  it('use each nonce once, as Ed25519 signatures do', async () => {
    const url = relays[0]!.url;
    const path = `/v1/mailboxes/${mailbox}/envelopes`;
    const first = await send(url, await grandma.client(url).signer(), 'GET', path);
    expect(first.status).toBe(200);
    expect(await resend(url, 'GET', path, first.headers)).toMatchObject({ status: 401, error: 'REPLAYED' });
  });

  it("use each nonce once per phone key across both algorithms: a session's nonce is spent for the key's Ed25519 signatures, and back", async () => {
    const url = relays[0]!.url;
    const path = `/v1/mailboxes/${mailbox}/envelopes`;
    const session = await grandma.client(url).signer();
    const ed25519 = ed25519Signer(sodium, grandma.keys.signing);
    for (const [first, second] of [[session, ed25519], [ed25519, session]] as const) {
      const nonce = sodium.randombytes_buf(16);
      const fixed: Sodium = Object.create(sodium, { randombytes_buf: { value: () => nonce } }); // libsodium with a chosen nonce
      const sign = async (signer: RequestSigner): Promise<Record<string, string>> => signRequest(fixed, signer, { method: 'GET', url: `${url}${path}` }, clock);
      expect(await resend(url, 'GET', path, await sign(first))).toMatchObject({ status: 200 });
      expect(await resend(url, 'GET', path, await sign(second))).toMatchObject({ status: 401, error: 'REPLAYED' });
    }
  });

  it('refuse a wrong HMAC: another key, or a signature made for another request', async () => {
    const url = relays[0]!.url;
    const session = await grandma.client(url).signer();
    const path = `/v1/mailboxes/${mailbox}/envelopes`;
    const wrongKey = sessionSigner(session.keyid, sodium.randombytes_buf(32));
    expect(await send(url, wrongKey, 'GET', path)).toMatchObject({ status: 401, error: 'BAD_SIGNATURE' });
    const elsewhere = await signRequest(sodium, session, { method: 'GET', url: `${url}/v1/mailboxes/${newRelayId(sodium)}/envelopes` });
    expect(await resend(url, 'GET', path, elsewhere)).toMatchObject({ status: 401, error: 'BAD_SIGNATURE' });
  });

  it("for key K never act as key L: K's session is refused L's mailbox, and a ticket edited to name L is unknown", async () => {
    const url = relays[0]!.url;
    const stranger = phone(sodium);
    const session = await stranger.client(url).signer();
    expect(await send(url, session, 'GET', `/v1/mailboxes/${mailbox}/envelopes`)).toMatchObject({ status: 403, error: 'NOT_A_MEMBER' });
    const ticket = Buffer.from(session.keyid, 'base64url');
    ticket.set(grandma.keys.signing.publicKey, 5); // the public key's place in the ticket
    const edited = sessionSigner(ticket.toString('base64url'), sodium.randombytes_buf(32));
    expect(await send(url, edited, 'GET', `/v1/mailboxes/${mailbox}/envelopes`)).toMatchObject({ status: 401, error: 'SESSION_UNKNOWN' });
  });

  it('leave authorization to the roster: a revoked member with a live session gets 403', async () => {
    const url = relays[0]!.url;
    const client = grandma.client(url);
    await client.pending(mailbox);
    await parent.client(url).putRoster(mailbox, 2, []);
    await expect(client.pending(mailbox)).rejects.toMatchObject({ status: 403, code: 'NOT_A_MEMBER' });
    expect(client.sessionsOpened).toBe(1);
  });

  it("judge a signature's age by the relay's clock, not the machine's", async () => {
    const url = relays[0]!.url;
    clock -= 3_600_000; // the relay's clock an hour behind this machine's: signatures made by it are fresh
    const path = `/v1/mailboxes/${mailbox}/envelopes`;
    expect(await send(url, ed25519Signer(sodium, grandma.keys.signing), 'GET', path, clock)).toMatchObject({ status: 200 });
    expect(await send(url, ed25519Signer(sodium, grandma.keys.signing), 'GET', path, clock - 301_000)).toMatchObject({ status: 401, error: 'EXPIRED_SIGNATURE' });
  });

  it('refuse a signature that sets its own expires (the window is the relay\'s, by its clock)', async () => {
    const url = relays[0]!.url;
    const path = `/v1/mailboxes/${mailbox}/envelopes`;
    const key = grandma.keys.signing;
    const signed = await httpbis.signMessage(
      {
        key: { id: toBase64Url(key.publicKey), alg: 'ed25519', sign: async (data) => Buffer.from(sodium.crypto_sign_detached(data, key.secretKey)) },
        fields: ['@method', '@path', '@query'],
        params: ['created', 'nonce', 'keyid', 'alg', 'expires'],
        paramValues: { created: new Date(clock), expires: new Date(clock + 3_600_000), nonce: toBase64Url(sodium.randombytes_buf(16)) },
      },
      { method: 'GET', url: `${url}${path}`, headers: {} },
    );
    const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
    expect(headers['signature-input']).toContain('expires=');
    const { status, error } = await resend(url, 'GET', path, headers);
    expect({ status, error }).toEqual({ status: 401, error: 'BAD_SIGNATURE' });
  });

  it('refuse malformed session signature headers with a 4xx and a reason, never a 500', async () => {
    const url = relays[0]!.url;
    const path = `/v1/mailboxes/${mailbox}/envelopes`;
    const session = await grandma.client(url).signer();
    const good = await signRequest(sodium, session, { method: 'GET', url: `${url}${path}` });
    const input = good['signature-input']!;
    const variants = [
      input.replace(/keyid="[^"]*"/, 'keyid=""'),
      input.replace(/keyid="[^"]*"/, 'keyid="%%%"'),
      input.replace(/keyid="[^"]*"/, 'keyid=12'),
      input.replace(/keyid="[^"]*"/, `keyid="${grandma.client(url).keyId}"`),
      input.replace(/keyid="[^"]*"/, `keyid="${'A'.repeat(2000)}"`),
      input.replace(/keyid="[^"]*"/, `keyid=:${Buffer.from(session.keyid, 'base64url').toString('base64')}:`),
      input.replace(/alg="[^"]*"/, 'alg="ed25519"'),
      input.replace(/alg="[^"]*"/, 'alg="hmac-sha512"'),
      input.replace(/alg="[^"]*"/, 'alg=hmac-sha256'),
      input.replace(/created=\d+/, 'created="soon"'),
      input.replace(/created=\d+/, 'created=99999999999999'),
      input.replace(/nonce="[^"]*"/, 'nonce=?1'),
      `${input}, sig2=${input.slice(input.indexOf('=') + 1)}`,
      'sig1=("@method";req);keyid="x"',
      '(((',
    ];
    for (const variant of variants) {
      const { status, error } = await resend(url, 'GET', path, { ...good, 'signature-input': variant });
      expect({ variant, status: status >= 400 && status < 500, error: typeof error }).toEqual({ variant, status: true, error: 'string' });
    }
    for (const signature of ['sig1=:AAAA:', 'sig1=:', 'sig1=?0', `sig1=:${'A'.repeat(4000)}==:`]) {
      const { status } = await resend(url, 'GET', path, { ...good, signature });
      expect({ signature, status: status >= 400 && status < 500 }).toEqual({ signature, status: true });
    }
  });

  it('need a ticket secret of at least 32 bytes when one is given', async () => {
    writeFileSync(secretFile, 'short');
    await expect(relay(true)).rejects.toThrow('at least 32 random bytes');
  });

  it('warn, by file name and never its contents, when the ticket secret file is readable by others', () => {
    const warnings: string[] = [];
    chmodSync(secretFile, 0o644);
    const secret = loadTicketSecret(secretFile, (message) => warnings.push(message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(secretFile);
    expect(warnings[0]).toContain('644');
    expect(warnings[0]).not.toContain(secret.toString('utf8'));
    chmodSync(secretFile, 0o600);
    loadTicketSecret(secretFile, (message) => warnings.push(message));
    expect(warnings).toHaveLength(1);
  });
});
