// What a phone app uses to talk to a family relay: every request signed (relay/request-signing.ts)
// with a short-lived session's HMAC key, opened lazily with the phone's per-toy Ed25519 key and
// renewed before it ends (client/relay-session.ts), or with the Ed25519 key itself; envelopes
// padded to a size bucket before they leave and unpadded after they arrive, rosters signed by the owner here and checked here when
// read back (so a relay that slips a key into a roster is caught). The envelopes themselves are
// sealed and opened by audio/envelope.ts; the relay and this client only carry them.
import type { SigningKeyPair } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import { toBase64Url } from '../relay/ids';
import { padToBucket, unpadBucket } from '../relay/padding';
import { type RequestSigner, ed25519Signer, keyIdOf, signRequest } from '../relay/request-signing';
import type { SessionOpened } from '../relay/routes/session-route';
import { type RelaySession, SESSION_PATH, SESSION_REFUSALS, sessionRequest } from './relay-session';
import { type SignedRoster, signRoster, verifyRoster } from '../relay/roster';

/** The relay refused a request (4xx) or failed (5xx); `code` is the relay's reason code. */
export class RelayRefusal extends Error {
  override readonly name = 'RelayRefusal';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait, from Retry-After on a 429. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const CLIENT_FINDINGS = new Set(['FORGED_ROSTER', 'BAD_PADDING', 'BAD_SESSION']);

/**
 * Whether a failed relay request may succeed if made again later: the relay unreachable (fetch
 * throws), failing (5xx), busy (429) or racing a roster change (409). A 4xx refusal is final.
 */
export function isRetryableRelayError(error: unknown): boolean {
  if (error instanceof RelayRefusal) {
    // What this client found wrong with the relay's answer is no outage: asking again gets the same.
    if (CLIENT_FINDINGS.has(error.code)) return false;
    return error.status >= 500 || error.status === 429 || error.status === 409;
  }
  // fetch's "fetch failed" (refused, reset, unresolved): a TypeError, possibly of another realm.
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return name === 'TypeError' && message === 'fetch failed';
}

export interface RelayClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7358 */
  readonly url: string;
  /** This phone's key for this toy's family (the relay knows the phone by nothing else). */
  readonly key: SigningKeyPair;
  readonly sodium: Sodium;
  /**
   * Sign with a session (default true): one Ed25519-signed request opens it, the others are
   * HMAC-signed, much cheaper for the relay to check. False: every request signed with Ed25519
   * (what a command making a single request pays least for).
   */
  readonly sessions?: boolean;
}

export interface PendingEnvelope {
  readonly id: string;
  /** Padded size in bytes. */
  readonly size: number;
  /** Whole hours since the epoch when the relay took it. */
  readonly hour: number;
}

/** One envelope from `inbox()`: acknowledge it once it is safely kept (or played). */
export interface InboxItem {
  readonly id: string;
  /** The sealed envelope, unpadded, for openEnvelope. */
  readonly sealed: Uint8Array;
  acknowledge(): Promise<void>;
}

export interface VerifiedRoster extends SignedRoster {
  readonly owner: string;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function staleConnection(error: unknown): boolean {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { code?: unknown } };
  return message === 'fetch failed' && (cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET');
}

/** A fresh random mailbox (or rendezvous) id. */
export function newRelayId(sodium: Sodium): string {
  return toBase64Url(sodium.randombytes_buf(16));
}

/** The relay's refusal in `response` (not 2xx) as a RelayRefusal. */
async function refusalOf(response: Response): Promise<RelayRefusal> {
  const text = await response.text();
  let reason: { error?: string; message?: string } = {};
  try {
    reason = JSON.parse(text) as typeof reason;
  } catch {
    reason = { message: text };
  }
  const retry = response.headers.get('retry-after');
  return new RelayRefusal(response.status, reason.error ?? `HTTP_${response.status}`, reason.message ?? response.statusText, retry === null ? undefined : Number(retry));
}

export class RelayClient {
  private readonly base: string;
  private readonly ed25519: RequestSigner;
  private useSessions: boolean;
  private session?: RelaySession;
  private opening?: Promise<RelaySession>;
  private opened = 0;

