// Long-term keys for test parties (a toy, a parent, a grandparent, a stranger), made the way
// pairing/ makes them: an X25519 Noise static key, an X25519 envelope key and an Ed25519 signing
// key each.
import type { EnvelopeSender } from '../../audio/envelope';
import { generatePartyKeys, publicKeys } from '../../pairing/identity';
import type { PartyKeys, PeerPublicKeys } from '../../pairing/keys';
import type { Sodium } from '../../pairing/sodium';

export function makeParty(sodium: Sodium): PartyKeys {
  return generatePartyKeys(sodium);
}

export function publicOf(party: PartyKeys): PeerPublicKeys {
  return publicKeys(party);
}

/** How an opened envelope names its sender: signing and envelope keys (never the Noise static key). */
export function senderOf(party: PartyKeys): EnvelopeSender {
  return { signing: party.signing.publicKey, envelope: party.envelope.publicKey };
}
