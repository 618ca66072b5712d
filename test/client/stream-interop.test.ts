// Phones and toys of different protocol versions: a phone streams a message (envelope version 4,
// OPEN/END) only to a toy whose info says protocol 2 or later; a toy of protocol 1, which knows no
// OPEN, gets the whole envelope (version 3) and stores it.
import { readEnvelopeHeader } from '../../audio/envelope';
import { MessageStream } from '../../client/message-stream';
import { sodiumReady } from '../../pairing/sodium';
import { ownedToy, thrown, until, useWorld, voiceWav } from './helpers';

describe('streamed sends and older toys', () => {
  const world = useWorld(171);

  for (const [protocol, version] of [
    [1, 3],
    [2, 4],
  ] as const) {
    it(`sends a toy of protocol ${protocol} an envelope of version ${version}, which it stores and plays`, async () => {
      const { toy, session } = await ownedToy(world(), 'Parent', { protocol });
      const stored = new Promise<Uint8Array>((resolve) => toy.firmware.once('message-stored', (m) => resolve(m.envelope)));
      const played: string[] = [];
      toy.firmware.on('played', (p) => played.push(p.id));
      const id = await session.sendMessage(voiceWav(2));
      expect(readEnvelopeHeader(await stored).version).toBe(version);
      await until(() => played.length === 1);
      expect(played).toEqual([id]);
      expect(toy.log.some((l) => l.includes('does not know'))).toBe(false);
      await session.disconnect();
    });
  }

  it('refuses at once to resume a streamed envelope on a toy of protocol 1, which would not answer its OPEN', async () => {
    const { toy, phone, session } = await ownedToy(world(), 'Parent', { protocol: 1 });
    const envelope = new MessageStream(await sodiumReady(), voiceWav(1), phone.keysFor(toy.firmware.identity.toyId), session.bond.peer, Date.now()).envelope();
    const error = await thrown(session.sendSealed(envelope));
    expect(error.code).toBe('PROTOCOL');
    expect(toy.firmware.storage.flash.keys('messages/')).toEqual([]);
    // The session is still good.
    expect((await session.status()).messages).toBe(0);
    await session.disconnect();
  });
});
