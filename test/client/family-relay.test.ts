// The family relay end to end, on the virtual radio plus real relays on loopback: once on SQLite
// (one relay), once on PostgreSQL with two relay processes (grandma on one, the bridge at home on
// the other; skipped, loudly, when PostgreSQL is unreachable outside CI). Grandma far away joins
// by remote invitation and sends a message; the parent's phone at home bridges it and the toy
// plays it; the toy's sealed "played" receipt goes back to grandma alone; the child's paw-press
// reply goes up through the bridge and grandma opens it. The bridge cannot open grandma's message
// or her receipt, and an altered copy is refused by the toy; a stranger can neither post to nor
// read the mailbox; once the owner revokes grandma, she is refused and nothing new is sealed for her.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTENT_OGG_OPUS, openEnvelope, readEnvelopeHeader } from '../../audio/envelope';
import { oggToPcm } from '../../audio/voice-message';
import { writeWav } from '../../audio/wav';
import { FamilyRelay, type FamilyInboxItem } from '../../client/family-relay';
import { RelayClient, RelayRefusal } from '../../client/relay-client';
import type { PlayedMessage } from '../../firmware-sim/peripherals';
import { generatePartyKeys } from '../../pairing/identity';
import { MIN_BUCKET } from '../../relay/padding';
import type { Backend } from '../relay/relay-harness';
import { RATE, envelopeCorrelation, thrown, useWorld, voice, voiceWav } from './helpers';
import { useRelayPair } from './relay-pair';
import { familyAtHome, inviteFarAway } from './relay-family';

async function refusal(attempt: Promise<unknown>): Promise<RelayRefusal> {
  const error = await attempt.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RelayRefusal);
  return error as RelayRefusal;
}

