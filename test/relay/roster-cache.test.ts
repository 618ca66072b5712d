// The relay keeps verified rosters in memory, and a roster change still takes effect at once: a
// revoked key is refused on its very next request, on SQLite and on PostgreSQL, and with two relay
// processes on one PostgreSQL the one that did not see the change never stores anything for or
// from the revoked key (the write is fenced on the roster version), learns of the change through
// LISTEN/NOTIFY, and never refuses a key that was just added.
import { RelayRefusal, newRelayId } from '../../client/relay-client';
import type { Sodium } from '../../pairing/sodium';
import type { Relay } from '../../relay/server';
import type { StoreConnection } from '../../relay/store/open-store';
import { type Backend, type Phone, type TestDatabase, phone, postgresReachable, sealed, sodiumReady, startTestRelay, testDatabase } from './relay-harness';

let sodium: Sodium;
beforeAll(async () => {
  sodium = await sodiumReady();
});

const refusal = (status: number, code: string) => expect.objectContaining({ name: 'RelayRefusal', status, code });

interface Setup {
  readonly database: TestDatabase;
  readonly connections: StoreConnection[];
  readonly relays: (Relay & { url: string })[];
}

async function setUp(backend: Backend, processes: number): Promise<Setup | undefined> {
  if (backend === 'postgres' && !(await postgresReachable())) return undefined;
  const database = testDatabase(backend);
  const connections: StoreConnection[] = [];
  const relays: (Relay & { url: string })[] = [];
  for (let i = 0; i < processes; i++) {
    // Each relay has its own connection (pool and LISTEN), as separate processes would.
    connections.push(await database.open());
    relays.push(await startTestRelay(connections[i]!, { ratePerMinute: 10_000 }));
  }
  return { database, connections, relays };
}

async function tearDown(setup: Setup | undefined): Promise<void> {
  if (!setup) return;
  for (const relay of setup.relays) await relay.close();
  for (const connection of setup.connections) await connection.close();
  await setup.database.drop();
}

describe.each<Backend>(['sqlite', 'postgres'])('the roster cache on %s', (backend) => {
  let setup: Setup | undefined;
  afterEach(() => tearDown(setup));

  it('refuses a revoked key on its next request after the roster change', async () => {
    setup = await setUp(backend, 1);
    if (!setup) return;
    const url = setup.relays[0]!.url;
    const [parent, grandma]: [Phone, Phone] = [phone(sodium), phone(sodium)];
    const mailbox = newRelayId(sodium);
    await parent.client(url).putRoster(mailbox, 1, [grandma.client(url).keyId]);
    // Warm the cache with grandma's membership.
    await grandma.client(url).post(mailbox, sealed(sodium, grandma, [parent]));
    expect(await grandma.client(url).pending(mailbox)).toEqual([]);
    await parent.client(url).putRoster(mailbox, 2, []);
    await expect(grandma.client(url).post(mailbox, sealed(sodium, grandma, [parent]))).rejects.toEqual(refusal(403, 'NOT_A_MEMBER'));
    await expect(grandma.client(url).pending(mailbox)).rejects.toEqual(refusal(403, 'NOT_A_MEMBER'));
    // A deleted mailbox is gone for its members at once too.
    await parent.client(url).deleteMailbox(mailbox);
    await expect(parent.client(url).pending(mailbox)).rejects.toEqual(refusal(404, 'NO_MAILBOX'));
  });
});

describe('the roster cache with two relay processes on one PostgreSQL', () => {
  let setup: Setup | undefined;
  afterEach(() => tearDown(setup));

  it('stores nothing for or from a revoked key on the other process, learns the change, and admits a new key at once', async () => {
    setup = await setUp('postgres', 2);
    if (!setup) return;
    const [a, b] = setup.relays.map((r) => r.url) as [string, string];
    const [parent, grandma, aunt]: [Phone, Phone, Phone] = [phone(sodium), phone(sodium), phone(sodium)];
    const mailbox = newRelayId(sodium);
    await parent.client(a).putRoster(mailbox, 1, [grandma.client(a).keyId]);
    // Relay b caches the roster that lists grandma.
    await grandma.client(b).post(mailbox, sealed(sodium, grandma, [parent]));
    await parent.client(b).post(mailbox, sealed(sodium, parent, [grandma]));
    expect(await grandma.client(b).pending(mailbox)).toHaveLength(1);

    await parent.client(a).putRoster(mailbox, 2, [aunt.client(a).keyId]);
    // No waiting for the notification: the version fence refuses grandma's upload on b...
    await expect(grandma.client(b).post(mailbox, sealed(sodium, grandma, [parent]))).rejects.toEqual(refusal(403, 'NOT_A_MEMBER'));
    // ...the parent's upload through b goes to the new roster (the aunt), not to grandma...
    await parent.client(b).post(mailbox, sealed(sodium, parent, [aunt]));
    expect(await aunt.client(b).pending(mailbox)).toHaveLength(1);
    // ...and grandma, on b, never sees an envelope again: at most an empty list until b hears.
    const seen = await grandma.client(b).pending(mailbox).catch((error: unknown) => error);
    expect(seen instanceof RelayRefusal ? [seen.status, seen.code] : seen).toEqual(seen instanceof RelayRefusal ? [403, 'NOT_A_MEMBER'] : []);
    const until = Date.now() + 5000;
    let refused = false;
    while (!refused && Date.now() < until) {
      refused = await grandma
        .client(b)
        .pending(mailbox)
        .then(() => false, (error: unknown) => error instanceof RelayRefusal && error.status === 403);
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(refused).toBe(true);
    const rows = await setup.connections[1]!.db.selectFrom('deliveries').select('member_key').where('mailbox_id', '=', mailbox).execute();
    expect(rows.map((r) => r.member_key)).not.toContain(grandma.client(b).keyId);
  });
});
