// A full toy, end to end: a message that does not fit is refused with TOY_FULL at its offer, before
// more than the opening burst crosses the air, and nothing of it is stored: what the toy holds is
// untouched; a paw recording that does not fit is not
// kept, and the firmware says so.
import { readEnvelopeHeader } from '../../audio/envelope';
import { OPENING_CHUNKS } from '../../audio/transfer-sender';
import { MessageStream } from '../../client/message-stream';
import { sodiumReady } from '../../pairing/sodium';
import { PACKETS_PER_TRANSFER_FRAME } from '../../firmware-sim/profile';
import { ownedToy, thrown, until, useWorld, voiceWav } from './helpers';
import { WriteTap } from './write-tap';

/** Room for the toy's own records and a one-second message, not for a four-second one. */
const SMALL_FLASH = 8 * 1024;

describe('a toy whose flash is full', () => {
  const world = useWorld(81);

  it('refuses a message that does not fit with TOY_FULL at its offer: only the opening burst travels, nothing of it is stored, and the toy keeps what it had', async () => {
    const { toy, phone, session } = await ownedToy(world(), 'Parent', { capacityBytes: SMALL_FLASH });
    const played = new Promise((resolve) => toy.firmware.once('played', resolve));
    const first = await session.sendMessage(voiceWav(1));
    await played; // and so erased (docs/PROTOCOL.md §10.7): what the toy has is what stays
    const flash = toy.firmware.storage.flash;
    const keysBefore = flash.keys();
    const bytesBefore = keysBefore.map((k) => flash.read(k)!.toString('hex'));

    const big = session.sealMessage(voiceWav(4));
    const tap = new WriteTap(world().phoneDevice(phone).noble);
    const progress: number[] = [];
    const error = await thrown(session.sendSealed(big, { onProgress: (p) => progress.push(p.bytesDone) }));
    expect(error.code).toBe('TOY_FULL');
    // The offer and its opening burst (docs/PROTOCOL.md §10.5) are all that travelled: at most
    // OPENING_CHUNKS chunks of one frame each, whatever the message's size; nothing after the refusal.
    expect(tap.writes.length).toBeLessThanOrEqual(1 + OPENING_CHUNKS * PACKETS_PER_TRANSFER_FRAME);
    const sentBytes = tap.writes.reduce((sum, w) => sum + w.data.length, 0);
    expect(sentBytes).toBeLessThan(big.length);
    expect(progress.filter((b) => b > 0)).toEqual([]);
    expect(toy.log.filter((l) => l.includes('FLASH_FULL'))).toHaveLength(1);

    expect(flash.keys()).toEqual(keysBefore);
    expect(keysBefore.map((k) => flash.read(k)!.toString('hex'))).toEqual(bytesBefore);
    expect(keysBefore.some((k) => k.endsWith(first))).toBe(false);
    // The session is still good.
    expect((await session.status()).messages).toBe(0);
  });

  it('takes a message whose streamed bound does not fit, but whose envelope does, as a whole envelope', async () => {
    const { toy, phone, session } = await ownedToy(world(), 'Parent', { capacityBytes: SMALL_FLASH });
    const wav = voiceWav(2);
    const free = toy.firmware.storage.flash.usage().freeBytes;
    const whole = session.sealMessage(wav);
    const bound = readEnvelopeHeader(new MessageStream(await sodiumReady(), wav, phone.keysFor(toy.firmware.identity.toyId), session.bond.peer, Date.now()).envelope()).maxBodyLength!;
    // What this test is about: the stream's bound is more than the toy has free, the envelope less.
    expect(bound).toBeGreaterThan(free);
    expect(whole.length).toBeLessThan(free);
    const stored: Uint8Array[] = [];
    toy.firmware.on('message-stored', (m) => stored.push(m.envelope));
    const id = await session.sendMessage(wav);
    await until(() => stored.length > 0);
    // One message, whole and as version 3: nothing of the refused stream was kept.
    expect(stored.map((e) => readEnvelopeHeader(e))).toMatchObject([{ version: 3 }]);
    expect(Buffer.from(readEnvelopeHeader(stored[0]!).id).toString('hex')).toBe(id);
    expect(toy.log.filter((l) => l.includes('FLASH_FULL'))).toHaveLength(1);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not keep a paw recording that does not fit, and says so', async () => {
    const { toy, session } = await ownedToy(world(), 'Parent', { capacityBytes: 4 * 1024, recordSeconds: 3 });
    const notKept = new Promise<{ reason: string }>((resolve) => toy.firmware.once('recording-not-kept', resolve));
    let announced = 0;
    session.on('recording-added', () => announced++);
    await toy.firmware.pawPress();
    expect((await notKept).reason).toBe('FLASH_FULL');
    expect(toy.log.some((l) => l.startsWith('recording not kept'))).toBe(true);
    expect(await session.listRecordings()).toEqual([]);
    expect(announced).toBe(0);
    expect(toy.firmware.state).toBe('connected');
    expect(toy.firmware.storage.bonds.list()).toHaveLength(1);
  });
});
