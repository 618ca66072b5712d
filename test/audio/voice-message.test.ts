// A voice message end to end, the way the toy and the app use audio/: grandma's recording is
// encoded, sealed for the toy, carried over a link that drops halfway (the toy even loses
// power), opened and verified by the toy, and played back as the same speech.
import { readFileSync } from 'node:fs';
import type { Sodium } from '../../pairing/sodium';
import { sodiumReady } from '../../pairing/sodium';
import { createReplayGuard } from '../../audio/replay-guard';
import { chunkSizeFor } from '../../audio/transfer-sender';
import { oggToWav, openVoiceMessage, recordingToOgg, sealVoiceMessage } from '../../audio/voice-message';
import { downmixToMono } from '../../audio/pcm';
import { resample } from '../../audio/resample';
import { readWav } from '../../audio/wav';
import { GRANDMA, correlation, energyEnvelope, espeakWav, run, scratchDir, thrown } from './fixtures';
import { makeParty, publicOf, senderOf } from './parties';
import { TestLink } from './transfer-link';

describe('a voice message from grandma to the toy', () => {
  let sodium: Sodium;
  beforeAll(async () => {
    sodium = await sodiumReady();
  });

  it('arrives, opens, verifies and plays as the same speech, once', async () => {
    const [grandma, toy] = [makeParty(sodium), makeParty(sodium)];
    const recording = espeakWav(GRANDMA);
    const now = Date.UTC(2026, 10, 23, 19);
    const sealed = sealVoiceMessage(sodium, { recording, sender: grandma, recipients: [publicOf(toy)], now });
    // About 2 kB per second of voice, sealing included.
    expect(sealed.envelope.length / sealed.durationSeconds).toBeLessThan(2400);

    // A 247-byte MTU link (244-byte ATT payloads; assume ~40 bytes of session framing).
    const link = new TestLink(sodium, sealed.envelope, { chunkSize: chunkSizeFor(200) }, { maxBytes: 256 * 1024 });
    for (let i = 0; i < 30; i++) link.deliver(i % 3 === 2 ? 'toSender' : 'toReceiver');
    link.disconnect();
    link.rebootReceiver();
    link.reconnect(chunkSizeFor(100));
    link.runFairly(10_000);
    expect(link.sender.phase).toBe('done');
    const resumed = link.receiverEvents.filter((e) => e.type === 'offer').at(-1) as { bytesDone: number };
    expect(resumed.bytesDone).toBeGreaterThan(1000);
    const [received] = link.completions();

    const guard = createReplayGuard();
    const opened = openVoiceMessage(sodium, received as Uint8Array, toy, guard, now + 60_000, { senders: [publicOf(grandma)] });
    expect(opened.message.sender).toEqual(senderOf(grandma));
    expect(opened.message.durationSeconds).toBeCloseTo(sealed.durationSeconds, 6);
    expect(thrown(() => openVoiceMessage(sodium, received as Uint8Array, toy, opened.guard, now + 120_000)).code).toBe('REPLAYED');

    const dir = scratchDir();
    try {
      const info = run('opusinfo', [dir.write('opened.opus', opened.message.audio)]);
      expect(info).not.toMatch(/WARNING|ERROR/);
      const played = readWav(await oggToWav(opened.message.audio)).channels[0] as Float32Array;
      const original = resample(downmixToMono(readWav(recording)), 16000).channels[0] as Float32Array;
      expect(played).toHaveLength(original.length);
      expect(correlation(energyEnvelope(original, 160), energyEnvelope(played, 160))).toBeGreaterThan(0.97);
    } finally {
      dir.remove();
    }
  });

  it('keeps an Ogg Opus recording as it is and refuses what is neither WAV nor Ogg Opus', () => {
    const dir = scratchDir();
    try {
      run('opusenc', ['--quiet', dir.write('in.wav', espeakWav('Hi')), dir.path('in.opus')]);
      const ogg = new Uint8Array(readFileSync(dir.path('in.opus')));
      expect(recordingToOgg(ogg)).toBe(ogg);
      expect(thrown(() => recordingToOgg(new TextEncoder().encode('ID3 an mp3 file'))).code).toBe('UNSUPPORTED_FORMAT');
    } finally {
      dir.remove();
    }
  });
});
