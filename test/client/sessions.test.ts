// Sessions, end to end: a bonded phone comes back without a paw press (Noise KK), and an
// attacker on the air who replays or alters the phone's frames gets nothing done: the toy
// refuses the frame, never acts on it, and the genuine session carries on.
import { ownedToy, thrown, until, useWorld } from './helpers';
import { WriteTap } from './write-tap';

describe('a session between a bonded phone and its toy', () => {
  const world = useWorld(41);

  it('reconnects without a paw press and without the code', async () => {
    const { toy, phone, session } = await ownedToy(world());
    await session.disconnect();
    expect(toy.firmware.pairingWindowOpen).toBe(false);

    const again = await phone.connect(toy.firmware.identity.toyId);
    expect(again.bond.bondId).toBe(session.bond.bondId);
    expect(await again.status()).toMatchObject({ role: 'owner', recordings: 0, messages: 0 });
    await again.disconnect();
  });

  it('refuses a connect from a phone with no bond, before touching the air', async () => {
    const { toy } = await ownedToy(world());
    const stranger = await world().phone('Stranger');
    expect((await thrown(stranger.connect(toy.firmware.identity.toyId))).code).toBe('NOT_BONDED');
  });

  it('refuses a replayed request: the toy does not act on it and the session goes on', async () => {
    const { toy, phone, session } = await ownedToy(world());
    const tap = new WriteTap(world().phoneDevice(phone).noble);
    const volume = (): number => toy.firmware.storage.loadSettings().volume;

    const before = tap.writes.length;
    await session.setVolume(40);
    const captured = tap.writes.slice(before);
    expect(captured.length).toBeGreaterThan(0);
    await session.setVolume(60);

    for (const write of captured) tap.inject(write.target, write.data);
    await until(() => toy.log.some((line) => line.includes('REPLAY')), 2000, 'the toy to refuse the replay');
    expect(volume()).toBe(60);
    expect(session.open).toBe(true);
    expect((await session.status()).volume).toBe(60);
    await session.disconnect();
  });

  it('refuses an altered frame, and still takes the genuine one that follows', async () => {
    const { toy, phone, session } = await ownedToy(world());
    const tap = new WriteTap(world().phoneDevice(phone).noble);
    const volume = (): number => toy.firmware.storage.loadSettings().volume;
    expect(volume()).toBe(70);

    tap.hold();
    const answered = session.setVolume(20);
    const [genuine, ...more] = tap.discard();
    expect(genuine).toBeDefined();
    expect(more).toEqual([]); // a small request is one ATT write

    const altered = Buffer.from(genuine!.data);
    altered[altered.length - 1]! ^= 0x01; // one bit of the authentication tag
    const linesBefore = toy.log.length;
    tap.inject(genuine!.target, altered);
    await until(() => toy.log.length > linesBefore, 2000, 'the toy to refuse the altered frame');
    expect(toy.log.slice(linesBefore).join('\n')).toMatch(/link: DECRYPT_FAILED/);
    expect(volume()).toBe(70);

    // The altered copy did not burn the genuine frame's counter.
    tap.inject(genuine!.target, genuine!.data);
    await answered;
    expect(volume()).toBe(20);
    expect((await session.status()).volume).toBe(20);
    await session.disconnect();
  });
});
