// The toy receiving a streamed envelope (version 4), on the virtual radio with the real stacks:
// a message encoded while it is sent is stored and played; a stream cut short, reordered, spliced
// from another message or signed by the wrong key is refused once it has arrived (the signature
// comes last), and the toy's flash holds no message from it.
import { concatBytes } from '../../audio/bytes';
import { envelopeRecords } from '../audio/fixtures';
import { readEnvelopeHeader } from '../../audio/envelope';
import { MessageStream } from '../../client/message-stream';
import { sodiumReady } from '../../pairing/sodium';
import { ownedToy, thrown, until, useWorld, voiceWav } from '../client/helpers';

describe('a toy receiving messages encoded while they are sent', () => {
  const world = useWorld(161);

  it('stores and plays a streamed message, and refuses cut, reordered, spliced and wrongly signed streams, storing nothing', async () => {
    const sodium = await sodiumReady();
    const { toy, phone, session } = await ownedToy(world());
    const toyId = toy.firmware.identity.toyId;
    const played: string[] = [];
    toy.firmware.on('played', (p) => played.push(p.id));

    // sendMessage streams to a toy of protocol 2: what arrives is a version 4 envelope.
    const stored: Uint8Array[] = [];
    toy.firmware.on('message-stored', (m) => stored.push(m.envelope));
    const id = await session.sendMessage(voiceWav(3));
    await until(() => played.length === 1);
    expect(played).toEqual([id]);
    expect(readEnvelopeHeader(stored[0]!).version).toBe(4);

    const me = phone.keysFor(toyId);
    const make = (keys = me): Uint8Array => new MessageStream(sodium, voiceWav(2, 9), keys, session.bond.peer, Date.now()).envelope();
    const a = envelopeRecords(make());
    const b = envelopeRecords(make());
    const forger = { ...me, signing: { ...me.signing, secretKey: sodium.crypto_sign_keypair().privateKey } };
    const bad: Record<string, Uint8Array> = {
      cut: concatBytes([a.header, ...a.records.slice(0, -1)]),
      reordered: concatBytes([a.header, a.records[0]!, a.records[2]!, a.records[1]!, ...a.records.slice(3)]),
      spliced: concatBytes([a.header, a.records[0]!, b.records[1]!, ...a.records.slice(2)]),
      'wrongly signed': make(forger),
    };
    const before = toy.firmware.storage.flash.keys('messages/');
    for (const [what, envelope] of Object.entries(bad)) {
      const error = await thrown(session.sendSealed(envelope));
      expect([what, error.code, error.message]).toEqual([what, 'MESSAGE_REFUSED', 'the toy refused the message (CORRUPT)']);
      expect(toy.firmware.storage.flash.keys('messages/')).toEqual(before);
    }
    expect(played).toEqual([id]);
    // The untouched stream still goes through afterwards: nothing above burnt its id.
    expect(await session.sendSealed(concatBytes([a.header, ...a.records]))).toMatch(/^[0-9a-f]{32}$/);
    await session.disconnect();
  });
});