  constructor(private readonly options: RelayClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.ed25519 = ed25519Signer(options.sodium, options.key);
    this.useSessions = options.sessions ?? true;
  }

  /** This phone's key id, as rosters list it. */
  get keyId(): string {
    return keyIdOf(this.options.key);
  }

  /** How many sessions this client has opened so far. */
  get sessionsOpened(): number {
    return this.opened;
  }

  /**
   * One signed request; resolves with the response when it is 2xx, else throws RelayRefusal. A
   * request refused because the relay does not know the session (another relay process, a
   * restart) or it ended is sent again once, under a new session.
   */
  async request(method: string, path: string, body?: Uint8Array, contentType = 'application/octet-stream'): Promise<Response> {
    const signer = await this.signer();
    let response = await this.send(signer, method, path, body, contentType);
    if (response.status === 401 && signer.alg === 'hmac-sha256') {
      const refusal = await refusalOf(response);
      if (!SESSION_REFUSALS.has(refusal.code)) throw refusal;
      if (this.session?.signer === signer) this.session = undefined;
      response = await this.send(await this.signer(), method, path, body, contentType);
    }
    if (response.ok) return response;
    throw await refusalOf(response);
  }

  private async send(signer: RequestSigner, method: string, path: string, body: Uint8Array | undefined, contentType: string): Promise<Response> {
    const url = `${this.base}${path}`;
    const send = async (): Promise<Response> => {
      const headers = await signRequest(this.options.sodium, signer, { method, url, ...(body !== undefined && { body }) });
      if (body !== undefined) headers['content-type'] = contentType;
      return fetch(url, { method, headers, ...(body !== undefined && { body }) });
    };
    // A kept-alive connection the relay has since closed (it restarted) fails at once: once more,
    // freshly signed, on a new connection. A repeat is harmless: uploads and roster puts are
    // idempotent, and an acknowledgement the relay already took answers 404 at worst.
    return send().catch((error: unknown) => {
      if (!staleConnection(error)) throw error;
      return send();
    });
  }

  /**
   * What the next request is signed with: the session's signer (opened or renewed first when
   * needed), or the Ed25519 key's.
   */
  async signer(): Promise<RequestSigner> {
    if (!this.useSessions) return this.ed25519;
    if (this.session && Date.now() < this.session.renewAt) return this.session.signer;
    this.opening ??= this.openSession().finally(() => (this.opening = undefined));
    try {
      this.session = await this.opening;
      return this.session.signer;
    } catch (error) {
      // A relay from before sessions: sign every request with the key, as it expects.
      if (error instanceof RelayRefusal && error.status === 404 && error.code === 'NOT_FOUND') {
        this.useSessions = false;
        return this.ed25519;
      }
      throw error;
    }
  }

  private async openSession(): Promise<RelaySession> {
    const opening = sessionRequest(this.options.sodium);
    const sentAt = Date.now();
    const response = await this.send(this.ed25519, 'POST', SESSION_PATH, opening.body, 'application/json');
    if (!response.ok) throw await refusalOf(response);
    try {
      const session = opening.open((await response.json()) as SessionOpened, sentAt);
      this.opened++;
      return session;
    } catch (error) {
      throw new RelayRefusal(502, 'BAD_SESSION', `the relay's session answer does not open with this phone's one-time key: ${(error as Error).message}`);
    }
  }

  private async json<T>(method: string, path: string, value?: unknown): Promise<T> {
    const body = value === undefined ? undefined : new TextEncoder().encode(JSON.stringify(value));
    const response = await this.request(method, path, body, 'application/json');
    return (await response.json()) as T;
  }

  /** Owner: creates the mailbox, or replaces its roster (a higher `version` each time). */
  async putRoster(mailbox: string, version: number, members: readonly string[]): Promise<void> {
    const roster = signRoster(this.options.sodium, mailbox, version, members, this.options.key);
    await this.json('PUT', `/v1/mailboxes/${mailbox}`, roster);
  }

