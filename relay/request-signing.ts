// Signed requests: every request to the relay carries an RFC 9421 HTTP Message Signature covering
// @method, @path, @query and, when there is a body, its RFC 9530 Content-Digest (sha-256), with
// `created` and a random `nonce`. Two algorithms: "ed25519" with the phone's per-toy key (keyid =
// the public key in base64url), and "hmac-sha256" with a session key (keyid = the session's
// ticket, session-tickets.ts), which acts as the key that opened the session. The relay accepts a
// signature for a short window and each nonce once per phone key, whichever algorithm signed it.
// The http-message-signatures library builds and parses the signature base; Ed25519 signing is
// libsodium's, verifying is ed25519-verifier.ts (libsodium's rules, OpenSSL's speed); HMAC is
// node:crypto's, compared in constant time.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ExpiredError, httpbis } from 'http-message-signatures';
import type { SigningKeyPair } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import type { Ed25519Verifier } from './ed25519-verifier';
import { RelayError } from './errors';
import { KEY_BYTES, fromBase64Url, toBase64Url } from './ids';
import type { SessionTickets } from './session-tickets';

const PARAMS = ['created', 'nonce', 'keyid', 'alg'];
const COMPONENTS = ['@method', '@path', '@query'];
export type SignatureAlg = 'ed25519' | 'hmac-sha256';
const ALGS: readonly SignatureAlg[] = ['ed25519', 'hmac-sha256'];
const HMAC_BYTES = 32;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export interface OutgoingRequest {
  readonly method: string;
  /** Absolute URL. */
  readonly url: string;
  readonly body?: Uint8Array;
}

export const sha256 = (body: Uint8Array): Buffer => createHash('sha256').update(body).digest();

export function contentDigest(body: Uint8Array): string {
  return contentDigestOf(sha256(body));
}

const contentDigestOf = (digest: Buffer): string => `sha-256=:${digest.toString('base64')}:`;

/** The key id the relay knows a phone by: its per-toy Ed25519 public key, base64url. */
export function keyIdOf(key: SigningKeyPair | Uint8Array): string {
  return toBase64Url(key instanceof Uint8Array ? key : key.publicKey);
}

/** Who signs: a key id, an algorithm and the signing function over the signature base. */
export interface RequestSigner {
  readonly keyid: string;
  readonly alg: SignatureAlg;
  sign(data: Buffer): Buffer;
}

export const ed25519Signer = (sodium: Sodium, key: SigningKeyPair): RequestSigner => ({
  keyid: keyIdOf(key),
  alg: 'ed25519',
  sign: (data) => Buffer.from(sodium.crypto_sign_detached(data, key.secretKey)),
});

const hmac = (key: Uint8Array, data: Buffer): Buffer => createHmac('sha256', key).update(data).digest();

/** Signs with a session (keyid = its ticket) and its key. */
export const sessionSigner = (ticket: string, key: Uint8Array): RequestSigner => ({ keyid: ticket, alg: 'hmac-sha256', sign: (data) => hmac(key, data) });

/**
 * Returns the headers that sign `request` (signature, signature-input, content-digest), with a
 * phone key (Ed25519) or a session's signer.
 */
export async function signRequest(sodium: Sodium, key: SigningKeyPair | RequestSigner, request: OutgoingRequest, now = Date.now()): Promise<Record<string, string>> {
  const signer = 'sign' in key ? key : ed25519Signer(sodium, key);
  const headers: Record<string, string> = {};
  const fields = [...COMPONENTS];
  if (request.body !== undefined) {
    headers['content-digest'] = contentDigest(request.body);
    fields.push('content-digest');
  }
  const signed = await httpbis.signMessage(
    {
      key: { id: signer.keyid, alg: signer.alg, sign: async (data) => signer.sign(data) },
      fields,
      params: PARAMS,
      paramValues: { created: new Date(now), nonce: toBase64Url(sodium.randombytes_buf(16)) },
    },
    { method: request.method, url: request.url, headers },
  );
  return Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
}

export interface IncomingRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body, when the request has one. */
  readonly body?: Buffer;
}

export interface VerifiedSignature {
  /** The phone key the request acts as (for a session: the key that opened it). */
  readonly keyId: string;
  readonly alg: SignatureAlg;
  readonly nonce: string;
  /** Seconds since the epoch. */
  readonly created: number;
  /** SHA-256 of the body (checked against Content-Digest), when there is one. */
  readonly bodyDigest?: Buffer;
}

export interface VerifyOptions {
  readonly nowMs: number;
  /** How old a signature may be, in seconds (also how long nonces are kept). */
  readonly windowSeconds: number;
  /** How far ahead of the relay's clock `created` may be (phones' clocks drift). */
  readonly skewSeconds: number;
  /** Accepts "hmac-sha256" signatures by the sessions these tickets stand for. */
  readonly sessions?: SessionTickets;
}

