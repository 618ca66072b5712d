// Where a relay request's time goes, measured in one process without sockets (Fastify inject on
// SQLite in a temporary folder): the RFC 9421 signature check with Ed25519 and with a session's
// HMAC, Ed25519 alone (libsodium's and the relay's), HMAC alone, opening a session, a one-request
// command signed with Ed25519 against one that opens a session first, the store's reads, the nonce write, a whole fetch and a whole upload, and one fsync
// of this disk (what every durable upload waits for at least once). Explains bench:relay's ratio
// to a bare route.
import { mkdtempSync, openSync, closeSync, fsyncSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealEnvelope } from '../audio/envelope';
import { generatePartyKeys, publicKeys } from '../pairing/identity';
import type { SigningKeyPair } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import { DEFAULT_RELAY_CONFIG } from '../relay/config';
import { Ed25519Verifier } from '../relay/ed25519-verifier';
import { hourOf, toBase64Url } from '../relay/ids';
import { padToBucket } from '../relay/padding';
import { createHmac } from 'node:crypto';
import { sessionRequest } from '../client/relay-session';
import type { SessionOpened } from '../relay/routes/session-route';
import { type RequestSigner, keyIdOf, sessionSigner, signRequest, verifyRequest } from '../relay/request-signing';
import { SessionTickets } from '../relay/session-tickets';
import { signRoster } from '../relay/roster';
import { buildRelay } from '../relay/server';
import { openStore } from '../relay/store/open-store';
import { RelayStore } from '../relay/store/relay-store';

const BASE = 'http://relay.invalid';

async function perCall(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return Number(((performance.now() - started) / n).toFixed(3));
}

/** Two kinds of call taken in turn, so neither meets the store or the disk in a better state; ms per call of each. */
async function alternately(n: number, a: (i: number) => Promise<unknown>, b: (i: number) => Promise<unknown>): Promise<[number, number]> {
  const spent = [0, 0];
  for (let i = 0; i < n; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const started = performance.now();
      await fn(i);
      spent[k]! += performance.now() - started;
    }
  }
  return [Number((spent[0]! / n).toFixed(3)), Number((spent[1]! / n).toFixed(3))];
}

