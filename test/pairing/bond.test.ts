// Role rules as pure functions: the first bond is the owner, members need a live invitation
// from the owner, and who may revoke whom.
import { type Bond, MAX_BONDS, MemoryBondStore, authorizeRevoke, bondForToy, createInvite, roleForNewPairing } from '../../pairing/bond';
import { parsePairingCode } from '../../pairing/code';
import { errorCode } from './helpers';

const CODE = parsePairingCode('1234567894');

function bond(bondId: string, role: Bond['role'], toyId = '00'.repeat(8)): Bond {
  return { bondId, toyId, role, createdAt: 0, joined: role === 'owner' ? 'tag-code' : 'invitation', label: bondId, peer: { static: new Uint8Array(32), envelope: new Uint8Array(32), signing: new Uint8Array(32) }, destinationKey: new Uint8Array(32) };
}

describe('roles', () => {
  it('makes the first pairing (or any while no owner exists) the owner', () => {
    expect(roleForNewPairing([], undefined, 0)).toBe('owner');
    expect(roleForNewPairing([bond('m', 'member')], undefined, 0)).toBe('owner');
  });

  it('admits a member only with a live invitation from the current owner', () => {
    const bonds = [bond('o', 'owner')];
    expect(errorCode(() => roleForNewPairing(bonds, undefined, 0))).toBe('INVITE_REQUIRED');
    const invite = createInvite(bonds, 'o', 100, CODE, 1_000);
    expect(roleForNewPairing(bonds, invite, 1_099)).toBe('member');
    expect(errorCode(() => roleForNewPairing(bonds, invite, 1_100))).toBe('INVITE_REQUIRED');
    expect(errorCode(() => roleForNewPairing([bond('o2', 'owner')], invite, 200))).toBe('UNKNOWN_BOND');
  });

  it('lets nobody but the owner invite', () => {
    const bonds = [bond('o', 'owner'), bond('m', 'member')];
    expect(errorCode(() => createInvite(bonds, 'm', 0, CODE))).toBe('NOT_OWNER');
    expect(errorCode(() => createInvite(bonds, 'x', 0, CODE))).toBe('UNKNOWN_BOND');
  });

  it('stops at MAX_BONDS', () => {
    const bonds = [bond('o', 'owner'), ...Array.from({ length: MAX_BONDS - 1 }, (_, i) => bond(`m${i}`, 'member'))];
    expect(errorCode(() => roleForNewPairing(bonds, createInvite(bonds, 'o', 0, CODE), 1))).toBe('TOO_LARGE');
  });

  it('lets the owner revoke members, members only themselves, and the owner itself last', () => {
    const bonds = [bond('o', 'owner'), bond('m', 'member'), bond('n', 'member')];
    expect(() => authorizeRevoke(bonds, 'o', 'm')).not.toThrow();
    expect(() => authorizeRevoke(bonds, 'm', 'm')).not.toThrow();
    expect(errorCode(() => authorizeRevoke(bonds, 'm', 'n'))).toBe('NOT_OWNER');
    expect(errorCode(() => authorizeRevoke(bonds, 'm', 'o'))).toBe('NOT_OWNER');
    expect(errorCode(() => authorizeRevoke(bonds, 'o', 'o'))).toBe('NOT_OWNER');
    expect(() => authorizeRevoke([bond('o', 'owner')], 'o', 'o')).not.toThrow();
    expect(errorCode(() => authorizeRevoke(bonds, 'o', 'zz'))).toBe('UNKNOWN_BOND');
  });
});

describe('MemoryBondStore', () => {
  it('stores, finds by toy, removes and clears', () => {
    const store = new MemoryBondStore();
    store.put(bond('a', 'owner', '11'.repeat(8)));
    store.put({ ...bond('b', 'member', '22'.repeat(8)), peer: { static: new Uint8Array(32).fill(2), envelope: new Uint8Array(32), signing: new Uint8Array(32) } });
    expect(bondForToy(store, '22'.repeat(8))?.bondId).toBe('b');
    expect(store.remove('a')).toBe(true);
    expect(store.remove('a')).toBe(false);
    expect(store.list().map((b) => b.bondId)).toEqual(['b']);
    store.clear();
    expect(store.get('b')).toBeUndefined();
  });
});
