// Signed requests: every request to the relay carries an RFC 9421 HTTP Message Signature made
// with the phone's per-toy Ed25519 key (alg "ed25519", keyid = the public key in base64url),
// covering @method, @path, @query and, when there is a body, its RFC 9530 Content-Digest
// (sha-256), with `created` and a random `nonce`. The relay accepts a signature for a short
// window and each nonce once per key. The http-message-signatures library builds and parses the
// signature base; signing is libsodium's, verifying is ed25519-verifier.ts (libsodium's rules,
// OpenSSL's speed).
import { createHash } from 'node:crypto';
import { ExpiredError, httpbis } from 'http-message-signatures';
import type { SigningKeyPair } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import type { Ed25519Verifier } from './ed25519-verifier';
import { RelayError } from './errors';
import { KEY_BYTES, fromBase64Url, toBase64Url } from './ids';

const PARAMS = ['created', 'nonce', 'keyid', 'alg'];
const COMPONENTS = ['@method', '@path', '@query'];
const ALG = 'ed25519';
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

/** Returns the headers that sign `request` (signature, signature-input, content-digest). */
export async function signRequest(sodium: Sodium, key: SigningKeyPair, request: OutgoingRequest, now = Date.now()): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const fields = [...COMPONENTS];
  if (request.body !== undefined) {
    headers['content-digest'] = contentDigest(request.body);
    fields.push('content-digest');
  }
  const signed = await httpbis.signMessage(
    {
      key: { id: keyIdOf(key), alg: ALG, sign: async (data) => Buffer.from(sodium.crypto_sign_detached(data, key.secretKey)) },
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
  readonly keyId: string;
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
}

function header(request: IncomingRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Checks the request's signature (one signature, Ed25519, in the window, covering what it must)
 * and its content digest. Throws a 4xx RelayError with the reason; the caller checks the nonce.
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
  const seen: { keyid?: unknown; nonce?: unknown; created?: unknown; alg?: unknown }[] = [];
  let valid: boolean | null;
  try {
    valid = await httpbis.verifyMessage(
      {
        keyLookup: async (params) => {
          seen.push(params);
          if (seen.length > 1) throw new RelayError(400, 'BAD_SIGNATURE', 'send exactly one signature');
          if (params.alg !== ALG) throw new RelayError(401, 'BAD_SIGNATURE', `alg must be "${ALG}"`);
          if (typeof params.nonce !== 'string' || !NONCE_PATTERN.test(params.nonce)) throw new RelayError(401, 'BAD_SIGNATURE', 'nonce must be 16-64 base64url characters');
          const publicKey = typeof params.keyid === 'string' ? fromBase64Url(params.keyid, KEY_BYTES, 'keyid') : undefined;
          if (!publicKey) throw new RelayError(401, 'BAD_SIGNATURE', 'keyid must be an Ed25519 public key in base64url');
          return {
            id: params.keyid,
            algs: [ALG],
            verify: (data, signature) => verifier.verify(signature, data, publicKey),
          };
        },
        requiredParams: PARAMS,
        requiredFields: hasBody ? [...COMPONENTS, 'content-digest'] : COMPONENTS,
        maxAge: options.windowSeconds,
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
  if (valid !== true || !params) throw new RelayError(401, 'BAD_SIGNATURE', 'the signature does not verify');
  const created = params.created instanceof Date ? Math.floor(params.created.getTime() / 1000) : NaN;
  // The library skips the age check when `created` is absent or not a number; insist on it here.
  const now = Math.floor(options.nowMs / 1000);
  if (!Number.isFinite(created) || created < now - options.windowSeconds || created > now + options.skewSeconds) {
    throw new RelayError(401, 'EXPIRED_SIGNATURE', 'created is missing or outside the accepted window');
  }
  return { keyId: params.keyid as string, nonce: params.nonce as string, created, ...(bodyDigest && { bodyDigest }) };
}
