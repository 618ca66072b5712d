// Several phones and toys on one air at once: pairings and messages run side by side, each toy
// hears only its own family, and a phone bonded to one toy is a stranger to the other.
import type { Peripheral } from '@abandonware/noble';
import type { PlayedMessage } from '../../firmware-sim/peripherals';
import { parseAdvert } from '../../firmware-sim/profile';
import { thrown, until, useWorld, voiceWav } from './helpers';

describe('several phones and toys on one air', () => {
  const world = useWorld(101);

  it('pairs and talks to two toys at once, each with its own phone, while a stranger only listens', async () => {
    const [bear, bunny] = await Promise.all([world().toy({ name: 'bear' }), world().toy({ name: 'bunny' })]);
    const [alice, bob, stranger] = await Promise.all(['Alice', 'Bob', 'Stranger'].map((label) => world().phone(label)));
    await Promise.all([bear.firmware.pawPress(), bunny.firmware.pawPress()]);
    const heard = await stranger!.scan(300);
    expect(heard.map((t) => t.toyId).sort()).toEqual([bear.firmware.identity.toyId, bunny.firmware.identity.toyId].sort());
    expect(heard.map((t) => [t.bonded, t.pairingWindowOpen])).toEqual([
      [false, true],
      [false, true],
    ]);

    // Both windows are open at once; each phone pairs with its toy by id and code.
    const [aliceSession, bobSession] = await Promise.all([
      alice!.pair(bear.firmware.identity.toyId, { code: bear.firmware.identity.code }),
      bob!.pair(bunny.firmware.identity.toyId, { code: bunny.firmware.identity.code }),
    ]);
    await until(() => bear.firmware.storage.bonds.list().length === 1 && bunny.firmware.storage.bonds.list().length === 1);
    expect([aliceSession.bond.role, bobSession.bond.role]).toEqual(['owner', 'owner']);
    expect(bear.firmware.storage.bonds.list()[0]!.label).toBe('Alice');
    expect(bunny.firmware.storage.bonds.list()[0]!.label).toBe('Bob');

    const plays = new Map<string, PlayedMessage[]>([
      ['bear', []],
      ['bunny', []],
    ]);
    bear.firmware.on('played', (p) => plays.get('bear')!.push(p));
    bunny.firmware.on('played', (p) => plays.get('bunny')!.push(p));
    const [toBear, toBunny] = await Promise.all([aliceSession.sendMessage(voiceWav(2, 1)), bobSession.sendMessage(voiceWav(2, 2))]);
    await until(() => plays.get('bear')!.length === 1 && plays.get('bunny')!.length === 1);
    expect(plays.get('bear')!.map((p) => p.id)).toEqual([toBear]);
    expect(plays.get('bunny')!.map((p) => p.id)).toEqual([toBunny]);

    // Alice's bond is with the bear only; a toy refuses a phone it does not know, on the air too.
    expect((await thrown(alice!.connect(bunny.firmware.identity.toyId))).code).toBe('NOT_BONDED');
    expect((await thrown(stranger!.connect(bear.firmware.identity.toyId))).code).toBe('NOT_BONDED');
    await Promise.all([aliceSession.disconnect(), bobSession.disconnect()]);
  });

  it('tells a phone looking for its toy of that toy only: its controller filters the other toys out', async () => {
    const toys = await Promise.all(['bear', 'bunny', 'owl'].map((name) => world().toy({ name })));
    await Promise.all(toys.map((t) => t.firmware.pawPress()));
    const [bear, ...others] = toys.map((t) => t.firmware.identity.toyId);
    const alice = await world().phone('Alice');
    const heard: string[] = [];
    alice.noble.on('discover', (p: Peripheral) => heard.push(parseAdvert(p.advertisement.manufacturerData)?.toyId ?? 'not a toy'));
    const session = await alice.pair(bear!, { code: toys[0]!.firmware.identity.code });
    expect(new Set(heard)).toEqual(new Set([bear]));
    // The filter lasts as long as the search: a scan afterwards hears every toy still advertising.
    const nearby = await alice.scan(300);
    expect(nearby.map((t) => t.toyId).sort()).toEqual([...others].sort());
    await session.disconnect();
  });

  it('serves one phone at a time per toy: a second phone gets in once the first leaves', async () => {
    const toy = await world().toy();
    const [owner, member] = await Promise.all([world().phone('Parent'), world().phone('Grandma')]);
    await toy.firmware.pawPress();
    const first = await owner.pair(toy.firmware.identity.toyId, { code: toy.firmware.identity.code });
    const { code } = await first.inviteMember();
    // While the owner is connected the toy does not advertise: the member cannot find it.
    expect((await thrown(member.pair(toy.firmware.identity.toyId, { code }, { timeoutMs: 400 }))).code).toBe('TOY_NOT_FOUND');
    await first.disconnect();
    const second = await member.pair(toy.firmware.identity.toyId, { code });
    expect(second.bond.role).toBe('member');
    await second.disconnect();
  });
});
