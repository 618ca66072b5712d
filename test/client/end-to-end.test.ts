// The toy and the app, end to end on the virtual radio with the real noble and bleno: pairing,
// sessions, voice both ways, rights, and the failures a user interface has to show.
import { readFileSync } from 'node:fs';
import { oggToPcm } from '../../audio/voice-message';
import { writeWav } from '../../audio/wav';
import { speechLike } from '../../firmware-sim/microphone';
import { isToyClientError } from '../../client/errors';
import { useWorld } from './helpers';

const voiceWav = (seconds: number, seed = 3): Uint8Array => writeWav({ sampleRate: 16000, channels: [speechLike(16000 * seconds, seed)] });

describe('a toy and a phone on the virtual radio', () => {
  const world = useWorld(21);

  it('pairs the first phone as owner with the code, after a paw press', async () => {
    const { firmware } = await world().toy();
    const phone = await world().phone('Parent');
    const heard = await phone.scan(300);
    expect(heard).toEqual([expect.objectContaining({ toyId: firmware.identity.toyId, bonded: false, pairingWindowOpen: false })]);

    await firmware.pawPress();
    const session = await phone.pair(firmware.identity.toyId, { code: firmware.identity.code });
    expect(session.bond.role).toBe('owner');
    expect(phone.bonds()).toHaveLength(1);
    expect((await session.status()).role).toBe('owner');
    await session.disconnect();

    const again = await phone.connect(firmware.identity.toyId);
    expect((await again.members()).map((m) => [m.role, m.label])).toEqual([['owner', 'Parent']]);
    await again.disconnect();
  });

  it('refuses a wrong code, and a pairing while the window is closed', async () => {
    const { firmware } = await world().toy();
    const phone = await world().phone('Parent');
    const toyId = firmware.identity.toyId;
    await expect(phone.pair(toyId, { code: firmware.identity.code })).rejects.toMatchObject({ code: 'WINDOW_CLOSED' });
    await firmware.pawPress();
    const wrong = firmware.identity.code === '0000000000' ? '1111111110' : '0000000000';
    const error = await phone.pair(toyId, { code: wrong }).catch((e: unknown) => e);
    // A code with a bad check digit never leaves the phone; a well-formed wrong one reaches the toy.
    expect(isToyClientError(error)).toBe(true);
    expect(['WRONG_CODE', 'BAD_INPUT']).toContain((error as { code: string }).code);
    expect(phone.bonds()).toHaveLength(0);
  });

  it('carries a voice message to the speaker and a paw recording back to the phone', async () => {
    const { firmware } = await world().toy();
    const phone = await world().phone('Parent');
    await firmware.pawPress();
    const session = await phone.pair(firmware.identity.toyId, { code: firmware.identity.code });

    const progress: number[] = [];
    const played = new Promise<{ wavPath: string | undefined; durationSeconds: number }>((resolve) => firmware.once('played', resolve));
    const id = await session.sendMessage(voiceWav(4), { onProgress: (p) => progress.push(p.bytesDone / p.total) });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(progress.at(-1)).toBe(1);
    const playback = await played;
    expect(playback.durationSeconds).toBeCloseTo(4, 1);
    expect(readFileSync(playback.wavPath!).subarray(0, 4).toString()).toBe('RIFF');

    const added = new Promise<unknown>((resolve) => session.once('recording-added', resolve));
    await firmware.pawPress();
    await added;
    const [recording] = await session.listRecordings();
    const fetched = await session.fetchRecording(Buffer.from(recording!.id).toString('hex'));
    const pcm = await oggToPcm(fetched.ogg);
    expect(pcm.channels[0]!.length).toBe(3 * 16000);
    await session.disconnect();
  });
});
