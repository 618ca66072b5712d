// Long-term keys for test parties (a toy, a parent, a grandparent, a stranger), made the way
// pairing/ makes them: an X25519 static key and an Ed25519 signing key each.
import type { PartyKeys, PeerPublicKeys } from '../../pairing/keys';
import type { Sodium } from '../../pairing/sodium';

export function makeParty(sodium: Sodium): PartyKeys {
  const kx = sodium.crypto_kx_keypair();
  const sign = sodium.crypto_sign_keypair();
  return {
    static: { publicKey: kx.publicKey, secretKey: kx.privateKey },
    signing: { publicKey: sign.publicKey, secretKey: sign.privateKey },
  };
}

export function publicOf(party: PartyKeys): PeerPublicKeys {
  return { static: party.static.publicKey, signing: party.signing.publicKey };
}
