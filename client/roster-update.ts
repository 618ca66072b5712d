// The owner's changes to the family mailbox's roster (a member's relay key let in or taken off),
// published as a new owner-signed version. A relay that is down, failing or busy (429) must not
// lose a change, least of all a revocation: publishRosterChange retries with backoff (Retry-After
// when the relay gives one) and, when the relay still does not take it, throws
// RosterUpdatePending with the change, for the app to keep and publish later (merged with any
// later change by mergeRosterChanges, so the last word on each key wins).
import { type RelayClient, RelayRefusal, isRetryableRelayError, pause } from './relay-client';

export interface RosterChange {
  /** Relay key ids to let in. */
  readonly add: readonly string[];
  /** Relay key ids to take off. */
  readonly remove: readonly string[];
}

export const NO_ROSTER_CHANGE: RosterChange = { add: [], remove: [] };

export function isNoRosterChange(change: RosterChange): boolean {
  return change.add.length === 0 && change.remove.length === 0;
}

/** `earlier` then `later`, as one change: a key `later` removes is no longer added, and back. */
export function mergeRosterChanges(earlier: RosterChange, later: RosterChange): RosterChange {
  const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];
  return {
    add: union(earlier.add.filter((k) => !later.remove.includes(k)), later.add),
    remove: union(earlier.remove.filter((k) => !later.add.includes(k)), later.remove),
  };
}

/** The relay did not take the change (after retries); keep `change` and publish it later. */
export class RosterUpdatePending extends Error {
  override readonly name = 'RosterUpdatePending';

  constructor(
    readonly change: RosterChange,
    options: { readonly cause: unknown },
  ) {
    super(`the roster update is pending: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

export interface PublishRosterOptions {
  /** Tries in all (default 4). */
  readonly attempts?: number;
  /** The first pause; each next one doubles (default 250 ms). */
  readonly firstDelayMs?: number;
  /** No pause is longer; a Retry-After beyond it ends the tries at once (default 4 s). */
  readonly maxDelayMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Publishes `change` on `mailbox`'s roster (signed by `relay`'s key, the owner's): reads the
 * current roster (checked against `owner`), applies the change and puts the next version. A
 * change already in effect puts nothing. Returns the roster version now in force.
 */
export async function publishRosterChange(relay: RelayClient, mailbox: string, owner: string, change: RosterChange, options: PublishRosterOptions = {}): Promise<number> {
  const attempts = options.attempts ?? 4;
  const maxDelayMs = options.maxDelayMs ?? 4000;
  for (let attempt = 1; ; attempt++) {
    try {
      const roster = await relay.roster(mailbox, owner);
      const members = [...roster.members.filter((k) => !change.remove.includes(k)), ...change.add.filter((k) => !roster.members.includes(k))];
      if (members.length === roster.members.length && members.every((k) => roster.members.includes(k))) return roster.version;
      await relay.putRoster(mailbox, roster.version + 1, members);
      return roster.version + 1;
    } catch (error) {
      if (!isRetryableRelayError(error)) throw error;
      const retryAfter = error instanceof RelayRefusal ? error.retryAfter : undefined;
      const delay = retryAfter !== undefined ? retryAfter * 1000 : Math.min(maxDelayMs, (options.firstDelayMs ?? 250) * 2 ** (attempt - 1));
      if (attempt >= attempts || delay > maxDelayMs || options.signal?.aborted) throw new RosterUpdatePending(change, { cause: error });
      await pause(delay, options.signal);
    }
  }
}