function header(request: IncomingRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Checks the request's signature (one signature, Ed25519 or a session's HMAC, in the window,
 * covering what it must) and its content digest. Throws a 4xx RelayError with the reason; the caller checks the nonce.
 */
export async function verifyRequest(verifier: Ed25519Verifier, request: IncomingRequest, options: VerifyOptions): Promise<VerifiedSignature> {
  if (header(request, 'signature') === undefined || header(request, 'signature-input') === undefined) {
    throw new RelayError(401, 'UNSIGNED', 'the request has no Signature and Signature-Input (RFC 9421) headers');
  }
  const hasBody = request.body !== undefined && request.body.length > 0;
  const bodyDigest = hasBody ? sha256(request.body!) : undefined;
  if (bodyDigest && header(request, 'content-digest') !== contentDigestOf(bodyDigest)) {
    throw new RelayError(400, 'BAD_DIGEST', 'Content-Digest is missing or is not the sha-256 of the body');
  }
  const seen: { keyid?: unknown; nonce?: unknown; created?: unknown; alg?: unknown; expires?: unknown }[] = [];
  let actsAs: { keyId: string; alg: SignatureAlg } | undefined;
  let valid: boolean | null;
  try {
    valid = await httpbis.verifyMessage(
      {
        keyLookup: async (params) => {
          seen.push(params);
          if (seen.length > 1) throw new RelayError(400, 'BAD_SIGNATURE', 'send exactly one signature');
          if (typeof params.nonce !== 'string' || !NONCE_PATTERN.test(params.nonce)) throw new RelayError(401, 'BAD_SIGNATURE', 'nonce must be 16-64 base64url characters');
          // The library would judge `expires` by the machine's Date.now(); the relay's window is
          // created + windowSeconds by its own clock, so a signature may not set its own.
          if (params.expires !== undefined) throw new RelayError(401, 'BAD_SIGNATURE', 'the relay takes no expires parameter: a signature is valid for a window after its created time');
          if (params.alg === 'hmac-sha256' && options.sessions && typeof params.keyid === 'string') {
            const session = options.sessions.open(params.keyid, options.nowMs);
            actsAs = { keyId: session.keyId, alg: 'hmac-sha256' };
            return { id: params.keyid, algs: ['hmac-sha256'], verify: async (data, signature) => signature.length === HMAC_BYTES && timingSafeEqual(hmac(session.key, data), signature) };
          }
          if (params.alg !== 'ed25519') throw new RelayError(401, 'BAD_SIGNATURE', `alg must be one of ${ALGS.map((a) => `"${a}"`).join(', ')}${options.sessions ? ' (hmac-sha256 with a session ticket as keyid)' : ''}`);
          const publicKey = typeof params.keyid === 'string' ? fromBase64Url(params.keyid, KEY_BYTES, 'keyid') : undefined;
          if (!publicKey) throw new RelayError(401, 'BAD_SIGNATURE', 'keyid must be an Ed25519 public key in base64url');
          actsAs = { keyId: params.keyid as string, alg: 'ed25519' };
          return {
            id: params.keyid,
            algs: ['ed25519'],
            verify: (data, signature) => verifier.verify(signature, data, publicKey),
          };
        },
        requiredParams: PARAMS,
        requiredFields: hasBody ? [...COMPONENTS, 'content-digest'] : COMPONENTS,
        // No maxAge: the library would judge it by the machine's Date.now(), not the relay's clock;
        // the window is checked below against options.nowMs (notAfter already takes that clock).
        notAfter: Math.floor(options.nowMs / 1000) + options.skewSeconds,
      },
      { method: request.method, url: new URL(request.url, 'http://relay.invalid'), headers: request.headers as Record<string, string | string[]> },
    );
  } catch (error) {
    if (error instanceof RelayError) throw error;
    if (error instanceof ExpiredError) throw new RelayError(401, 'EXPIRED_SIGNATURE', `the signature is older than ${options.windowSeconds} s or from the future`);
    throw new RelayError(401, 'BAD_SIGNATURE', `the signature headers do not parse or do not cover @method, @path, @query${hasBody ? ', content-digest' : ''} with created, nonce, keyid, alg`);
  }
  const params = seen[0];
  if (valid !== true || !params || !actsAs) throw new RelayError(401, 'BAD_SIGNATURE', 'the signature does not verify');
  const created = params.created instanceof Date ? Math.floor(params.created.getTime() / 1000) : NaN;
  // The age check is ours alone (the relay's clock, and `created` must be present and a number).
  const now = Math.floor(options.nowMs / 1000);
  if (!Number.isFinite(created) || created < now - options.windowSeconds || created > now + options.skewSeconds) {
    throw new RelayError(401, 'EXPIRED_SIGNATURE', 'created is missing or outside the accepted window');
  }
  return { ...actsAs, nonce: params.nonce as string, created, ...(bodyDigest && { bodyDigest }) };
}
