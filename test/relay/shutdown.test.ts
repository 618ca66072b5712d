// Graceful shutdown: once close() begins, a phone waiting in a long poll gets its (empty) answer
// at once instead of a cut connection, and then the relay stops listening.
import { RelayClient, newRelayId } from '../../client/relay-client';
import type { Sodium } from '../../pairing/sodium';
import { phone, sodiumReady, startTestRelay, testDatabase } from './relay-harness';

let sodium: Sodium;
beforeAll(async () => {
  sodium = await sodiumReady();
});

it('answers a waiting long poll at once on shutdown, then stops listening', async () => {
  const database = testDatabase('sqlite');
  const connection = await database.open();
  const relay = await startTestRelay(connection);
  try {
    const [parent, grandma] = [phone(sodium), phone(sodium)];
    const mailbox = newRelayId(sodium);
    const client: RelayClient = parent.client(relay.url);
    await client.putRoster(mailbox, 1, [grandma.client(relay.url).keyId]);
    const started = Date.now();
    const waiting = client.pending(mailbox, 30);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const closing = relay.close();
    expect(await waiting).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
    await closing;
    await expect(fetch(`${relay.url}/healthz`)).rejects.toThrow();
  } finally {
    await connection.close();
    await database.drop();
  }
});