  /** The roster, checked against the owner key the caller knows (never the relay's word alone). */
  async roster(mailbox: string, owner: string): Promise<VerifiedRoster> {
    const roster = await this.json<VerifiedRoster>('GET', `/v1/mailboxes/${mailbox}/roster`);
    if (roster.owner !== owner) throw new RelayRefusal(502, 'FORGED_ROSTER', 'the relay names another owner for this mailbox');
    try {
      verifyRoster(this.options.sodium, mailbox, roster, owner);
    } catch {
      throw new RelayRefusal(502, 'FORGED_ROSTER', "the roster the relay served is not the owner's signature");
    }
    return roster;
  }

  async deleteMailbox(mailbox: string): Promise<void> {
    await this.request('DELETE', `/v1/mailboxes/${mailbox}`);
  }

  /** Posts a sealed envelope (audio/envelope.ts), padded to its size bucket. */
  async post(mailbox: string, sealed: Uint8Array): Promise<{ id: string; size: number; duplicate: boolean }> {
    const response = await this.request('POST', `/v1/mailboxes/${mailbox}/envelopes`, padToBucket(this.options.sodium, sealed));
    const receipt = (await response.json()) as { id: string; size: number };
    return { ...receipt, duplicate: response.status === 200 };
  }

  /** Envelopes awaiting this phone; with `waitSeconds`, waits (long poll) until one arrives. */
  async pending(mailbox: string, waitSeconds = 0): Promise<PendingEnvelope[]> {
    const { envelopes } = await this.json<{ envelopes: PendingEnvelope[] }>('GET', `/v1/mailboxes/${mailbox}/envelopes?wait=${waitSeconds}`);
    return envelopes;
  }

  /** The sealed envelope, unpadded, ready for openEnvelope. */
  async fetch(mailbox: string, id: string): Promise<Uint8Array> {
    const response = await this.request('GET', `/v1/mailboxes/${mailbox}/envelopes/${id}`);
    try {
      return unpadBucket(new Uint8Array(await response.arrayBuffer()));
    } catch (error) {
      throw new RelayRefusal(502, 'BAD_PADDING', `the relay served an envelope that is not padded to a size bucket: ${(error as Error).message}`);
    }
  }

  /** This phone has the envelope: the relay deletes it once every recipient said so. */
  async acknowledge(mailbox: string, id: string): Promise<void> {
    await this.request('DELETE', `/v1/mailboxes/${mailbox}/envelopes/${id}`);
  }

  /**
   * Every envelope that awaits this phone, each once, as it arrives (long polls of `waitSeconds`),
   * until `signal` aborts. One not acknowledged stays on the relay and comes again from the next
   * inbox(), so nothing is lost if the app stops before keeping it.
   */
  async *inbox(mailbox: string, options: { readonly signal?: AbortSignal; readonly waitSeconds?: number } = {}): AsyncGenerator<InboxItem> {
    const waitSeconds = options.waitSeconds ?? 25;
    const handedOut = new Set<string>();
    while (!options.signal?.aborted) {
      const pending = await this.pending(mailbox, waitSeconds);
      const fresh = pending.filter((e) => !handedOut.has(e.id));
      for (const { id } of fresh) {
        if (options.signal?.aborted) return;
        handedOut.add(id);
        yield { id, sealed: await this.fetch(mailbox, id), acknowledge: () => this.acknowledge(mailbox, id) };
      }
      // Only envelopes already handed out are waiting: the long poll would answer at once, so pause.
      if (fresh.length === 0 && pending.length > 0) await pause(Math.min(waitSeconds, 5) * 1000, options.signal);
    }
  }

  async putRendezvous(rendezvous: string, seq: number, message: Uint8Array): Promise<void> {
    await this.request('PUT', `/v1/rendezvous/${rendezvous}/${seq}`, message);
  }

  /** Message `seq` of a rendezvous, waiting up to `waitSeconds` for it to be posted. */
  async getRendezvous(rendezvous: string, seq: number, waitSeconds = 0): Promise<Uint8Array> {
    const response = await this.request('GET', `/v1/rendezvous/${rendezvous}/${seq}?wait=${waitSeconds}`);
    return new Uint8Array(await response.arrayBuffer());
  }
}
