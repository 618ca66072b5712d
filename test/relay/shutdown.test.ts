// Graceful shutdown: once close() begins, a phone waiting in a long poll gets its (empty) answer
// at once instead of a cut connection, and then the relay stops listening.
import type { Sodium } from '../../pairing/sodium';
import { sodiumReady, sqliteFamily } from './relay-harness';

let sodium: Sodium;
beforeAll(async () => {
  sodium = await sodiumReady();
});

it('answers a waiting long poll at once on shutdown, then stops listening', async () => {
  const family = await sqliteFamily(sodium);
  const { relay, mailbox } = family;
  try {
    const client = family.parent.client(relay.url);
    const started = Date.now();
    const waiting = client.pending(mailbox, 30);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const closing = relay.close();
    expect(await waiting).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
    await closing;
    await expect(fetch(`${relay.url}/healthz`)).rejects.toThrow();
  } finally {
    await family.close();
  }
});
