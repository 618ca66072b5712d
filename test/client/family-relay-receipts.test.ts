// Delivery receipts on their way back: the toy's "played" receipt for a relayed message is
// carried by the bridge that delivered it; one the relay does not take now (busy: 429) stays with
// the bridge (FamilyRelay.pendingReceipts, which an app persists) and goes with its next pass.
import { FamilyRelay, type FamilyInboxItem } from '../../client/family-relay';
import { newRelayId } from '../../client/relay-client';
import { type Relay } from '../../relay/server';
import { startTestRelay, testDatabase } from '../relay/relay-harness';
import { ownedToy, useWorld, voiceWav } from './helpers';

describe('delivery receipts through a bridge', () => {
  const world = useWorld(211);

  it('are kept by the bridge while the relay refuses them and posted by its next pass', async () => {
    const database = testDatabase('sqlite');
    const connection = await database.open();
    // Four requests a minute for each key: the bridge's fifth, the receipt, is refused (429).
    let relay: Relay & { url: string } = await startTestRelay(connection, { ratePerMinute: 4 });
    try {
      const { toy, phone: parent, session } = await ownedToy(world());
      const toyId = toy.firmware.identity.toyId;
      const grandma = await world().phone('Grandma');
      grandma.acceptGrant((await session.addMember(grandma.phoneKeys(toyId), 'Grandma')).grant);
      const mailbox = newRelayId(grandma.sodium);
      const bridge = new FamilyRelay(parent, { url: relay.url, mailbox, toyId });
      const far = new FamilyRelay(grandma, { url: relay.url, mailbox, toyId });
      await bridge.relay.putRoster(mailbox, 1, [bridge.relay.keyId, far.relay.keyId]); // 1

      const sent = await far.sendRemote(voiceWav(1, 8));
      // pending (2), fetch (3), acknowledge (4), the receipt (5: refused)
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
});