describe.each<Backend>(['sqlite', 'postgres'])('the family relay on %s', (backend) => {
  const relays = useRelayPair(backend);
  const world = useWorld(137);

  it('carries grandma’s message to the toy, its played receipt back to her alone, and the child’s reply; a stranger and, once revoked, grandma get nothing', async () => {
    const pair = relays();
    if (!pair) return; // PostgreSQL unreachable: announced by the harness
    expect(pair.far === pair.home).toBe(pair.processes === 1);
    expect(pair.processes).toBe(backend === 'postgres' ? 2 : 1);
    const childSays = voice(1, 17);
    const micWav = join(world().dir, 'mic.wav');
    writeFileSync(micWav, writeWav({ sampleRate: RATE, channels: [childSays] }));
    const family = await familyAtHome(world(), pair.home, { microphone: { kind: 'wav', path: micWav }, recordSeconds: 1 });
    const { toy, toyId, parent, parentRelay, mailbox, sodium } = family;
    const grandma = await world().phone('Grandma');
    const { bondId: grandmaBond, hosted } = await inviteFarAway(family, grandma, 'Grandma', 2, pair.far);

    const grandmaSide = new FamilyRelay(grandma, { url: pair.far, mailbox, toyId });
    const bridge = new FamilyRelay(parent, { url: pair.home, mailbox, toyId });
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

    // Grandma waits on her relay before the bridge runs: the receipt reaches her by push.
    const inbox = grandmaSide.inbox({ waitSeconds: 25 });
    const firstMail = inbox.next();
    const played = new Promise<PlayedMessage>((resolve) => toy.firmware.once('played', resolve));
    const first = await bridge.bridge(session);
    const bridged = Date.now();
    expect(first).toEqual({ delivered: [sent], refused: [], uploaded: [], forThisPhone: [], receipts: [sent], receiptsWaiting: 0 });
    expect((await played).id).toBe(sent);
    expect(await bridge.relay.pending(mailbox)).toEqual([]);

    const receiptMail = (await firstMail).value as FamilyInboxItem;
    // A long poll that missed the other process's notice would only end after its 25 s.
    expect(Date.now() - bridged).toBeLessThan(10_000);
    expect(receiptMail.kind).toBe('receipt');
    if (receiptMail.kind !== 'receipt') return;
    expect(receiptMail.receipt.message).toBe(sent);
    expect(receiptMail.receipt.playedAt).toBeGreaterThan(0);
    // To the relay and the bridge it is one more sealed envelope: a voice message's content type,
    // one recipient, the smallest size bucket; only grandma opens it.
    const header = readEnvelopeHeader(receiptMail.sealed);
    expect([header.contentType, header.recipients.length]).toEqual([CONTENT_OGG_OPUS, 1]);
    expect(bridge.read(receiptMail.sealed)).toEqual({ kind: 'sealed' });
    expect(() => openEnvelope(sodium, receiptMail.sealed, parent.keysFor(toyId))).toThrow(/NOT_A_RECIPIENT/);
    const [listed] = await grandmaSide.relay.pending(mailbox);
    expect(listed).toMatchObject({ id: receiptMail.id, size: MIN_BUCKET });
    await receiptMail.acknowledge();

    // The child answers with a paw press; the next bridge pass posts it for grandma.
    const added = new Promise<{ id: Uint8Array }>((resolve) => session.once('recording-added', resolve));
    await toy.firmware.pawPress();
    const reply = Buffer.from((await added).id).toString('hex');
    const second = await bridge.bridge(session);
    expect(second).toEqual({ delivered: [], refused: [], uploaded: [reply], forThisPhone: [], receipts: [], receiptsWaiting: 0 });
    expect((await bridge.bridge(session)).uploaded).toEqual([]); // posted once
    await session.disconnect();

    const item = (await inbox.next()).value as FamilyInboxItem;
    await item.acknowledge();
    await inbox.return(undefined);
    expect(item.kind).toBe('recording');
    if (item.kind !== 'recording') return;
    expect(item.recording.id).toBe(reply);
    const pcm = (await oggToPcm(item.recording.ogg)).channels[0]!;
    expect(envelopeCorrelation(childSays, pcm)).toBeGreaterThan(0.97);
    expect(await grandmaSide.relay.pending(mailbox)).toEqual([]);

    // The toy's recording, posted by another phone (here grandma's), is the parent's own mail: a
    // bridge pass leaves it in the parent's inbox instead of handing the toy its own words.
    const { id: again } = await grandmaSide.relay.post(mailbox, item.sealed);
    const home = await parent.connect(toyId);
    expect(await bridge.bridge(home)).toEqual({ delivered: [], refused: [], uploaded: [], forThisPhone: [again], receipts: [], receiptsWaiting: 0 });
    expect((await bridge.relay.pending(mailbox)).map((e) => e.id)).toEqual([again]);
    expect(bridge.openRecording(await bridge.relay.fetch(mailbox, again)).id).toBe(reply);
    await bridge.relay.acknowledge(mailbox, again);

    // A stranger, signing with a key of its own, is refused both ways on either relay.
    for (const url of new Set([pair.far, pair.home])) {
      const stranger = new RelayClient({ url, key: generatePartyKeys(sodium).signing, sodium });
      for (const attempt of [stranger.post(mailbox, sealed), stranger.pending(mailbox), stranger.fetch(mailbox, again)]) {
        expect((await refusal(attempt)).status).toBe(403);
      }
    }

    // The owner revokes grandma: off the toy, then off the roster (through the home relay).
    await home.removeMember(grandmaBond);
    const roster = await parentRelay.roster(mailbox, parentRelay.keyId);
    await parentRelay.putRoster(mailbox, roster.version + 1, roster.members.filter((k) => k !== hosted.relayKey));
    // Her very next request, on the relay that did not see the change, is refused.
    expect((await refusal(grandmaSide.relay.pending(mailbox))).status).toBe(403);
    expect((await refusal(grandmaSide.sendRemote(voiceWav(1, 6)))).status).toBe(403);
    // What the toy seals from now on is not addressed to her.
    const addedLater = new Promise<{ id: Uint8Array }>((resolve) => home.once('recording-added', resolve));
    await toy.firmware.pawPress();
    const later = await home.fetchSealedRecording((await addedLater).id);
    expect(() => openEnvelope(sodium, later, grandma.keysFor(toyId))).toThrow(/NOT_A_RECIPIENT/);
    expect(grandmaSide.read(later)).toEqual({ kind: 'sealed' });
    // And the relay keeps nothing for her: the parent, now alone on the roster, has nobody to post to.
    expect(await bridge.bridge(home)).toEqual({ delivered: [], refused: [], uploaded: [], forThisPhone: [], receipts: [], receiptsWaiting: 0 });
    await home.disconnect();
  });
});
