// Stored bonds, phone keys and toy identities read back exactly, and a damaged or foreign record
// is a PairingError, never a half-read value.
import fc from 'fast-check';
import { generatePartyKeys, provisionToy, publicKeys } from '../../pairing/identity';
import { isPairingError } from '../../pairing/errors';
import { bondToJson, decodeBonds, decodeIdentity, decodeLegacyIdentity, decodePartyKeys, encodeBonds, encodeIdentity, encodePartyKeys } from '../../pairing/records';
import { toHex } from '../../pairing/bytes';
import { sodiumReady } from '../../pairing/sodium';
import type { Bond } from '../../pairing/bond';

describe('stored records', () => {
  it('round-trip identities, keys and bonds', async () => {
    const sodium = await sodiumReady();
    const identity = provisionToy(sodium);
    expect(decodeIdentity(encodeIdentity(identity))).toEqual(identity);
    const keys = generatePartyKeys(sodium);
    expect(decodePartyKeys(encodePartyKeys(keys))).toEqual(keys);
    const bond: Bond = {
      bondId: '0123456789abcdef',
      toyId: identity.toyId,
      peer: publicKeys(keys),
      role: 'owner',
      createdAt: 1700000000000,
      joined: 'tag-code',
      label: 'Parent’s phone',
      destinationKey: sodium.randombytes_buf(32),
    };
    const member: Bond = { ...bond, bondId: 'fedcba9876543210', role: 'member', joined: 'invitation' };
    expect(decodeBonds(encodeBonds([bond, member]))).toEqual([bond, member]);
    expect(bondToJson(bond)).toMatchObject({ peerStatic: toHex(keys.static.publicKey), peerEnvelope: toHex(keys.envelope.publicKey), peerSigning: toHex(keys.signing.publicKey) });
  });

  it('refuse records from before protocol 3 (one X25519 key for Noise and envelopes) as UNSUPPORTED_VERSION, and keep what a toy needs to start afresh', async () => {
    const sodium = await sodiumReady();
    const identity = provisionToy(sodium);
    const hex = (bytes: Uint8Array): string => toHex(bytes);
    const oldKeys = { staticPublic: hex(identity.keys.static.publicKey), staticSecret: hex(identity.keys.static.secretKey), signingPublic: hex(identity.keys.signing.publicKey), signingSecret: hex(identity.keys.signing.secretKey) };
    const oldBond = { bondId: '0123456789abcdef', toyId: identity.toyId, peerStatic: oldKeys.staticPublic, peerSigning: oldKeys.signingPublic, role: 'owner', createdAt: 1, joined: 'tag-code', label: 'Parent' };
    const oldIdentity = JSON.stringify({ v: 1, toyId: identity.toyId, code: identity.code, keys: oldKeys, attestationPublic: hex(identity.attestation.publicKey), attestationSecret: hex(identity.attestation.secretKey) });
    const refused = expect.objectContaining({ code: 'UNSUPPORTED_VERSION', message: expect.stringContaining('before protocol 3') });
    expect(() => decodeBonds(JSON.stringify({ v: 1, bonds: [oldBond] }))).toThrow(refused);
    expect(() => decodePartyKeys(JSON.stringify({ v: 1, keys: oldKeys }))).toThrow(refused);
    expect(() => decodeIdentity(oldIdentity)).toThrow(refused);
    // What outlives the keys: the toy id, the tag code and the attestation key (so the tag still pairs).
    expect(decodeLegacyIdentity(oldIdentity)).toEqual({ toyId: identity.toyId, code: identity.code, attestation: identity.attestation });
    expect(decodeLegacyIdentity(encodeIdentity(identity))).toBeUndefined();
    // One provisioned before attestation keys: its signing key stands in, as before.
    const older = JSON.stringify({ v: 1, toyId: identity.toyId, code: identity.code, keys: oldKeys });
    expect(decodeLegacyIdentity(older)?.attestation).toEqual(identity.keys.signing);
  });

  it('reject any damaged record with a PairingError', async () => {
    const sodium = await sodiumReady();
    const stored = encodeIdentity(provisionToy(sodium));
    fc.assert(
      fc.property(fc.nat({ max: stored.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const damaged = Uint8Array.from(stored);
        damaged[at]! ^= flip;
        try {
          const read = decodeIdentity(damaged);
          // A flip inside a hex digit's case or JSON whitespace may still parse: then it must be well-formed.
          expect(read.toyId).toMatch(/^[0-9a-f]{16}$/);
        } catch (error) {
          expect(isPairingError(error)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    expect(() => decodeBonds('{"v":3,"bonds":[]}')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
    expect(() => decodeBonds('not json')).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });
});
