// Factory reset, end to end: the owner asks, someone holding the toy presses its paw, and the
// bonds, recordings and messages are gone for good (no byte of them left in the flash folder);
// without the paw press nothing happens; a member cannot ask.
import { RECOVERY_HOLD_MS } from '../../firmware-sim/physical-recovery';
import { keyFingerprint, publicKeys, tagFingerprint } from '../../pairing/identity';
import { INITIAL_POLICY } from '../../pairing/policy';
import { encodeQrPayload } from '../../pairing/qr';
import { sodiumReady } from '../../pairing/sodium';
import { containsBytes, filesUnder, ownedToy, thrown, until, useWorld, voiceWav } from './helpers';
import { sealVoiceMessage } from '../../audio/voice-message';

describe('factory reset', () => {
  const world = useWorld(71);

  it('erases bonds, recordings and messages for good once the paw confirms, and makes new keys under the same id and code', async () => {
    const sodium = await sodiumReady();
    const { toy, phone, session } = await ownedToy(world());
    const { toyId, code } = toy.firmware.identity;
    const fingerprint = keyFingerprint(sodium, publicKeys(toy.firmware.identity.keys));
    const tag = tagFingerprint(sodium, toy.firmware.identity);
    const { envelope } = sealVoiceMessage(sodium, { recording: voiceWav(1), sender: phone.keysFor(toy.firmware.identity.toyId), recipients: [session.bond.peer], now: Date.now() });
    const played = new Promise((resolve) => toy.firmware.once('played', resolve));
    await session.sendSealed(envelope);
    await played; // a paw press while the toy speaks is ignored
    const added = new Promise((resolve) => session.once('recording-added', resolve));
    await toy.firmware.pawPress();
    await added;
    const recording = toy.firmware.storage.flash.read(toy.firmware.storage.flash.keys('recordings/')[0]!)!;

    // What must not survive, as it lies in the flash: the message, the recording, the phone's key (hex, as bonds keep it),
    // the message's transfer hash (as the toy's upload records hold it, raw or in hex).
    const hash = sodium.crypto_generichash(32, envelope, null);
    const secrets = [envelope.subarray(-64), recording.subarray(-64), Buffer.from(Buffer.from(phone.keysFor(toy.firmware.identity.toyId).static.publicKey).toString('hex')), Buffer.from(Buffer.from(hash).toString('hex')), hash];
    // The message went once it played (docs/PROTOCOL.md §10.7); the rest is there until the reset.
    expect(secrets.slice(0, 4).map((s) => containsBytes(filesUnder(toy.dir), s))).toEqual([false, true, true, true]);

    const done = session.factoryReset();
    await until(() => toy.log.some((l) => l.includes('factory reset requested')));
    await toy.firmware.pawPress();
    await done;
    await until(() => !session.open);

    expect(toy.firmware.storage.bonds.list()).toEqual([]);
    expect(toy.firmware.storage.flash.keys('recordings/')).toEqual([]);
    expect(toy.firmware.storage.flash.keys('messages/')).toEqual([]);
    expect(secrets.map((s) => containsBytes(filesUnder(toy.dir), s))).toEqual([false, false, false, false, false]);
    expect(toy.firmware.identity.toyId).toBe(toyId);
    expect(keyFingerprint(sodium, publicKeys(toy.firmware.identity.keys))).not.toEqual(fingerprint);
    // Every role's key is new: Noise static, envelope and signing.
    for (const role of ['static', 'envelope', 'signing'] as const) expect(publicKeys(toy.firmware.identity.keys)[role]).not.toEqual(session.bond.peer[role]);
    expect(tagFingerprint(sodium, toy.firmware.identity)).toEqual(tag);

    // The old owner is a stranger now; the toy takes a new owner with the same code and tag QR.
    expect((await thrown(phone.connect(toyId))).code).toBe('NOT_BONDED');
    const newOwner = await world().phone('New parent');
    await toy.firmware.pawPress();
    const qr = encodeQrPayload({ toyId, code, fingerprint: tag });
    const again = await newOwner.pair(toyId, { qr });
    expect(again.bond.role).toBe('owner');
    // A message sealed to the old keys no longer opens, even sent by the new owner.
    expect((await thrown(again.sendSealed(envelope))).message).toMatch(/NOT_FOR_THIS_TOY/);
    await again.disconnect();
  });

  it('recovers a toy with no phone at all: the paw held through power-on erases everything and makes new keys', async () => {
    const sodium = await sodiumReady();
    const { toy: first, phone: stolen, session } = await ownedToy(world());
    const { toyId, code } = first.firmware.identity;
    const oldKeys = publicKeys(first.firmware.identity.keys);
    await session.sendMessage(voiceWav(1));
    await session.disconnect();
    await first.firmware.pawPress(); // a recording
    const { envelope: sealedToOldKeys } = sealVoiceMessage(sodium, { recording: voiceWav(1), sender: stolen.keysFor(toyId), recipients: [oldKeys], now: Date.now() });

    // A short hold is an ordinary power-on: everything stays.
    let toy = await world().powerCycle(first, { pawHeldMs: RECOVERY_HOLD_MS - 1_000 });
    expect(toy.firmware.storage.bonds.list()).toHaveLength(1);
    expect(publicKeys(toy.firmware.identity.keys)).toEqual(oldKeys);

    toy = await world().powerCycle(toy, { pawHeldMs: RECOVERY_HOLD_MS });
    // The reset's own erase (issue 17's crash-consistent one): only the new identity and the
    // initial policy are left, not even an empty bond list.
    expect(toy.firmware.storage.flash.keys().sort()).toEqual(['identity', 'policy']);
    expect(toy.firmware.storage.bonds.list()).toEqual([]);
    expect(toy.firmware.pairing.policy).toEqual(INITIAL_POLICY);
    expect(toy.firmware.identity).toMatchObject({ toyId, code });
    for (const role of ['static', 'envelope', 'signing'] as const) expect(publicKeys(toy.firmware.identity.keys)[role]).not.toEqual(oldKeys[role]);
    const stolenKey = stolen.keysFor(toyId).static.publicKey;
    for (const form of [stolenKey, Buffer.from(Buffer.from(stolenKey).toString('hex'))]) expect(containsBytes(filesUnder(toy.dir), form)).toBe(false);

    // The stolen phone is a stranger; the family pairs a new owner with the tag's code and QR.
    expect((await thrown(stolen.connect(toyId))).code).toBe('NOT_BONDED');
    const family = await world().phone('Parent again');
    await toy.firmware.pawPress();
    const fresh = await family.pair(toyId, { qr: encodeQrPayload({ toyId, code, fingerprint: tagFingerprint(sodium, toy.firmware.identity) }) });
    expect(fresh.bond.role).toBe('owner');
    expect((await thrown(fresh.sendSealed(sealedToOldKeys))).message).toMatch(/NOT_FOR_THIS_TOY/);
    await fresh.disconnect();
  });

  it('does nothing without a paw press in time: PAW_TIMEOUT, everything kept', async () => {
    const { toy, phone, session } = await ownedToy(world(), 'Parent', { pawConfirmMs: 150 });
    await session.sendMessage(voiceWav(1));
    const started = Date.now();
    expect((await thrown(session.factoryReset())).code).toBe('PAW_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
    // A press after the window records (the toy has an owner) instead of resetting.
    await toy.firmware.pawPress();
    expect(toy.firmware.storage.bonds.list()).toHaveLength(1);
    expect(toy.firmware.storage.flash.keys('recordings/')).toHaveLength(1);
    expect(session.open).toBe(true);
    await session.disconnect();
    const again = await phone.connect(toy.firmware.identity.toyId);
    expect((await again.status()).recordings).toBe(1);
    await again.disconnect();
  });
});
