// Factory reset, end to end: the owner asks, someone holding the toy presses its paw, and the
// bonds, recordings and messages are gone for good (no byte of them left in the flash folder);
// without the paw press nothing happens; a member cannot ask.
import { sodiumReady } from '../../pairing/sodium';
import { containsBytes, filesUnder, ownedToy, thrown, until, useWorld, voiceWav } from './helpers';
import { sealVoiceMessage } from '../../audio/voice-message';

describe('factory reset', () => {
  const world = useWorld(71);

  it('erases bonds, recordings and messages for good once the paw confirms, and keeps the identity', async () => {
    const sodium = await sodiumReady();
    const { toy, phone, session } = await ownedToy(world());
    const { toyId, code } = toy.firmware.identity;
    const { envelope } = sealVoiceMessage(sodium, { recording: voiceWav(1), sender: phone.store.keys, recipients: [session.bond.peer], now: Date.now() });
    const played = new Promise((resolve) => toy.firmware.once('played', resolve));
    await session.sendSealed(envelope);
    await played; // a paw press while the toy speaks is ignored
    const added = new Promise((resolve) => session.once('recording-added', resolve));
    await toy.firmware.pawPress();
    await added;
    const recording = toy.firmware.storage.flash.read(toy.firmware.storage.flash.keys('recordings/')[0]!)!;

    // What must not survive, as it lies in the flash: the message, the recording, the phone's key,
    // the message's transfer hash (as the toy's upload records hold it, raw or in hex).
    const hash = sodium.crypto_generichash(32, envelope, null);
    const secrets = [envelope.subarray(-64), recording.subarray(-64), phone.store.keys.static.publicKey, Buffer.from(Buffer.from(hash).toString('hex')), hash];
    expect(secrets.slice(0, 4).map((s) => containsBytes(filesUnder(toy.dir), s))).toEqual([true, true, true, true]);

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

    // The old owner is a stranger now; the toy takes a new owner with the same code.
    expect((await thrown(phone.connect(toyId))).code).toBe('NOT_BONDED');
    const newOwner = await world().phone('New parent');
    await toy.firmware.pawPress();
    expect((await newOwner.pair(toyId, { code })).bond.role).toBe('owner');
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
    expect(toy.firmware.storage.flash.keys('messages/')).toHaveLength(1);
    expect(session.open).toBe(true);
    await session.disconnect();
    const again = await phone.connect(toy.firmware.identity.toyId);
    expect((await again.status()).messages).toBe(1);
    await again.disconnect();
  });
});
