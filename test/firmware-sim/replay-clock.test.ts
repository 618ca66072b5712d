// The toy's replay guard does not trust the toy's clock (it has no real-time clock; a battery pull
// resets it): a toy that believes it is 1970 still takes a fresh message, refuses the same
// envelope again, and refuses one far older than the newest it has taken.
import { sealVoiceMessage } from '../../audio/voice-message';
import { sodiumReady } from '../../pairing/sodium';
import { ownedToy, thrown, useWorld, voiceWav } from '../client/helpers';

describe('the replay guard without a wall clock', () => {
  const world = useWorld(141);

  it('judges envelopes by the newest time it has admitted, not by the toy clock', async () => {
    const sodium = await sodiumReady();
    const { toy, phone, session } = await ownedToy(world(), 'Parent', { now: () => 0 });
    const seal = (now: number) => sealVoiceMessage(sodium, { recording: voiceWav(1), sender: phone.keysFor(toy.firmware.identity.toyId), recipients: [session.bond.peer], now }).envelope;
    const today = Date.UTC(2026, 10, 29);
    const fresh = seal(today);
    const played = new Promise((resolve) => toy.firmware.once('played', resolve));
    await session.sendSealed(fresh);
    await played;
    // A message from a phone whose clock is a day ahead still goes through.
    await session.sendSealed(seal(today + 24 * 3_600_000));
    // (Sent again right after it completed, an envelope is only answered again; later, it is a replay.)
    expect((await thrown(session.sendSealed(fresh))).message).toMatch(/REPLAYED/);
    expect((await thrown(session.sendSealed(seal(today - 15 * 24 * 3_600_000)))).message).toMatch(/REPLAYED/);
    await session.disconnect();
  });
});
