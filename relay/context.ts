// What every route handler shares: the store, the push notifier, libsodium, the configuration,
// the clock, and the authenticated caller's key (set by the signature check on the request).
import type { Sodium } from '../pairing/sodium';
import type { RelayConfig } from './config';
import { RelayError } from './errors';
import type { SignatureAlg } from './request-signing';
import type { RosterCache } from './roster-cache';
import type { SessionTickets } from './session-tickets';
import type { Notifier } from './store/notifier';
import type { Mailbox, RelayStore } from './store/relay-store';

declare module 'fastify' {
  interface FastifyRequest {
    /** The key id whose signature the request carries (signed routes only). */
    relayKey?: string;
    /** Which algorithm signed it: the phone key itself (ed25519) or a session (hmac-sha256). */
    relayAlg?: SignatureAlg;
    /** The body's bytes as received, for the Content-Digest check. */
    rawBody?: Buffer;
    /** SHA-256 of rawBody, as the signature check computed it. */
    bodyDigest?: Buffer | undefined;
  }
  interface FastifyContextConfig {
    /** Unsigned routes (only /healthz) set this to false. */
    signed?: boolean;
  }
}

export interface RelayContext {
  readonly store: RelayStore;
  readonly notifier: Notifier;
  /** Verified rosters by mailbox id (roster-cache.ts). */
  readonly rosters: RosterCache;
  /** Request sessions (session-tickets.ts): minted by POST /v1/sessions, checked on every HMAC-signed request. */
  readonly sessions: SessionTickets;
  readonly sodium: Sodium;
  readonly config: RelayConfig;
  now(): number;
  /** Calls `wake` when the relay starts shutting down; returns the unsubscribe function. */
  onShutdown(wake: () => void): () => void;
  readonly closing: () => boolean;
}

export const mailboxTopic = (id: string): string => `m:${id}`;
export const rendezvousTopic = (id: string): string => `r:${id}`;

/** The caller's key; signed routes never run without one. */
export function callerKey(request: { relayKey?: string }): string {
  if (request.relayKey === undefined) throw new RelayError(401, 'UNSIGNED', 'this route needs a signed request');
  return request.relayKey;
}

const allowed = (mailbox: Mailbox, key: string): boolean => mailbox.owner === key || mailbox.roster.members.includes(key);

/**
 * The mailbox, if `key` is its owner or on its roster; else 404 or 403. Served from the roster
 * cache; a refusal is only given after reading the database again, so a key added by another
 * relay process is never refused from a stale entry.
 */
export async function mailboxFor(ctx: RelayContext, id: string, key: string): Promise<Mailbox> {
  let mailbox = await ctx.rosters.get(id);
  if (!mailbox || !allowed(mailbox, key)) {
    ctx.rosters.drop(id);
    mailbox = await ctx.rosters.get(id);
  }
  if (!mailbox) throw new RelayError(404, 'NO_MAILBOX', 'no mailbox has this id');
  if (!allowed(mailbox, key)) throw new RelayError(403, 'NOT_A_MEMBER', "this key is not on the mailbox's roster");
  return mailbox;
}

/**
 * Runs `check` until `ready` holds for its result, for at most `seconds`, waking on every publish
 * of `topic` (from this process or, on PostgreSQL, any other) and on shutdown.
 */
export async function longPoll<T>(ctx: RelayContext, topic: string, seconds: number, check: () => Promise<T>, ready: (result: T) => boolean): Promise<T> {
  const deadline = ctx.now() + seconds * 1000;
  for (;;) {
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    // Subscribe before checking, so a publish between the check and the wait is not missed.
    const unsubscribe = ctx.notifier.subscribe(topic, wake);
    const unshutdown = ctx.onShutdown(wake);
    try {
      const result = await check();
      const remaining = deadline - ctx.now();
      if (ready(result) || remaining <= 0 || ctx.closing()) return result;
      const timer = setTimeout(wake, remaining);
      await woken;
      clearTimeout(timer);
    } finally {
      unsubscribe();
      unshutdown();
    }
  }
}