export async function relayCosts(sodium: Sodium, n = 200): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-relay-costs-'));
  const connection = await openStore({ dir });
  const relay = await buildRelay({ ...DEFAULT_RELAY_CONFIG, logLevel: 'silent', ratePerMinute: 1e9, quotaEnvelopes: 1e9, quotaBytes: 2 ** 40 }, { store: connection, sodium });
  try {
    const [owner, member] = [generatePartyKeys(sodium), generatePartyKeys(sodium)];
    const mailbox = toBase64Url(sodium.randombytes_buf(16));
    const signed = async (key: SigningKeyPair | RequestSigner, method: string, path: string, body?: Uint8Array) => ({
      path,
      body,
      headers: { ...(await signRequest(sodium, key, { method, url: `${BASE}${path}`, ...(body && { body }) })), ...(body && { 'content-type': 'application/octet-stream' }) },
    });
    const roster = new TextEncoder().encode(JSON.stringify(signRoster(sodium, mailbox, 1, [keyIdOf(member.signing)], owner.signing)));
    const put = await signed(owner.signing, 'PUT', `/v1/mailboxes/${mailbox}`, roster);
    await relay.app.inject({ method: 'PUT', url: put.path, headers: { ...put.headers, 'content-type': 'application/json' }, payload: Buffer.from(roster) });
    const template = padToBucket(sodium, sealEnvelope(sodium, { audio: sodium.randombytes_buf(16_000 - 291), sender: member, recipients: [publicKeys(owner)], time: 1 }));
    // Sessions: opening one (the phone's side included); the same requests then HMAC-signed.
    const openSession = async (key: SigningKeyPair): Promise<RequestSigner> => {
      const opening = sessionRequest(sodium);
      const req = await signed(key, 'POST', '/v1/sessions', opening.body);
      const answer = await relay.app.inject({ method: 'POST', url: req.path, headers: { ...req.headers, 'content-type': 'application/json' }, payload: Buffer.from(opening.body) });
      return opening.open(answer.json() as SessionOpened, Date.now()).signer;
    };
    const sessionOpenMs = await perCall(n, () => openSession(member.signing));
    const [memberSession, ownerSession] = [await openSession(member.signing), await openSession(owner.signing)];
    const uploadsBy = (signer: SigningKeyPair | RequestSigner) =>
      Promise.all(
        Array.from({ length: n }, () => {
          const body = template.slice();
          body.set(sodium.randombytes_buf(16), 6);
          return signed(signer, 'POST', `/v1/mailboxes/${mailbox}/envelopes`, body);
        }),
      );
    const [uploads, sessionUploads] = [await uploadsBy(member.signing), await uploadsBy(memberSession)];
    const post = (r: { path: string; headers: Record<string, string>; body?: Uint8Array | undefined }) => relay.app.inject({ method: 'POST', url: r.path, headers: r.headers, payload: Buffer.from(r.body!) });
    const [uploadMs, sessionUploadMs] = await alternately(n, (i) => post(uploads[i]!), (i) => post(sessionUploads[i]!));
    const id = Buffer.from(uploads[0]!.body!.subarray(6, 22)).toString('base64url');
    const fetchesBy = (signer: SigningKeyPair | RequestSigner) => Promise.all(Array.from({ length: n }, () => signed(signer, 'GET', `/v1/mailboxes/${mailbox}/envelopes/${id}`)));
    const [fetches, sessionFetches, checks] = [await fetchesBy(owner.signing), await fetchesBy(ownerSession), await fetchesBy(owner.signing)];
    const get = (r: { path: string; headers: Record<string, string> }) => relay.app.inject({ method: 'GET', url: r.path, headers: r.headers });
    const [fetchMs, sessionFetchMs] = await alternately(n, (i) => get(fetches[i]!), (i) => get(sessionFetches[i]!));
    const verifier = new Ed25519Verifier(sodium);
    const signatureCheckMs = await perCall(n, (i) => verifyRequest(verifier, { method: 'GET', url: checks[i]!.path, headers: checks[i]!.headers }, { nowMs: Date.now(), windowSeconds: 300, skewSeconds: 60 }));
    const base = sodium.randombytes_buf(300);
    const signature = sodium.crypto_sign_detached(base, owner.signing.secretKey);
    const ed25519VerifyMs = await perCall(n, () => {
      if (!sodium.crypto_sign_verify_detached(signature, base, owner.signing.publicKey)) throw new Error('a genuine signature did not verify');
    });
    // What the relay runs (ed25519-verifier.ts): OpenSSL on the thread pool, one at a time here.
    const ed25519RelayVerifyMs = await perCall(n, async () => {
      if (!(await verifier.verify(signature, base, owner.signing.publicKey))) throw new Error('a genuine signature did not verify');
    });
    // A command that makes one request: sign it with the key, or open a session first (both sides' CPU, no network).
    const oneRequestEd25519Ms = await perCall(n, async () => {
      const r = await signed(member.signing, 'GET', `/v1/mailboxes/${mailbox}/roster`);
      await relay.app.inject({ method: 'GET', url: r.path, headers: r.headers });
    });
    const oneRequestWithSessionMs = await perCall(n, async () => {
      const r = await signed(await openSession(member.signing), 'GET', `/v1/mailboxes/${mailbox}/roster`);
      await relay.app.inject({ method: 'GET', url: r.path, headers: r.headers });
    });
    const tickets = new SessionTickets(Buffer.alloc(32, 1), 600);
    const minted = tickets.mint(member.signing.publicKey, Date.now());
    const hmacChecks = await Promise.all(Array.from({ length: n }, () => signed(sessionSigner(minted.ticket, minted.session.key), 'GET', `/v1/mailboxes/${mailbox}/envelopes/${id}`)));
    const hmacSignatureCheckMs = await perCall(n, (i) => verifyRequest(verifier, { method: 'GET', url: hmacChecks[i]!.path, headers: hmacChecks[i]!.headers }, { nowMs: Date.now(), windowSeconds: 300, skewSeconds: 60, sessions: tickets }));
    const hmacAloneMs = await perCall(n, () => createHmac('sha256', minted.session.key).update(base).digest());
    const store = new RelayStore(connection);
    const ownerId = keyIdOf(owner.signing);
    const storeReadsMs = await perCall(n, async () => (await store.mailbox(mailbox), await store.envelopeFor(mailbox, id, ownerId, hourOf(Date.now()))));
    const nonceWriteMs = await perCall(n, (i) => store.useNonce(ownerId, `bench-nonce-${i}-xxxxxxxx`, 1));
    const file = join(dir, 'fsync-probe');
    const fd = openSync(file, 'w');
    const diskFsyncMs = await perCall(50, () => (writeSync(fd, 'x'), fsyncSync(fd)));
    closeSync(fd);
    return { uploadMs, sessionUploadMs, fetchMs, sessionFetchMs, signatureCheckMs, hmacSignatureCheckMs, hmacAloneMs, sessionOpenMs, oneRequestEd25519Ms, oneRequestWithSessionMs, ed25519VerifyMs, ed25519RelayVerifyMs, storeReadsMs, nonceWriteMs, diskFsyncMs };
  } finally {
    await relay.close();
    await connection.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
