// Voice, end to end: a message from the phone reaches the toy's speaker sounding as it was
// recorded, a paw-press recording reaches the phone sounding as the toy heard it, and an upload
// cut off by a dropped link resumes where it stopped instead of starting over.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEnvelopeHeader } from '../../audio/envelope';
import { oggToPcm, sealVoiceMessage } from '../../audio/voice-message';
import { readWav, writeWav } from '../../audio/wav';
import type { PlayedMessage } from '../../firmware-sim/peripherals';
import { RATE, envelopeCorrelation, longVoiceWav, ownedToy, thrown, until, useWorld, voice, voiceWav } from './helpers';

describe('voice between a phone and its toy', () => {
  const world = useWorld(51);

  it('plays a message on the toy that sounds like what the phone sent', async () => {
    const { toy, session } = await ownedToy(world());
    const played = new Promise<PlayedMessage>((resolve) => toy.firmware.once('played', resolve));
    const id = await session.sendMessage(voiceWav(3, 7));
    const playback = await played;
    expect(playback.id).toBe(id);

    const heard = readWav(readFileSync(playback.wavPath!)).channels[0]!;
    const sent = voice(3, 7);
    expect(heard.length).toBe(sent.length);
    expect(envelopeCorrelation(sent, heard)).toBeGreaterThan(0.97);
    // A different voice of the same length does not pass for it.
    expect(envelopeCorrelation(voice(3, 8), heard)).toBeLessThan(0.9);
    // Played, so gone: nobody else reads a message (docs/PROTOCOL.md §10.7).
    expect((await session.status()).messages).toBe(0);
    expect(toy.firmware.storage.flash.keys('messages/')).toEqual([]);
    await session.disconnect();
  });

  it("brings the toy's paw recording to the phone sounding like what its microphone heard", async () => {
    const heardByToy = voice(2, 11);
    const micWav = join(world().dir, 'mic.wav');
    writeFileSync(micWav, writeWav({ sampleRate: RATE, channels: [heardByToy] }));
    const { toy, session } = await ownedToy(world(), 'Parent', { microphone: { kind: 'wav', path: micWav }, recordSeconds: 2 });

    const added = new Promise<{ id: Uint8Array }>((resolve) => session.once('recording-added', resolve));
    await toy.firmware.pawPress();
    const announced = Buffer.from((await added).id).toString('hex');
    const [listed] = await session.listRecordings();
    expect(Buffer.from(listed!.id).toString('hex')).toBe(announced);

    const fetched = await session.fetchRecording(announced);
    expect(fetched.id).toBe(announced);
    const pcm = (await oggToPcm(fetched.ogg)).channels[0]!;
    expect(pcm.length).toBe(heardByToy.length);
    expect(envelopeCorrelation(heardByToy, pcm)).toBeGreaterThan(0.97);
    await session.disconnect();
  });

  it('resumes an upload after the toy drops the link mid-transfer, without starting over', async () => {
    const { toy, phone, session } = await ownedToy(world());
    const toyId = toy.firmware.identity.toyId;
    let dropped = false;
    const progress: number[] = [];
    // Longer than the first acknowledgement plus a window (8 + 16 chunks), so chunks are still to
    // be sent when the toy hangs up at the first progress.
    const error = await thrown(
      session.sendMessage(longVoiceWav(36, 5), {
        onProgress: (p) => {
          progress.push(p.bytesDone);
          if (!dropped && p.bytesDone > 0 && p.bytesDone < p.total) {
            dropped = true;
            toy.bleno.disconnect();
          }
        },
      }),
    );
    expect(error.code).toBe('TRANSFER_INTERRUPTED');
    expect(error.details.resumable).toBe(true);
    const envelope = error.details.envelope as Uint8Array;
    expect(envelope).toBeInstanceOf(Uint8Array);
    // Sent while it was encoded: the error's envelope is the stream finished, same head and bound.
    expect(readEnvelopeHeader(envelope).version).toBe(4);
    expect(toy.firmware.storage.flash.keys('messages/')).toEqual([]);

    const plays: PlayedMessage[] = [];
    toy.firmware.on('played', (p) => plays.push(p));
    const again = await phone.connect(toyId);
    const resumed: Array<{ bytesDone: number; total: number }> = [];
    const id = await again.sendSealed(envelope, { onProgress: (p) => resumed.push(p) });
    expect(resumed[0]!.bytesDone).toBeGreaterThan(0);
    expect(resumed[0]!.bytesDone).toBeGreaterThanOrEqual(progress[0]!);
    expect(resumed.at(-1)!.bytesDone).toBe(envelope.length);
    await until(() => plays.length === 1);
    expect(plays.map((p) => p.id)).toEqual([id]);
    await again.disconnect();
  });

  it('resumes after the phone walks out of range mid-transfer and comes back', async () => {
    const { toy, phone, session } = await ownedToy(world());
    const phoneController = world().phoneDevice(phone).device.controller;
    world().air.place(toy.device.controller, { x: 0, y: 0 });
    world().air.place(phoneController, { x: 1, y: 0 });
    let dropped = false;
    // Longer than the first acknowledgement plus a window (8 + 16 chunks), so chunks are still to
    // be sent when the phone walks away at the first progress.
    const error = await thrown(
      session.sendMessage(longVoiceWav(36, 6), {
        onProgress: (p) => {
          if (!dropped && p.bytesDone > 0 && p.bytesDone < p.total) {
            dropped = true;
            world().air.place(phoneController, { x: 10_000, y: 0 });
          }
        },
      }),
    );
    expect(error.code).toBe('TRANSFER_INTERRUPTED');
    world().air.place(phoneController, { x: 1, y: 0 });
    const again = await phone.connect(toy.firmware.identity.toyId);
    const first: number[] = [];
    const played = new Promise((resolve) => toy.firmware.once('played', resolve));
    await again.sendSealed(error.details.envelope as Uint8Array, { onProgress: (p) => first.push(p.bytesDone) });
    expect(first[0]).toBeGreaterThan(0);
    await played;
    expect(toy.firmware.storage.flash.keys('messages/')).toEqual([]); // played, so gone
    await again.disconnect();
  });

  it('answers a resend of a message it already stored at once, and plays it only once', async () => {
    const { toy, phone, session } = await ownedToy(world());
    const { envelope } = sealVoiceMessage(toy.firmware.sodium, { recording: voiceWav(1), sender: phone.keysFor(toy.firmware.identity.toyId), recipients: [session.bond.peer], now: Date.now() });
    const plays: PlayedMessage[] = [];
    toy.firmware.on('played', (p) => plays.push(p));
    const id = await session.sendSealed(envelope);
    // As after a link lost between the last chunk and the toy's answer: the phone sends it again.
    const started = Date.now();
    expect(await session.sendSealed(envelope, { stallMs: 3000 })).toBe(id);
    expect(Date.now() - started).toBeLessThan(1000);
    await until(() => plays.length >= 1);
    expect(plays).toHaveLength(1);
    expect(toy.firmware.storage.flash.keys('messages/')).toEqual([]); // played, so gone
    await session.disconnect();
  });
});

