// The family relay end to end, on the virtual radio plus a real relay on loopback, once on SQLite
// and once on PostgreSQL (skipped, loudly, when it is unreachable outside CI): grandma far away
// joins by remote invitation and sends a message; the parent's phone at home bridges it and the
// toy plays it; the child's paw-press reply goes up through the bridge and grandma opens it. The
// bridge cannot open grandma's message and an altered copy is refused by the toy; a stranger can
// neither post to nor read the mailbox.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEnvelope } from '../../audio/envelope';
import { oggToPcm } from '../../audio/voice-message';
import { writeWav } from '../../audio/wav';
import { FamilyRelay } from '../../client/family-relay';
import { RelayClient, RelayRefusal } from '../../client/relay-client';
import type { PlayedMessage } from '../../firmware-sim/peripherals';
import { generatePartyKeys } from '../../pairing/identity';
import { type Backend, useTestRelay } from '../relay/relay-harness';
import { RATE, envelopeCorrelation, thrown, useWorld, voice, voiceWav } from './helpers';
import { familyAtHome, inviteFarAway } from './relay-family';

describe.each<Backend>(['sqlite', 'postgres'])('the family relay on %s', (backend) => {
  const running = useTestRelay(backend);
  const world = useWorld(137);

  it('carries grandma’s message to the toy through the parent’s bridge, and the child’s reply back to her', async () => {
    const server = running();
    if (!server) return; // PostgreSQL unreachable: announced by the harness
    const childSays = voice(1, 17);
    const micWav = join(world().dir, 'mic.wav');
    writeFileSync(micWav, writeWav({ sampleRate: RATE, channels: [childSays] }));
    const family = await familyAtHome(world(), server.relay.url, { microphone: { kind: 'wav', path: micWav }, recordSeconds: 1 });
    const { toy, toyId, parent, mailbox, sodium } = family;
    const grandma = await world().phone('Grandma');
    await inviteFarAway(family, grandma, 'Grandma');

    const grandmaSide = new FamilyRelay(grandma, { url: server.relay.url, mailbox, toyId });
    const bridge = new FamilyRelay(parent, { url: server.relay.url, mailbox, toyId });
    const sent = await grandmaSide.sendRemote(voiceWav(1, 5));

    // What the bridge carries is not addressed to it: it does not open with the parent's keys.
    const [waiting] = await bridge.relay.pending(mailbox);
    const sealed = await bridge.relay.fetch(mailbox, waiting!.id);
    expect(() => openEnvelope(sodium, sealed, parent.keysFor(toyId))).toThrow(/NOT_A_RECIPIENT/);

    const session = await parent.connect(toyId);
    // An altered copy (a bridge or relay tampering) is refused by the toy.
    const altered = Uint8Array.from(sealed);
    altered[altered.length - 20] = (altered[altered.length - 20] ?? 0) ^ 0x40;
    expect((await thrown(session.sendSealed(altered))).code).toBe('MESSAGE_REFUSED');

    const played = new Promise<PlayedMessage>((resolve) => toy.firmware.once('played', resolve));
    const first = await bridge.bridge(session);
    expect(first).toEqual({ delivered: [sent], refused: [], uploaded: [], forThisPhone: [] });
    expect((await played).id).toBe(sent);
    expect(await bridge.relay.pending(mailbox)).toEqual([]);

    // The child answers with a paw press; the next bridge pass posts it for grandma.
    const added = new Promise<{ id: Uint8Array }>((resolve) => session.once('recording-added', resolve));
    await toy.firmware.pawPress();
    const reply = Buffer.from((await added).id).toString('hex');
    const second = await bridge.bridge(session);
    expect(second).toEqual({ delivered: [], refused: [], uploaded: [reply], forThisPhone: [] });
    expect((await bridge.bridge(session)).uploaded).toEqual([]); // posted once
    await session.disconnect();

    const inbox = grandmaSide.inbox({ waitSeconds: 5 });
    const item = (await inbox.next()).value!;
    const heard = grandmaSide.openRecording(item.sealed);
    await item.acknowledge();
    await inbox.return(undefined);
    expect(heard.id).toBe(reply);
    const pcm = (await oggToPcm(heard.ogg)).channels[0]!;
    expect(envelopeCorrelation(childSays, pcm)).toBeGreaterThan(0.97);
    expect(await grandmaSide.relay.pending(mailbox)).toEqual([]);

    // The toy's recording, posted by another phone (here grandma's), is the parent's own mail: a
    // bridge pass leaves it in the parent's inbox instead of handing the toy its own words.
    const { id: again } = await grandmaSide.relay.post(mailbox, item.sealed);
    const home = await parent.connect(toyId);
    expect(await bridge.bridge(home)).toEqual({ delivered: [], refused: [], uploaded: [], forThisPhone: [again] });
    await home.disconnect();
    expect((await bridge.relay.pending(mailbox)).map((e) => e.id)).toEqual([again]);
    expect(bridge.openRecording(await bridge.relay.fetch(mailbox, again)).id).toBe(reply);

    // A stranger, signing with a key of its own, is refused both ways.
    const stranger = new RelayClient({ url: server.relay.url, key: generatePartyKeys(sodium).signing, sodium });
    for (const attempt of [() => stranger.post(mailbox, sealed), () => stranger.pending(mailbox)]) {
      const refusal = await attempt().then(() => undefined, (error: unknown) => error);
      expect(refusal).toBeInstanceOf(RelayRefusal);
      expect((refusal as RelayRefusal).status).toBe(403);
    }
  });
});
