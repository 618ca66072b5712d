// Pairing, end to end on the virtual radio with the real noble and bleno: what a parent sees
// with the right code, a wrong one, a closed window, a lockout (that a power cycle does not
// undo), and a QR code that pins the toy's key (so a toy with other keys is an impostor).
import { encodeQrPayload } from '../../pairing/qr';
import { keyFingerprint, publicKeys } from '../../pairing/identity';
import { sodiumReady } from '../../pairing/sodium';
import { manualClock, thrown, useWorld, wrongCode } from './helpers';
import type { WorldToy } from './world';

describe('pairing a phone with a toy', () => {
  const world = useWorld(31);

  const toyKeysOf = (toy: WorldToy): string[] => toy.firmware.storage.bonds.list().map((b) => Buffer.from(b.peer.static).toString('hex'));

  it('makes the first phone the owner with the right code, and both sides keep the bond', async () => {
    const toy = await world().toy();
    const phone = await world().phone('Parent');
    const paired = new Promise((resolve) => toy.firmware.once('paired', resolve));
    await toy.firmware.pawPress();
    expect(toy.firmware.pairingWindowOpen).toBe(true);

    const session = await phone.pair(toy.firmware.identity.toyId, { code: toy.firmware.identity.code });
    await paired;
    expect(session.bond.role).toBe('owner');
    expect(phone.bonds().map((b) => [b.toyId, b.role])).toEqual([[toy.firmware.identity.toyId, 'owner']]);
    expect(toyKeysOf(toy)).toEqual([Buffer.from(phone.keysFor(toy.firmware.identity.toyId).static.publicKey).toString('hex')]);
    // A successful pairing closes the window: the next phone needs another paw press.
    expect(toy.firmware.pairingWindowOpen).toBe(false);
    await session.disconnect();
  });

  it('refuses a wrong code with WRONG_CODE, and neither side keeps a bond', async () => {
    const toy = await world().toy();
    const phone = await world().phone('Parent');
    await toy.firmware.pawPress();

    const error = await thrown(phone.pair(toy.firmware.identity.toyId, { code: wrongCode(toy.firmware.identity.code) }));
    expect(error.code).toBe('WRONG_CODE');
    expect(phone.bonds()).toEqual([]);
    expect(toy.firmware.storage.bonds.list()).toEqual([]);
    expect(toy.firmware.pairing.policy.strikes).toBe(1);
    // One wrong guess does not close the window: the right code still works.
    const session = await phone.pair(toy.firmware.identity.toyId, { code: toy.firmware.identity.code });
    expect(session.bond.role).toBe('owner');
    await session.disconnect();
  });

  it('refuses pairing while the window is closed: before a paw press, and after it times out', async () => {
    const clock = manualClock();
    const toy = await world().toy({ now: clock.now });
    const phone = await world().phone('Parent');
    const { toyId, code } = toy.firmware.identity;

    expect((await thrown(phone.pair(toyId, { code }))).code).toBe('WINDOW_CLOSED');
    await toy.firmware.pawPress();
    clock.advance(120_001);
    expect((await thrown(phone.pair(toyId, { code }))).code).toBe('WINDOW_CLOSED');
    expect(toy.firmware.storage.bonds.list()).toEqual([]);
    expect(phone.bonds()).toEqual([]);
  });

  it('locks out after three wrong codes; a power cycle keeps the time left, and an expired lockout stays expired', async () => {
    const clock = manualClock();
    let toy = await world().toy({ now: clock.now });
    const phone = await world().phone('Parent');
    const { toyId, code } = toy.firmware.identity;
    await toy.firmware.pawPress();

    for (let attempt = 1; attempt <= 3; attempt++) {
      expect((await thrown(phone.pair(toyId, { code: wrongCode(code) }))).code).toBe('WRONG_CODE');
    }
    // The right code now fails too, with how long to wait; a paw press does not reopen the window.
    let refused = await thrown(phone.pair(toyId, { code }));
    expect(refused.code).toBe('LOCKED_OUT');
    expect(refused.retryAfterMs).toBe(60_000);
    await toy.firmware.pawPress();
    expect(toy.firmware.pairingWindowOpen).toBe(false);

    clock.advance(30_000);
    expect((await thrown(phone.pair(toyId, { code }))).retryAfterMs).toBe(30_000);

    // Pulling the battery neither lifts the lockout nor adds to it.
    toy = await world().powerCycle(toy);
    await toy.firmware.pawPress();
    refused = await thrown(phone.pair(toyId, { code }));
    expect(refused.code).toBe('LOCKED_OUT');
    expect(refused.retryAfterMs).toBe(30_000);

    // Once served, it stays served: boots after it ran out do not start it again.
    clock.advance(30_000);
    toy = await world().powerCycle(toy);
    clock.advance(5_000);
    toy = await world().powerCycle(toy);
    await toy.firmware.pawPress();
    expect(toy.firmware.pairingWindowOpen).toBe(true);
    const session = await phone.pair(toyId, { code });
    expect(session.bond.role).toBe('owner');
    await session.disconnect();
  });

  it('pairs with the QR payload, and refuses a toy whose keys do not match its fingerprint as IMPOSTOR', async () => {
    const sodium = await sodiumReady();
    const toy = await world().toy();
    const phone = await world().phone('Parent');
    const { toyId, code, keys } = toy.firmware.identity;
    await toy.firmware.pawPress();

    const forged = encodeQrPayload({ toyId, code, fingerprint: sodium.randombytes_buf(16) });
    expect((await thrown(phone.pair(toyId, { qr: forged }))).code).toBe('IMPOSTOR');
    expect(phone.bonds()).toEqual([]);
    expect(toy.firmware.storage.bonds.list()).toEqual([]);

    const genuine = encodeQrPayload({ toyId, code, fingerprint: keyFingerprint(sodium, publicKeys(keys)) });
    const session = await phone.pair(toyId, { qr: genuine });
    expect(session.bond.role).toBe('owner');
    expect(Buffer.from(session.bond.peer.static).equals(Buffer.from(keys.static.publicKey))).toBe(true);
    await session.disconnect();
  });
});
