// Provisioning: the identity a toy is born with (toy id, its three role keys: Noise static and
// envelope X25519 keys and an Ed25519 key; pairing code, and the attestation key its tag's QR
// payload pins) and the key fingerprints. A reset makes all three role keys anew; the attestation key (like Matter's device attestation key)
// stays for the toy's life and certifies whichever keys the toy holds now, so the printed QR
// still pins the genuine toy. Phones get their PartyKeys here too.
import { concat, fromHex, toHex, utf8 } from './bytes';
import { generatePairingCode, type PairingCode } from './code';
import { PairingError, guard } from './errors';
import { hkdfSha256 } from './hkdf';
import type { PartyKeys, PeerPublicKeys, SigningKeyPair } from './keys';
import type { Sodium } from './sodium';
import { x25519KeyPairFromSecret } from './noise/handshake-state';

export const TOY_ID_BYTES = 8;
export const FINGERPRINT_BYTES = 16;

/** Everything a toy is provisioned with at the factory; secret, stored in the toy's flash. */
export interface ToyIdentity {
  /** 16 lowercase hex digits. */
  readonly toyId: string;
  /** The keys sessions, envelopes and signatures use now; replaced at every reset. */
  readonly keys: PartyKeys;
  readonly code: PairingCode;
  /** Ed25519, made at the factory and never replaced: it certifies `keys`; the tag's QR pins it. */
  readonly attestation: SigningKeyPair;
}

/** Three independent key pairs, one per role (pairing/keys.ts). */
export function generatePartyKeys(sodium: Sodium): PartyKeys {
  return {
    static: x25519KeyPairFromSecret(sodium, sodium.randombytes_buf(32)),
    envelope: x25519KeyPairFromSecret(sodium, sodium.randombytes_buf(32)),
    signing: signingKeyPair(sodium),
  };
}

function signingKeyPair(sodium: Sodium): SigningKeyPair {
  const pair = sodium.crypto_sign_keypair();
  return { publicKey: pair.publicKey, secretKey: pair.privateKey };
}

export function provisionToy(sodium: Sodium): ToyIdentity {
  return {
    toyId: toHex(sodium.randombytes_buf(TOY_ID_BYTES)),
    keys: generatePartyKeys(sodium),
    code: generatePairingCode(sodium),
    attestation: signingKeyPair(sodium),
  };
}

/** What a toy's identity keeps across every key change: toy id, tag code, attestation key. */
export type LastingIdentity = Omit<ToyIdentity, 'keys'>;

/** The same toy with new keys, all three roles (a reset): id, code and attestation key stay. */
export function rotateToyKeys(sodium: Sodium, identity: LastingIdentity): ToyIdentity {
  return { toyId: identity.toyId, code: identity.code, attestation: identity.attestation, keys: generatePartyKeys(sodium) };
}

/** What the certificate signs: every role key the toy holds now, so none can be swapped alone. */
function certifiedBytes(toyId: string, keys: PeerPublicKeys): Uint8Array {
  return concat(utf8('plushlink/3 toy keys'), fromHex(toyId, TOY_ID_BYTES), keys.static, keys.envelope, keys.signing);
}

/** The attestation key's signature over the toy's current public keys. */
export function certifyToyKeys(sodium: Sodium, identity: ToyIdentity): Uint8Array {
  return sodium.crypto_sign_detached(certifiedBytes(identity.toyId, publicKeys(identity.keys)), identity.attestation.secretKey);
}

/** BAD_SIGNATURE unless `certificate` is `attestationKey`'s over these keys of this toy. */
export function verifyToyKeys(sodium: Sodium, toyId: string, keys: PeerPublicKeys, attestationKey: Uint8Array, certificate: Uint8Array): void {
  const ok = guard('BAD_SIGNATURE', () => sodium.crypto_sign_verify_detached(certificate, certifiedBytes(toyId, keys), attestationKey));
  if (!ok) throw new PairingError('BAD_SIGNATURE', 'toy key certificate');
}

/** What the tag's QR payload pins: the fingerprint of the attestation key, good across resets. */
export function tagFingerprint(sodium: Sodium, identity: Pick<ToyIdentity, 'attestation'>): Uint8Array {
  return attestationFingerprint(sodium, identity.attestation.publicKey);
}

export function attestationFingerprint(sodium: Sodium, attestationKey: Uint8Array): Uint8Array {
  return sodium.crypto_hash_sha256(concat(utf8('plushlink/2 attestation fingerprint'), attestationKey)).slice(0, FINGERPRINT_BYTES);
}

/**
 * A phone's keys for one toy, derived from its own long-term keys and the toy id (HKDF-SHA256):
 * a different, unrelated set of three key pairs per toy, so two toys (or a relay serving both)
 * cannot tell that one phone is bonded with both, and nothing new has to be stored. The three
 * 32-byte outputs are independent (HKDF), so the roles stay separate here too.
 */
export function keysForToy(sodium: Sodium, phone: PartyKeys, toyId: string): PartyKeys {
  const secret = concat(phone.static.secretKey, phone.envelope.secretKey, phone.signing.secretKey);
  const okm = hkdfSha256(sodium, utf8('plushlink/3 per-toy phone keys'), secret, fromHex(toyId, TOY_ID_BYTES), 96);
  sodium.memzero(secret);
  const signing = sodium.crypto_sign_seed_keypair(okm.subarray(64, 96));
  const keys = {
    static: x25519KeyPairFromSecret(sodium, okm.subarray(0, 32)),
    envelope: x25519KeyPairFromSecret(sodium, okm.subarray(32, 64)),
    signing: { publicKey: signing.publicKey, secretKey: signing.privateKey },
  };
  sodium.memzero(okm);
  return keys;
}

export function publicKeys(keys: PartyKeys): PeerPublicKeys {
  return { static: keys.static.publicKey, envelope: keys.envelope.publicKey, signing: keys.signing.publicKey };
}

/** SHA-256 over all three public keys, domain-separated, cut to 128 bits: enough to pin, short for a QR. */
export function keyFingerprint(sodium: Sodium, keys: PeerPublicKeys): Uint8Array {
  const digest = sodium.crypto_hash_sha256(concat(utf8('plushlink/3 key fingerprint'), keys.static, keys.envelope, keys.signing));
  return digest.slice(0, FINGERPRINT_BYTES);
}
