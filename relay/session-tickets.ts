// Short-lived request sessions, so that a phone proves its Ed25519 key once (an Ed25519-signed
// POST /v1/sessions: created + nonce-once already make it a fresh proof of possession, no extra
// challenge round trip) and then signs each request with HMAC-SHA256 (RFC 9421 "hmac-sha256"),
// ~50x cheaper to check than an Ed25519 signature.
//
// Stateless tickets, like TLS 1.3 session tickets: the session id IS the ticket,
//   ticket = version (1) || expires, seconds since the epoch (u32 BE) || public key (32) || random (16) || tag (16)
//   tag    = HMAC-SHA256(secret, "plushlink relay ticket v1" || the 53 bytes before it), first 16 bytes
//   key    = HKDF-SHA256(ikm = secret, salt = empty, info = "plushlink relay session key v1" || ticket)
// so any relay process that knows the ticket secret recognises a ticket (the tag) and recomputes
// its key; nothing is stored, and the database never sees the secret (a leaked dump mints nothing).
// Altering a ticket (say, another public key) breaks its tag, and the key is bound to every byte.
//
// The relay may run over plain HTTP behind a proxy, so the session key never travels in clear:
// the phone puts a fresh X25519 public key in the (signed, digest-covered) opening request and
// the relay answers with the key sealed to it (libsodium crypto_box_seal: ephemeral-static X25519,
// XSalsa20-Poly1305). A passive observer sees the ticket and a sealed box it cannot open; an
// active one cannot swap the phone's X25519 key without breaking the Ed25519 signature.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Sodium } from '../pairing/sodium';
import { RelayError } from './errors';
import { KEY_BYTES, toBase64Url } from './ids';

const VERSION = 1;
const BODY_BYTES = 1 + 4 + KEY_BYTES + 16;
const TAG_BYTES = 16;
export const TICKET_BYTES = BODY_BYTES + TAG_BYTES;
export const SESSION_KEY_BYTES = 32;
const TAG_LABEL = Buffer.from('plushlink relay ticket v1');
const KEY_LABEL = Buffer.from('plushlink relay session key v1');
const SECRET_MIN_BYTES = 32;

/** What a valid ticket stands for. */
export interface Session {
  /** The phone's key id (its Ed25519 public key, base64url): who the session's requests act as. */
  readonly keyId: string;
  readonly key: Buffer;
  /** Seconds since the epoch. */
  readonly expires: number;
}

/**
 * The ticket secret: the file's bytes (at least 32), or 32 random bytes for this process alone.
 * `warn` hears (by file name, never its contents) when the file is readable by group or others:
 * whoever reads it can mint sessions for any key.
 */
export function loadTicketSecret(file: string | undefined, warn: (message: string) => void = () => undefined): Buffer {
  if (file === undefined) return randomBytes(32);
  const secret = readFileSync(file);
  if (secret.length < SECRET_MIN_BYTES) throw new Error(`the session secret file ${file} holds ${secret.length} bytes; it needs at least ${SECRET_MIN_BYTES} random bytes (e.g. openssl rand -hex 32)`);
  const mode = statSync(file).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    warn(`the session secret file ${file} is readable by others (mode ${mode.toString(8).padStart(3, '0')}): whoever reads it can open sessions as any key; chmod 600 it`);
  }
  return secret;
}

export class SessionTickets {
  /** Tickets already checked (string -> session), so a request costs a map lookup, not two HMACs. */
  private readonly known = new Map<string, Session>();

  constructor(
    private readonly secret: Buffer,
    readonly lifetimeSeconds: number,
    private readonly capacity = 10_000,
  ) {}

  /** A new session for `publicKey`, valid `lifetimeSeconds` from `nowMs`. */
  mint(publicKey: Uint8Array, nowMs: number): { readonly ticket: string; readonly session: Session } {
    const body = Buffer.alloc(BODY_BYTES);
    body[0] = VERSION;
    const expires = Math.floor(nowMs / 1000) + this.lifetimeSeconds;
    body.writeUInt32BE(expires, 1);
    body.set(publicKey, 5);
    randomBytes(16).copy(body, 5 + KEY_BYTES);
    const ticket = Buffer.concat([body, this.tag(body)]);
    return { ticket: ticket.toString('base64url'), session: { keyId: toBase64Url(publicKey), key: this.keyOf(ticket), expires } };
  }

  /**
   * The session a ticket stands for. 401 SESSION_UNKNOWN when this relay's secret did not make it
   * (another secret, a restart without a secret file, or forged), 401 SESSION_EXPIRED after it ends.
   */
  open(ticket: string, nowMs: number): Session {
    const session = this.known.get(ticket) ?? this.check(ticket);
    if (session.expires <= Math.floor(nowMs / 1000)) {
      this.known.delete(ticket);
      throw new RelayError(401, 'SESSION_EXPIRED', 'the session has expired: open a new one (POST /v1/sessions)');
    }
    return session;
  }

  private check(ticket: string): Session {
    const bytes = Buffer.from(ticket, 'base64url');
    const body = bytes.subarray(0, BODY_BYTES);
    const genuine = bytes.length === TICKET_BYTES && bytes.toString('base64url') === ticket && body[0] === VERSION && timingSafeEqual(bytes.subarray(BODY_BYTES), this.tag(body));
    if (!genuine) throw new RelayError(401, 'SESSION_UNKNOWN', 'this relay does not know this session (another relay, a restart, or not a ticket): open a new one (POST /v1/sessions)');
    const session = { keyId: toBase64Url(body.subarray(5, 5 + KEY_BYTES)), key: this.keyOf(bytes), expires: body.readUInt32BE(1) };
    if (this.known.size >= this.capacity) this.known.delete(this.known.keys().next().value as string);
    this.known.set(ticket, session);
    return session;
  }

  private tag(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(TAG_LABEL).update(body).digest().subarray(0, TAG_BYTES);
  }

  private keyOf(ticket: Buffer): Buffer {
    return Buffer.from(hkdfSync('sha256', this.secret, Buffer.alloc(0), Buffer.concat([KEY_LABEL, ticket]), SESSION_KEY_BYTES));
  }
}

/** The session key sealed to the phone's one-time X25519 key (crypto_box_seal); 400 for a key that is not one. */
export function sealSessionKey(sodium: Sodium, key: Buffer, recipient: Uint8Array): Uint8Array {
  try {
    return sodium.crypto_box_seal(key, recipient);
  } catch {
    throw new RelayError(400, 'BAD_REQUEST', 'ephemeralKey is not a usable X25519 public key');
  }
}
