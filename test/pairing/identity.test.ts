// The toy's identity across resets: new keys each time, the same id, tag code and attestation
// key, which certifies whichever keys the toy holds now (the tag's QR pins it).
import { toHex } from '../../pairing/bytes';
import { attestationFingerprint, certifyToyKeys, generatePartyKeys, keyFingerprint, keysForToy, provisionToy, publicKeys, rotateToyKeys, tagFingerprint, verifyToyKeys } from '../../pairing/identity';
import { errorCode, useSodium } from './helpers';

const sodium = useSodium();

describe('toy identity', () => {
  it('fingerprints the attestation key as docs/PROTOCOL.md §2 says (vector)', () => {
    const attestation = sodium().crypto_sign_seed_keypair(new Uint8Array(32).fill(7));
    expect(toHex(attestation.publicKey)).toBe('ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c');
    expect(toHex(attestationFingerprint(sodium(), attestation.publicKey))).toBe('1018d8fa1d9df748eda180bfa989ea56');
  });

  it('rotates keys at a reset and keeps the id, the tag code and the tag fingerprint', () => {
    const toy = provisionToy(sodium());
    const reset = rotateToyKeys(sodium(), toy);
    expect({ ...reset, keys: undefined }).toEqual({ ...toy, keys: undefined });
    for (const role of ['static', 'envelope', 'signing'] as const) expect(reset.keys[role].publicKey).not.toEqual(toy.keys[role].publicKey);
    expect(keyFingerprint(sodium(), publicKeys(reset.keys))).not.toEqual(keyFingerprint(sodium(), publicKeys(toy.keys)));
    expect(tagFingerprint(sodium(), reset)).toEqual(tagFingerprint(sodium(), toy));
  });

  it('gives a phone an unrelated key pair per toy, the same each time for one toy', () => {
    const phone = generatePartyKeys(sodium());
    const [bear, bunny] = [provisionToy(sodium()).toyId, provisionToy(sodium()).toyId];
    const forBear = keysForToy(sodium(), phone, bear!);
    expect(keysForToy(sodium(), phone, bear!)).toEqual(forBear);
    const forBunny = keysForToy(sodium(), phone, bunny!);
    for (const other of [forBunny, phone]) {
      for (const role of ['static', 'envelope', 'signing'] as const) expect(other[role].publicKey).not.toEqual(forBear[role].publicKey);
    }
    expect(forBear.envelope.publicKey).not.toEqual(forBear.static.publicKey);
    // They work: the X25519 pairs agree and the signing pair signs.
    expect(sodium().crypto_scalarmult_base(forBear.static.secretKey)).toEqual(forBear.static.publicKey);
    expect(sodium().crypto_scalarmult_base(forBear.envelope.secretKey)).toEqual(forBear.envelope.publicKey);
    const signature = sodium().crypto_sign_detached(new Uint8Array(3), forBear.signing.secretKey);
    expect(sodium().crypto_sign_verify_detached(signature, new Uint8Array(3), forBear.signing.publicKey)).toBe(true);
  });

  it('holds one key per role: the Noise static and envelope keys are different X25519 keys, each a working pair', () => {
    for (const keys of [provisionToy(sodium()).keys, generatePartyKeys(sodium())]) {
      expect(keys.envelope.publicKey).not.toEqual(keys.static.publicKey);
      expect(keys.envelope.secretKey).not.toEqual(keys.static.secretKey);
      expect(sodium().crypto_scalarmult_base(keys.envelope.secretKey)).toEqual(keys.envelope.publicKey);
    }
  });

  it('certifies all three role keys: swapping any one of them breaks the certificate and the fingerprint', () => {
    const toy = provisionToy(sodium());
    const certificate = certifyToyKeys(sodium(), toy);
    const keys = publicKeys(toy.keys);
    const stranger = publicKeys(generatePartyKeys(sodium()));
    for (const role of ['static', 'envelope', 'signing'] as const) {
      const swapped = { ...keys, [role]: stranger[role] };
      expect(errorCode(() => verifyToyKeys(sodium(), toy.toyId, swapped, toy.attestation.publicKey, certificate))).toBe('BAD_SIGNATURE');
      expect(keyFingerprint(sodium(), swapped)).not.toEqual(keyFingerprint(sodium(), keys));
    }
    // Nor may the static and envelope keys trade places.
    const traded = { ...keys, static: keys.envelope, envelope: keys.static };
    expect(errorCode(() => verifyToyKeys(sodium(), toy.toyId, traded, toy.attestation.publicKey, certificate))).toBe('BAD_SIGNATURE');
  });

  it('certifies the current keys with the attestation key, and nothing else', () => {
    const toy = provisionToy(sodium());
    const certificate = certifyToyKeys(sodium(), toy);
    const keys = publicKeys(toy.keys);
    expect(() => verifyToyKeys(sodium(), toy.toyId, keys, toy.attestation.publicKey, certificate)).not.toThrow();
    const other = rotateToyKeys(sodium(), toy);
    expect(errorCode(() => verifyToyKeys(sodium(), toy.toyId, publicKeys(other.keys), toy.attestation.publicKey, certificate))).toBe('BAD_SIGNATURE');
    expect(errorCode(() => verifyToyKeys(sodium(), '00'.repeat(8), keys, toy.attestation.publicKey, certificate))).toBe('BAD_SIGNATURE');
    expect(errorCode(() => verifyToyKeys(sodium(), toy.toyId, keys, provisionToy(sodium()).attestation.publicKey, certificate))).toBe('BAD_SIGNATURE');
  });
});
