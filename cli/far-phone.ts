// A phone far from any toy: its store and per-toy keys, no radio. What `join`, `send --remote`
// and `inbox` need (the family relay and the invitee's side of a remote invitation).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { acceptGrant } from '../client/accept-grant';
import type { FamilyPhone } from '../client/family-relay';
import { FamilyRelay } from '../client/family-relay';
import { FilePhoneStore, type PhoneStore } from '../client/phone-store';
import type { InviteeClient } from '../client/remote-invitation';
import { type Bond, bondForToy } from '../pairing/bond';
import { keysForToy } from '../pairing/identity';
import type { PartyKeys } from '../pairing/keys';
import { parseToyId } from '../pairing/qr';
import { type Sodium, sodiumReady } from '../pairing/sodium';
import { pendingReceiptsOf, relaySettings, type ToyRelaySettings } from './family-relay-settings';
import { UsageError } from './usage-error';

export const FAR_PHONE_OPTIONS = {
  phone: { type: 'string' },
  toy: { type: 'string' },
} as const;

export const FAR_PHONE_HELP = `  --toy ID             which toy (default: the only one this phone is bonded with)
  --phone FILE         this phone's keys and bonds (default ~/.plushlink/phone.json); the relay
                       and mailbox are kept beside it (phone.relay.json)`;

export function phoneStorePath(phone: string | undefined): string {
  return phone ?? join(homedir(), '.plushlink', 'phone.json');
}

export class FarPhone implements FamilyPhone, InviteeClient {
  private constructor(
    readonly sodium: Sodium,
    readonly store: PhoneStore,
    readonly storePath: string,
  ) {}

  static async open(phone: string | undefined): Promise<FarPhone> {
    const sodium = await sodiumReady();
    const storePath = phoneStorePath(phone);
    return new FarPhone(sodium, FilePhoneStore.open(sodium, storePath), storePath);
  }

  keysFor(toyId: string): PartyKeys {
    return keysForToy(this.sodium, this.store.keys, parseToyId(toyId));
  }

  acceptGrant(grant: string): Bond {
    return acceptGrant(this.store, grant, Date.now());
  }

  /** The toy `--toy` names, or the only one this phone is bonded with. */
  toyId(chosen: string | undefined): string {
    if (chosen) {
      if (!bondForToy(this.store.bonds, chosen)) throw new Error(`this phone has no bond with toy ${chosen} (join the family first: plushlink join LINK)`);
      return chosen;
    }
    const bonds = this.store.bonds.list();
    if (bonds.length === 1) return bonds[0]!.toyId;
    throw new UsageError(`which toy? pass --toy ID (this phone has ${bonds.length} bonds)`);
  }

  /** This phone's side of the toy's family mailbox, from the settings beside the store. */
  familyRelay(toyId: string): { relay: FamilyRelay; settings: ToyRelaySettings } {
    return openFamilyRelay(this, this.storePath, toyId);
  }
}

/** The family relay stored for `toyId`, or a one-line error saying how to get one. */
export function openFamilyRelay(phone: FamilyPhone, storePath: string, toyId: string): { relay: FamilyRelay; settings: ToyRelaySettings } {
  const settings = relaySettings(storePath, toyId);
  if (!settings) throw new Error(`this phone has no family relay for toy ${toyId} (the owner runs plushlink invite --remote; others plushlink join LINK)`);
  return { relay: new FamilyRelay(phone, { url: settings.url, mailbox: settings.mailbox, toyId }, settings.uploaded ?? [], pendingReceiptsOf(settings)), settings };
}
