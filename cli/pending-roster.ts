// The owner's roster changes from the command line: published at once when the relay takes them,
// else kept beside the phone store (phone.relay.json, `pendingRoster`) and published by the next
// plushlink command this phone runs for the toy (members, invite, bridge, inbox, send --remote).
// A revocation the relay did not hear of yet is said out loud, never dropped.
import type { FamilyPhone } from '../client/family-relay';
import { RelayClient } from '../client/relay-client';
import { type RosterChange, NO_ROSTER_CHANGE, RosterUpdatePending, isNoRosterChange, mergeRosterChanges, publishRosterChange } from '../client/roster-update';
import type { Output } from './command';
import { errorLine } from './error-line';
import { relaySettings, saveRelaySettings } from './family-relay-settings';

export type RosterOutcome = { readonly state: 'published'; readonly version: number } | { readonly state: 'pending'; readonly why: string } | { readonly state: 'none' };

/**
 * Publishes `change` (with whatever was left pending before) on the toy's family mailbox roster,
 * or keeps it pending. Only the owner's phone has a roster to change; others get 'none'.
 */
export async function updateRoster(phone: FamilyPhone, storePath: string, toyId: string, change: RosterChange, signal?: AbortSignal): Promise<RosterOutcome> {
  const settings = relaySettings(storePath, toyId);
  if (!settings) return { state: 'none' };
  const wanted = mergeRosterChanges(settings.pendingRoster ?? NO_ROSTER_CHANGE, change);
  if (isNoRosterChange(wanted)) return { state: 'none' };
  const relay = new RelayClient({ url: settings.url, key: phone.keysFor(toyId).signing, sodium: phone.sodium });
  if (relay.keyId !== settings.owner) return { state: 'none' };
  const save = (pendingRoster: RosterChange | undefined): void => {
    const { pendingRoster: _old, ...rest } = relaySettings(storePath, toyId) ?? settings;
    saveRelaySettings(storePath, toyId, pendingRoster ? { ...rest, pendingRoster } : rest);
  };
  try {
    const version = await publishRosterChange(relay, settings.mailbox, settings.owner, wanted, signal ? { signal } : {});
    save(undefined);
    return { state: 'published', version };
  } catch (error) {
    if (!(error instanceof RosterUpdatePending)) throw error;
    save(wanted);
    return { state: 'pending', why: errorLine(error.cause).line };
  }
}

/** What `updateRoster` left pending says, for the owner to read. */
export function pendingRosterLine(why: string): string {
  return `the family mailbox roster update is pending (${why}); the next plushlink command on this phone retries it`;
}

/** The owner's roster change left pending by an earlier command: published now if the relay takes it. */
export async function retryPendingRoster(phone: FamilyPhone, storePath: string, toyId: string, out: Output): Promise<void> {
  if (!relaySettings(storePath, toyId)?.pendingRoster) return;
  const outcome = await updateRoster(phone, storePath, toyId, NO_ROSTER_CHANGE, out.signal);
  if (outcome.state === 'published') out.status.write(`published the roster update left pending: the family mailbox roster is at version ${outcome.version}\n`);
  if (outcome.state === 'pending') out.status.write(`${pendingRosterLine(outcome.why)}\n`);
}
