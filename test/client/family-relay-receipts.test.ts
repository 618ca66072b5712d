// Delivery receipts on their way back: the toy keeps a "played" receipt for each message from a
// sender far away until a bridge takes it (so a session that ends first loses nothing), the
// bridge that delivered the message takes it at once; one the relay does not take now (busy:
// 429) stays with the bridge (FamilyRelay.pendingReceipts, which an app persists) and goes with
// its next pass. A message from the phone on the link itself gets no receipt kept.
import { FamilyRelay, type FamilyInboxItem } from '../../client/family-relay';
import { newRelayId } from '../../client/relay-client';
import { type Relay } from '../../relay/server';
import { startTestRelay, testDatabase } from '../relay/relay-harness';
import { ownedToy, useWorld, voiceWav } from './helpers';

describe('delivery receipts through a bridge', () => {
  const world = useWorld(211);

  /** The parent owns the toy (its session left open) and a mailbox on `url` where grandma, added by her keys, is a member. */
  async function family(url: string) {
    const { toy, phone: parent, session } = await ownedToy(world());
    const toyId = toy.firmware.identity.toyId;
    const grandma = await world().phone('Grandma');
    grandma.acceptGrant((await session.addMember(grandma.phoneKeys(toyId), 'Grandma')).grant);
    const mailbox = newRelayId(grandma.sodium);
    const bridge = new FamilyRelay(parent, { url, mailbox, toyId });
    const far = new FamilyRelay(grandma, { url, mailbox, toyId });
    await bridge.relay.putRoster(mailbox, 1, [bridge.relay.keyId, far.relay.keyId]);
    return { toy, parent, session, toyId, mailbox, bridge, far };
  }

  it('are kept by the bridge while the relay refuses them and posted by its next pass', async () => {
    const database = testDatabase('sqlite');
    const connection = await database.open();
    // Five requests a minute for each key: the bridge's sixth, the receipt, is refused (429).
    let relay: Relay & { url: string } = await startTestRelay(connection, { ratePerMinute: 5 });
    try {
      const { session, mailbox, bridge, far, parent, toyId } = await family(relay.url); // session: 1, roster: 2

      const sent = await far.sendRemote(voiceWav(1, 8));
      // pending (3), fetch (4), acknowledge (5), the receipt (6: refused)
      expect(await bridge.bridge(session)).toEqual({ delivered: [sent], refused: [], uploaded: [], forThisPhone: [], receipts: [], receiptsWaiting: 1 });
      expect(bridge.pendingReceipts.map((r) => r.message)).toEqual([sent]);

      // An app keeps what its bridge owes (as plushlink bridge does in phone.relay.json) ...
      const later = new FamilyRelay(parent, { url: relay.url, mailbox, toyId }, bridge.uploaded, bridge.pendingReceipts);
      const port = Number(new URL(relay.url).port);
      await relay.close();
      relay = await startTestRelay(connection, { port });
      // ... and its next pass posts it, with nothing new to carry to the toy.
      expect(await later.bridge(session)).toEqual({ delivered: [], refused: [], uploaded: [], forThisPhone: [], receipts: [sent], receiptsWaiting: 0 });
      expect(later.pendingReceipts).toEqual([]);
      const inbox = far.inbox({ waitSeconds: 5 });
      const item = (await inbox.next()).value as FamilyInboxItem;
      await inbox.return(undefined);
      expect(item.kind === 'receipt' && item.receipt.message).toBe(sent);
      await item.acknowledge();

      await session.disconnect();
    } finally {
      await relay.close();
      await connection.close();
      await database.drop();
    }
  });

  it('are kept by the toy until a bridge takes them: a delivery without one is receipted on the next pass', async () => {
    const database = testDatabase('sqlite');
    const connection = await database.open();
    const relay = await startTestRelay(connection);
    try {
      const { toy, parent, session, toyId, mailbox, bridge, far } = await family(relay.url);

      // The parent's app hands grandma's message to the toy by itself and hangs up: no bridge pass.
      const sent = await far.sendRemote(voiceWav(1, 10));
      const [waiting] = await bridge.relay.pending(mailbox);
      const played = new Promise((resolve) => toy.firmware.once('played', resolve));
      await session.sendSealed(await bridge.relay.fetch(mailbox, waiting!.id));
      await bridge.relay.acknowledge(mailbox, waiting!.id);
      await played;
      // Its own message, sent in range, gets no receipt kept: its sender is right there.
      const ownPlayed = new Promise((resolve) => toy.firmware.once('played', resolve));
      await session.sendMessage(voiceWav(1, 11));
      await ownPlayed;
      await session.disconnect();

      const next = await parent.connect(toyId);
      expect(await bridge.bridge(next)).toEqual({ delivered: [], refused: [], uploaded: [], forThisPhone: [], receipts: [sent], receiptsWaiting: 0 });
      // Taken: the toy lets it go, the next pass has none.
      expect((await bridge.bridge(next)).receipts).toEqual([]);
      expect(await next.takeReceipts()).toEqual([]);
      await next.disconnect();
      const mail = await far.relay.pending(mailbox);
      expect(mail).toHaveLength(1);
      const receipt = far.read(await far.relay.fetch(mailbox, mail[0]!.id));
      expect(receipt.kind === 'receipt' && receipt.receipt.message).toBe(sent);
    } finally {
      await relay.close();
      await connection.close();
      await database.drop();
    }
  });
});
