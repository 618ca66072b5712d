// Provisioning: the identity a toy is born with (toy id, static X25519 key, Ed25519 key, pairing
// code) and the key fingerprint its QR payload pins. Phones get their PartyKeys here too.
import { concat, toHex, utf8 } from './bytes';
import { generatePairingCode, type PairingCode } from './code';
import type { PartyKeys, PeerPublicKeys } from './keys';
import type { Sodium } from './sodium';
import { x25519KeyPairFromSecret } from './noise/handshake-state';

export const TOY_ID_BYTES = 8;
export const FINGERPRINT_BYTES = 16;

/** Everything a toy is provisioned with at the factory; secret, stored in the toy's flash. */
export interface ToyIdentity {
  /** 16 lowercase hex digits. */
  readonly toyId: string;
  readonly keys: PartyKeys;
  readonly code: PairingCode;
}

export function generatePartyKeys(sodium: Sodium): PartyKeys {
  const signing = sodium.crypto_sign_keypair();
  return {
    static: x25519KeyPairFromSecret(sodium, sodium.randombytes_buf(32)),
    signing: { publicKey: signing.publicKey, secretKey: signing.privateKey },
  };
}

export function provisionToy(sodium: Sodium): ToyIdentity {
  return {
    toyId: toHex(sodium.randombytes_buf(TOY_ID_BYTES)),
    keys: generatePartyKeys(sodium),
    code: generatePairingCode(sodium),
  };
}

export function publicKeys(keys: PartyKeys): PeerPublicKeys {
  return { static: keys.static.publicKey, signing: keys.signing.publicKey };
}

/** SHA-256 over both public keys, domain-separated, cut to 128 bits: enough to pin, short for a QR. */
export function keyFingerprint(sodium: Sodium, keys: PeerPublicKeys): Uint8Array {
  const digest = sodium.crypto_hash_sha256(concat(utf8('plushlink/1 key fingerprint'), keys.static, keys.signing));
  return digest.slice(0, FINGERPRINT_BYTES);
}
