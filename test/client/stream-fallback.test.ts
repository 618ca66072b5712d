// A streamed send whose audio outgrows the bound its envelope announced (docs/PROTOCOL.md §10.3):
// the phone cancels the stream mid-way, the toy drops what it had of it, and the message goes again
// whole as version 3. The toy ends with that one message, never a part of the stream; when the
// whole envelope does not fit either, the send fails with a typed error and the toy keeps nothing.
import { readFileSync } from 'node:fs';
import { readEnvelopeHeader } from '../../audio/envelope';
import { readWav } from '../../audio/wav';
import type { PlayedMessage } from '../../firmware-sim/peripherals';
import { RATE, loudNoiseWav, ownedToy, thrown, until, useWorld } from './helpers';

describe('a streamed send that outgrows its announced bound', () => {
  const world = useWorld(211);

  it('cancels the stream, sends the message whole as version 3, and the toy stores and plays only that', async () => {
    const { toy, session } = await ownedToy(world());
    const stored: Uint8Array[] = [];
    toy.firmware.on('message-stored', (m: { envelope: Uint8Array }) => stored.push(m.envelope));
    const plays: PlayedMessage[] = [];
    toy.firmware.on('played', (p) => plays.push(p));
    const writes: string[] = [];
    const flash = toy.firmware.storage.flash;
    const write = flash.write.bind(flash);
    flash.write = (key, value) => {
      writes.push(key);
      return write(key, value);
    };
    const progress: Array<{ bytesDone: number; total: number }> = [];

    // A bound for half the bitrate this noise takes: the encoder outgrows it within a page or two,
    // after the stream's OPEN and first chunks have travelled.
    const id = await session.sendMessage(loudNoiseWav(3), { boundBitrate: 16_000, onProgress: (p) => progress.push(p) });

    await until(() => plays.length === 1);
    // The stream had begun: the toy had taken its OPEN, and dropped it at the phone's cancel.
    expect(toy.log.filter((l) => l.includes('upload failed: ABORTED'))).toHaveLength(1);
    expect(stored).toHaveLength(1);
    const header = readEnvelopeHeader(stored[0]!);
    expect(header.version).toBe(3);
    expect(Buffer.from(header.id).toString('hex')).toBe(id);
    expect(plays.map((p) => p.id)).toEqual([id]);
    // Played whole: as long as what was sent.
    expect(readWav(readFileSync(plays[0]!.wavPath!)).channels[0]!.length).toBe(RATE * 3);
    // Only the whole envelope reached the toy's message store, nothing of the stream.
    expect(writes.filter((k) => k.startsWith('messages/'))).toEqual([`messages/${id}`]);
    expect(flash.keys('messages/')).toEqual([]); // played, so gone
    // The phone's progress ends at the whole envelope's size.
    expect(progress.at(-1)).toEqual({ bytesDone: stored[0]!.length, total: stored[0]!.length });
    // The session is still good.
    expect((await session.status()).messages).toBe(0);
    await session.disconnect();
  });

  it('fails with TOY_FULL when the whole envelope does not fit the toy either, and the toy keeps nothing of it', async () => {
    const { toy, session } = await ownedToy(world(), 'Parent', { capacityBytes: 12 * 1024 });
    const flash = toy.firmware.storage.flash;
    const keysBefore = flash.keys();
    const bytesBefore = keysBefore.map((k) => flash.read(k)!.toString('hex'));
    const wav = loudNoiseWav(3);
    const free = flash.usage().freeBytes;
    // What this test is about: the tight stream's bound fits the toy's free flash, the whole
    // envelope (this noise at its real ~33 kbit/s) does not.
    expect(session.sealMessage(wav).length).toBeGreaterThan(free);
    const stored: unknown[] = [];
    toy.firmware.on('message-stored', (m) => stored.push(m));

    const error = await thrown(session.sendMessage(wav, { boundBitrate: 16_000 }));
    expect(error.code).toBe('TOY_FULL');
    // The stream was taken (its bound fitted), then cancelled; the whole envelope refused at its offer.
    expect(toy.log.filter((l) => l.includes('upload failed: ABORTED'))).toHaveLength(1);
    expect(toy.log.filter((l) => l.includes('FLASH_FULL'))).toHaveLength(1);
    expect(stored).toEqual([]);
    expect(flash.keys().filter((k) => !keysBefore.includes(k) && k !== 'upload-outcome')).toEqual([]);
    expect(flash.keys('messages/')).toEqual([]);
    for (const [i, key] of keysBefore.entries()) if (key !== 'replay-guard' && key !== 'upload-outcome') expect(flash.read(key)!.toString('hex')).toBe(bytesBefore[i]);
    expect((await session.status()).messages).toBe(0);
    await session.disconnect();
  });
});
