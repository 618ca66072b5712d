// The owner's roster changes survive a relay that is down, failing or busy: publishRosterChange
// retries with backoff and, when the relay stays away, hands the change back (RosterUpdatePending)
// for the app to keep; changes kept one after the other merge so that the last word on a key wins.
import { newRelayId } from '../../client/relay-client';
import { RosterUpdatePending, mergeRosterChanges, publishRosterChange } from '../../client/roster-update';
import type { Sodium } from '../../pairing/sodium';
import { phone, sodiumReady, startTestRelay, testDatabase } from '../relay/relay-harness';

let sodium: Sodium;
beforeAll(async () => {
  sodium = await sodiumReady();
});

describe('roster changes', () => {
  it('merge so that the later change wins on each key', () => {
    expect(mergeRosterChanges({ add: ['a', 'b'], remove: ['c'] }, { add: ['c'], remove: ['a', 'd'] })).toEqual({ add: ['b', 'c'], remove: ['a', 'd'] });
    expect(mergeRosterChanges({ add: [], remove: ['x'] }, { add: [], remove: ['x'] })).toEqual({ add: [], remove: ['x'] });
  });

  it('are kept when the relay is down, retried with backoff, and published once it is back', async () => {
    const database = testDatabase('sqlite');
    const connection = await database.open();
    let relay = await startTestRelay(connection);
    const port = Number(new URL(relay.url).port);
    const [owner, grandma, uncle] = [phone(sodium), phone(sodium), phone(sodium)];
    const mailbox = newRelayId(sodium);
    const client = owner.client(relay.url);
    const [grandmaKey, uncleKey] = [grandma.client(relay.url).keyId, uncle.client(relay.url).keyId];
    await client.putRoster(mailbox, 1, [client.keyId, grandmaKey, uncleKey]);
    try {
      await relay.close();
      const revoke = { add: [], remove: [grandmaKey] };
      const started = Date.now();
      const pending = await publishRosterChange(client, mailbox, client.keyId, revoke, { attempts: 3, firstDelayMs: 100 }).catch((e: unknown) => e);
      expect(pending).toBeInstanceOf(RosterUpdatePending);
      expect((pending as RosterUpdatePending).change).toEqual(revoke);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100 + 200); // two pauses between three tries

      // The relay comes back while the phone is still trying: the change goes through.
      const publishing = publishRosterChange(client, mailbox, client.keyId, revoke, { attempts: 10, firstDelayMs: 100, maxDelayMs: 400 });
      await new Promise((resolve) => setTimeout(resolve, 250));
      relay = await startTestRelay(connection, { port });
      expect(await publishing).toBe(2);
      expect((await client.roster(mailbox, client.keyId)).members).toEqual([client.keyId, uncleKey]);
      // Published again (say by the next command, not knowing the last one got through): nothing new.
      expect(await publishRosterChange(client, mailbox, client.keyId, revoke)).toBe(2);
      await expect(grandma.client(relay.url).pending(mailbox)).rejects.toMatchObject({ status: 403 });
    } finally {
      await relay.close();
      await connection.close();
      await database.drop();
    }
  });

  it('are kept at once when the relay is busy (429) for longer than the longest pause', async () => {
    const database = testDatabase('sqlite');
    const connection = await database.open();
    const relay = await startTestRelay(connection, { ratePerMinute: 2 });
    try {
      const [owner, grandma] = [phone(sodium), phone(sodium)];
      const mailbox = newRelayId(sodium);
      const client = owner.client(relay.url);
      await client.putRoster(mailbox, 1, [client.keyId, grandma.client(relay.url).keyId]);
      const started = Date.now();
      const pending = await publishRosterChange(client, mailbox, client.keyId, { add: [], remove: [grandma.client(relay.url).keyId] }).catch((e: unknown) => e);
      expect(pending).toBeInstanceOf(RosterUpdatePending);
      expect((pending as RosterUpdatePending).cause).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(Date.now() - started).toBeLessThan(4000); // Retry-After (up to a minute) is not waited out in the command
    } finally {
      await relay.close();
      await connection.close();
      await database.drop();
    }
  });
});
