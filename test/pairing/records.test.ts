// Stored bonds, phone keys and toy identities read back exactly, and a damaged or foreign record
// is a PairingError, never a half-read value.
import fc from 'fast-check';
import { generatePartyKeys, provisionToy } from '../../pairing/identity';
import { isPairingError } from '../../pairing/errors';
import { bondToJson, decodeBonds, decodeIdentity, decodePartyKeys, encodeBonds, encodeIdentity, encodePartyKeys } from '../../pairing/records';
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
      peer: { static: keys.static.publicKey, signing: keys.signing.publicKey },
      role: 'owner',
      createdAt: 1700000000000,
      joined: 'tag-code',
      label: 'Parent’s phone',
    };
    const member: Bond = { ...bond, bondId: 'fedcba9876543210', role: 'member', joined: 'invitation' };
    expect(decodeBonds(encodeBonds([bond, member]))).toEqual([bond, member]);
    // Bonds stored before join methods were recorded read as what they must have been.
    const { joined: _owner, ...oldOwner } = bondToJson(bond);
    const { joined: _member, ...oldMember } = bondToJson(member);
    expect(decodeBonds(JSON.stringify({ v: 1, bonds: [oldOwner, oldMember] }))).toEqual([bond, member]);
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
    expect(() => decodeBonds('{"v":2,"bonds":[]}')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
    expect(() => decodeBonds('not json')).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });
});
