// A toy whose flash was written before protocol 3 (one X25519 key for Noise and envelopes, bonds
// without the phones' envelope keys): it cannot use its old keys or bonds, and it must not become a
// different toy either (its tag is printed). At boot it starts afresh: new keys for all three roles,
// no bonds, the same toy id, tag code and attestation key, so the tag pairs its next owner.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flash } from '../../firmware-sim/flash';
import { ToyFirmware } from '../../firmware-sim/firmware';
import { toHex } from '../../pairing/bytes';
import { generatePartyKeys, publicKeys } from '../../pairing/identity';
import { decodeIdentity } from '../../pairing/records';

/** The identity and bond records exactly as protocol 2 wrote them (format 1). */
function format1Records(toy: ToyFirmware): { identity: string; bonds: string } {
  const { toyId, code, keys, attestation } = toy.identity;
  const oldKeys = { staticPublic: toHex(keys.static.publicKey), staticSecret: toHex(keys.static.secretKey), signingPublic: toHex(keys.signing.publicKey), signingSecret: toHex(keys.signing.secretKey) };
  const phone = publicKeys(generatePartyKeys(toy.sodium));
  const bond = { bondId: '0123456789abcdef', toyId, peerStatic: toHex(phone.static), peerSigning: toHex(phone.signing), role: 'owner', createdAt: 1, joined: 'tag-code', label: 'Parent' };
  return {
    identity: JSON.stringify({ v: 1, toyId, code, keys: oldKeys, attestationPublic: toHex(attestation.publicKey), attestationSecret: toHex(attestation.secretKey) }),
    bonds: JSON.stringify({ v: 1, bonds: [bond] }),
  };
}

describe('a toy updated from protocol 2', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'plushlink-upgrade-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('boots as the same toy with new keys for every role and no bonds, and says why', async () => {
    const before = await ToyFirmware.boot({ dir });
    const old = before.identity;
    const records = format1Records(before);
    before.powerOff();
    const flash = Flash.mount(dir);
    flash.write('identity', Buffer.from(records.identity));
    flash.write('bonds', Buffer.from(records.bonds));

    const log: string[] = [];
    const after = await ToyFirmware.boot({ dir, log: (line) => log.push(line) });
    const now = after.identity;
    expect({ toyId: now.toyId, code: now.code, attestation: now.attestation }).toEqual({ toyId: old.toyId, code: old.code, attestation: old.attestation });
    for (const role of ['static', 'envelope', 'signing'] as const) expect(now.keys[role].publicKey).not.toEqual(old.keys[role].publicKey);
    expect(after.storage.bonds.list()).toEqual([]);
    expect(log.some((line) => line.includes('before protocol 3'))).toBe(true);
    // The new identity is stored in the current format: the next boot keeps it.
    expect(decodeIdentity(Flash.mount(dir).read('identity')!)).toEqual(now);
    after.powerOff();
    const again = await ToyFirmware.boot({ dir });
    expect(again.identity).toEqual(now);
    again.powerOff();
  });
});
