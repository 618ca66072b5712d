// A message the toy stored, sent again after the toy rebooted (the phone never heard "stored":
// the link or the power went first), is answered "stored" with the same id, not REPLAYED: the
// phone must not tell its user that a message the toy holds was refused. Real stacks on the
// virtual radio; the power cut falls between storing the message and saving its outcome.
import { sealVoiceMessage } from '../../audio/voice-message';
import { FaultyFlashIO } from '../../firmware-sim/flash-faults';
import { nodeFlashIO } from '../../firmware-sim/flash-io';
import { sodiumReady } from '../../pairing/sodium';
import { ownedToy, useWorld, voiceWav } from '../client/helpers';

describe('a message sent again after the toy rebooted', () => {
  const world = useWorld(173);

  async function storedThenResent(cutBeforeOutcome: boolean): Promise<{ first: string; again: string; messages: number; log: string[] }> {
    const sodium = await sodiumReady();
    const io = new FaultyFlashIO();
    const { toy, phone, session } = await ownedToy(world(), 'Parent', { flashIO: io });
    const { toyId } = toy.firmware.identity;
    const { envelope } = sealVoiceMessage(sodium, { recording: voiceWav(1), sender: phone.keysFor(toyId), recipients: [session.bond.peer], now: Date.now() });
    let first: string;
    if (cutBeforeOutcome) {
      const cut = new Promise((resolve) => toy.firmware.once('fault', resolve));
      io.arm({ kind: 'power-cut', at: 0, call: 'write', path: /upload-outcome/ });
      void session.sendSealed(envelope).catch(() => undefined);
      await cut;
      first = '';
    } else {
      first = await session.sendSealed(envelope);
    }
    await session.disconnect().catch(() => undefined);
    const rebooted = await world().powerCycle(toy, { flashIO: nodeFlashIO });
    const again = await (await phone.connect(toyId)).sendSealed(envelope);
    return { first, again, messages: rebooted.firmware.storage.flash.keys('messages/').length, log: rebooted.log };
  }

  it('is answered "stored" with the id it was stored under', async () => {
    const { first, again, messages } = await storedThenResent(false);
    expect(again).toBe(first);
    expect(messages).toBeLessThanOrEqual(1);
  });

  it('is answered "stored" when a power cut took the outcome the toy was saving', async () => {
    const { again, messages, log } = await storedThenResent(true);
    expect(again).toMatch(/^[0-9a-f]{32}$/);
    expect(messages).toBeLessThanOrEqual(1);
    expect(log.join('\n')).not.toContain('REPLAYED');
  });
});
