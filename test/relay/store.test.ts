// The relay's store, the same specification on embedded SQLite and on PostgreSQL: rosters only
// move forward, uploads are all-or-nothing and idempotent, acknowledgements delete, revocation
// and TTL delete, and a deleted mailbox leaves no row behind.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RelayError } from '../../relay/errors';
import type { StoreConnection } from '../../relay/store/open-store';
import { SQLITE_FILE } from '../../relay/store/open-store';
import { type NewEnvelope, RelayStore, RosterChanged } from '../../relay/store/relay-store';
import { type Backend, type TestDatabase, postgresReachable, testDatabase } from './relay-harness';

const MAILBOX = 'MAILBOXmailboxMAILBOX0';
const OWNER = 'O'.repeat(43);
const GRANDMA = 'G'.repeat(43);
const AUNT = 'A'.repeat(43);
const roster = (version: number, members: string[]) => ({ version, members, signature: String(version).padStart(86, 's') });
const quotas = { bytes: 10_000, envelopes: 3 };

function envelope(id: string, body: Buffer, hour = 1000, rosterVersion = 1): NewEnvelope {
  return { mailbox: MAILBOX, id: id.padEnd(22, 'x'), digest: body.toString('hex').slice(0, 16) + body.length, body, hour, expiresHour: hour + 720, rosterVersion };
}

async function rowCounts(store: RelayStore): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['mailboxes', 'members', 'envelopes', 'envelope_bodies', 'deliveries'] as const) {
    const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

describe.each<Backend>(['sqlite', 'postgres'])('the relay store on %s', (backend) => {
  let database: TestDatabase;
  let connection: StoreConnection | undefined;
  let store: RelayStore;

  beforeEach(async () => {
    connection = undefined;
    if (backend === 'postgres' && !(await postgresReachable())) return;
    database = testDatabase(backend);
    connection = await database.open();
    store = new RelayStore(connection);
    await store.putRoster(MAILBOX, OWNER, roster(1, [GRANDMA]), 1000);
  });
  afterEach(async () => {
    if (!connection) return;
    await connection.close();
    await database.drop();
  });
  const run = (name: string, fn: () => Promise<void>): void =>
    it(name, async () => {
      if (connection) await fn();
    });

  run('keeps the roster as signed, and only a newer version from the same owner replaces it', async () => {
    expect((await store.mailbox(MAILBOX))?.roster).toEqual(roster(1, [GRANDMA]));
    expect(await store.putRoster(MAILBOX, OWNER, roster(1, [GRANDMA]), 1000)).toBe('unchanged');
    await expect(store.putRoster(MAILBOX, GRANDMA, roster(9, []), 1000)).rejects.toMatchObject({ code: 'MAILBOX_TAKEN' });
    expect(await store.putRoster(MAILBOX, OWNER, roster(2, [AUNT, GRANDMA]), 1000)).toBe('updated');
    await expect(store.putRoster(MAILBOX, OWNER, roster(1, [GRANDMA]), 1000)).rejects.toMatchObject({ code: 'STALE_ROSTER' });
    expect((await store.mailbox(MAILBOX))?.roster.members).toEqual([AUNT, GRANDMA]);
  });

  run('stores an envelope once: the same bytes again are a duplicate, other bytes under its id a conflict', async () => {
    const body = Buffer.alloc(1024, 1);
    expect(await store.putEnvelope(envelope('e1', body), [OWNER], quotas)).toBe('stored');
    expect(await store.putEnvelope(envelope('e1', body), [OWNER], quotas)).toBe('duplicate');
    await expect(store.putEnvelope(envelope('e1', Buffer.alloc(1024, 2)), [OWNER], quotas)).rejects.toMatchObject({ code: 'ID_CONFLICT', statusCode: 409 });
    expect(await store.pending(MAILBOX, OWNER, 1000, 10)).toEqual([{ id: 'e1'.padEnd(22, 'x'), size: 1024, hour: 1000 }]);
    expect(await store.pending(MAILBOX, GRANDMA, 1000, 10)).toEqual([]);
  });

  run('refuses an upload past the quota with 429 and keeps nothing of it', async () => {
    await store.putEnvelope(envelope('a', Buffer.alloc(4096)), [OWNER], quotas);
    await store.putEnvelope(envelope('b', Buffer.alloc(4096)), [OWNER], quotas);
    const refused = store.putEnvelope(envelope('c', Buffer.alloc(4096)), [OWNER], quotas);
    await expect(refused).rejects.toBeInstanceOf(RelayError);
    await expect(refused).rejects.toMatchObject({ statusCode: 429, code: 'QUOTA_EXCEEDED', retryAfter: 3600 });
    expect(await rowCounts(store)).toMatchObject({ envelopes: 2, envelope_bodies: 2, deliveries: 2 });
    const mailboxRow = await store.db.selectFrom('mailboxes').selectAll().executeTakeFirstOrThrow();
    expect([mailboxRow.bytes_used, mailboxRow.envelope_count]).toEqual([8192, 2]);
  });

  run('uploads arriving together each get their own outcome, and a refused one leaves nothing behind', async () => {
    const outcomes = await Promise.allSettled([
      store.putEnvelope(envelope('p', Buffer.alloc(4096, 1)), [OWNER], quotas),
      store.putEnvelope(envelope('p', Buffer.alloc(4096, 2)), [OWNER], quotas),
      store.putEnvelope(envelope('q', Buffer.alloc(4096, 3)), [OWNER], quotas),
      store.putEnvelope(envelope('r', Buffer.alloc(4096, 4)), [OWNER], quotas),
    ]);
    const results = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as RelayError).code));
    // Which of each pair wins is the store's to choose (batch order); each gets its own outcome.
    expect(results.slice(0, 2).sort()).toEqual(['ID_CONFLICT', 'stored']);
    expect(results.slice(2).sort()).toEqual(['QUOTA_EXCEEDED', 'stored']);
    const rows = await store.db.selectFrom('envelope_bodies').select(['envelope_id', 'body']).orderBy('envelope_id').execute();
    const winners = [results[0] === 'stored' ? ['p', 1] : ['p', 2], results[2] === 'stored' ? ['q', 3] : ['r', 4]];
    expect(rows.map((r) => [r.envelope_id[0], r.body[0]])).toEqual(winners);
    expect(await rowCounts(store)).toMatchObject({ envelopes: 2, envelope_bodies: 2, deliveries: 2 });
  });

  run('deletes an envelope once every recipient acknowledged it, and frees its quota', async () => {
    await store.putRoster(MAILBOX, OWNER, roster(2, [GRANDMA, AUNT]), 1000);
    await store.putEnvelope(envelope('e', Buffer.alloc(2048, 9), 1000, 2), [OWNER, AUNT], quotas);
    expect(await store.acknowledge(MAILBOX, 'e'.padEnd(22, 'x'), OWNER)).toBe(true);
    expect(await store.acknowledge(MAILBOX, 'e'.padEnd(22, 'x'), OWNER)).toBe(false);
    expect(await store.envelopeFor(MAILBOX, 'e'.padEnd(22, 'x'), AUNT, 1000)).toEqual(Buffer.alloc(2048, 9));
    expect(await store.acknowledge(MAILBOX, 'e'.padEnd(22, 'x'), AUNT)).toBe(true);
    expect(await rowCounts(store)).toMatchObject({ envelopes: 0, envelope_bodies: 0, deliveries: 0 });
    const mailboxRow = await store.db.selectFrom('mailboxes').selectAll().executeTakeFirstOrThrow();
    expect([mailboxRow.bytes_used, mailboxRow.envelope_count]).toEqual([0, 0]);
  });

  run('a revoked key loses what awaited it at once', async () => {
    await store.putEnvelope(envelope('e', Buffer.alloc(1024)), [GRANDMA], quotas);
    await store.putRoster(MAILBOX, OWNER, roster(2, [AUNT]), 1000);
    expect(await store.pending(MAILBOX, GRANDMA, 1000, 10)).toEqual([]);
    expect(await rowCounts(store)).toMatchObject({ envelopes: 0, envelope_bodies: 0, deliveries: 0, members: 1 });
  });

  run('refuses an upload whose recipients come from a roster that has since changed, storing nothing', async () => {
    await store.putRoster(MAILBOX, OWNER, roster(2, [AUNT]), 1000);
    await expect(store.putEnvelope(envelope('stale', Buffer.alloc(1024)), [GRANDMA], quotas)).rejects.toBeInstanceOf(RosterChanged);
    expect(await rowCounts(store)).toMatchObject({ envelopes: 0, envelope_bodies: 0, deliveries: 0 });
    expect(await store.putEnvelope(envelope('fresh', Buffer.alloc(1024), 1000, 2), [AUNT], quotas)).toBe('stored');
  });

  run('records each signature nonce once, also when a batch carries it twice', async () => {
    const uses = await Promise.all([store.useNonce(GRANDMA, 'n1', 9), store.useNonce(GRANDMA, 'n1', 9), store.useNonce(AUNT, 'n1', 9), store.useNonce(GRANDMA, 'n2', 9)]);
    expect(uses).toEqual([true, false, true, true]);
    expect(await store.useNonce(GRANDMA, 'n2', 9)).toBe(false);
  });

  run('deletes envelopes past their TTL', async () => {
    await store.putEnvelope(envelope('old', Buffer.alloc(1024), 1000), [OWNER], quotas);
    await store.putEnvelope(envelope('new', Buffer.alloc(1024), 1500), [OWNER], quotas);
    expect((await store.pending(MAILBOX, OWNER, 1720, 10)).map((e) => e.id)).toEqual(['new'.padEnd(22, 'x')]);
    expect(await store.sweepExpired(1720)).toBe(1);
    expect(await rowCounts(store)).toMatchObject({ envelopes: 1, envelope_bodies: 1, deliveries: 1 });
  });

  run('accepts a signature nonce once per key, and forgets it after its window', async () => {
    expect(await store.useNonce(OWNER, 'nonce-nonce-nonce-1', 100)).toBe(true);
    expect(await store.useNonce(OWNER, 'nonce-nonce-nonce-1', 100)).toBe(false);
    expect(await store.useNonce(GRANDMA, 'nonce-nonce-nonce-1', 100)).toBe(true);
    await store.sweepNonces(101);
    expect(await store.useNonce(OWNER, 'nonce-nonce-nonce-1', 400)).toBe(true);
  });

  run('carries rendezvous messages once each, up to a cap, until they expire', async () => {
    const rid = 'RENDEZVOUSrendezvous00';
    expect(await store.putRendezvous(rid, 0, Buffer.from('a'), 'da', 500, 2)).toBe('stored');
    expect(await store.putRendezvous(rid, 0, Buffer.from('a'), 'da', 500, 2)).toBe('duplicate');
    await expect(store.putRendezvous(rid, 0, Buffer.from('b'), 'db', 500, 2)).rejects.toMatchObject({ code: 'ID_CONFLICT' });
    expect(await store.putRendezvous(rid, 1, Buffer.from('c'), 'dc', 500, 2)).toBe('stored');
    await expect(store.putRendezvous(rid, 2, Buffer.from('d'), 'dd', 500, 2)).rejects.toMatchObject({ code: 'RENDEZVOUS_FULL' });
    expect(await store.rendezvousMessage(rid, 1, 499)).toEqual(Buffer.from('c'));
    await store.sweepNonces(501);
    expect(await store.rendezvousMessage(rid, 1, 400)).toBeUndefined();
  });

  run('deleting a mailbox leaves no row of it', async () => {
    await store.putEnvelope(envelope('e', Buffer.alloc(1024, 5)), [OWNER], quotas);
    await store.deleteMailbox(MAILBOX);
    expect(await rowCounts(store)).toEqual({ mailboxes: 0, members: 0, envelopes: 0, envelope_bodies: 0, deliveries: 0 });
    expect(await store.mailbox(MAILBOX)).toBeUndefined();
  });

  if (backend === 'sqlite') {
    run('on SQLite a deleted envelope is overwritten in the file, not left in a free page', async () => {
      const marker = Buffer.from('CLOUDPETS-VOICE-MARKER-'.repeat(200));
      const body = Buffer.concat([marker, Buffer.alloc(8192 - marker.length)]);
      await store.putEnvelope(envelope('secret', body), [OWNER], quotas);
      await store.acknowledge(MAILBOX, 'secret'.padEnd(22, 'x'), OWNER);
      await connection!.close();
      const file = readFileSync(join(database.dir, SQLITE_FILE));
      expect(file.includes(Buffer.from('CLOUDPETS-VOICE-MARKER-'))).toBe(false);
      connection = await database.open();
    });
  }
});
