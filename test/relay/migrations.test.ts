// The relay's migrations, on SQLite and on PostgreSQL: a store written at an earlier schema
// version opens at the newest one with everything it held, byte for byte.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { relayMigrations } from '../../relay/store/migrations';
import { RelayStore } from '../../relay/store/relay-store';
import { type Backend, postgresReachable, testDatabase } from './relay-harness';

const MAILBOX = 'MAILBOXmailboxMAILBOX0';
const OWNER = 'O'.repeat(43);
const GRANDMA = 'G'.repeat(43);
const [INITIAL] = Object.keys(relayMigrations('sqlite'));

describe.each<Backend>(['sqlite', 'postgres'])('the relay migrations on %s', (backend) => {
  it('move the bodies of envelopes stored at the first version to their own table, and each still fetches byte-identical', async () => {
    if (backend === 'postgres' && !(await postgresReachable())) return;
    const database = testDatabase(backend);
    try {
      const bodies = new Map([4096, 16_384, 65_536].map((size, i) => [`envelope-${i}`.padEnd(22, 'x'), randomBytes(size)]));
      const first = await database.open(INITIAL);
      const db = first.db as unknown as Kysely<any>;
      await db.insertInto('mailboxes').values({ id: MAILBOX, owner_key: OWNER, roster_version: 1, roster_signature: 's', created_hour: 1000, bytes_used: 0, envelope_count: 0 }).execute();
      await db.insertInto('members').values({ mailbox_id: MAILBOX, member_key: GRANDMA, position: 0 }).execute();
      for (const [id, body] of bodies) {
        await db.insertInto('envelopes').values({ mailbox_id: MAILBOX, envelope_id: id, digest: id, size: body.length, body, created_hour: 1000, expires_hour: 1720, pending: 1 }).execute();
        await db.insertInto('deliveries').values({ mailbox_id: MAILBOX, envelope_id: id, member_key: OWNER }).execute();
      }
      await first.close();

      const connection = await database.open();
      try {
        const store = new RelayStore(connection);
        expect((await store.pending(MAILBOX, OWNER, 1000, 100)).map((e) => [e.id, e.size])).toEqual([...bodies].map(([id, body]) => [id, body.length]));
        for (const [id, body] of bodies) expect((await store.envelopeFor(MAILBOX, id, OWNER, 1000))?.equals(body)).toBe(true);
        // The old column is gone: the body is stored once, in envelope_bodies.
        const tables = await connection.db.introspection.getTables();
        // PostgreSQL lists the tables of every schema (other tests' too): this test's only.
        const columns = (name: string): string[] => tables.find((t) => t.name === name && t.schema === database.schema)?.columns.map((c) => c.name) ?? [];
        expect(columns('envelopes')).not.toContain('body');
        expect(columns('envelope_bodies')).toEqual(['mailbox_id', 'envelope_id', 'body']);
        expect(await store.acknowledge(MAILBOX, [...bodies.keys()][0]!, OWNER)).toBe(true);
        const left = await connection.db.selectFrom('envelope_bodies').select('envelope_id').orderBy('envelope_id').execute();
        expect(left.map((r) => r.envelope_id)).toEqual([...bodies.keys()].slice(1));
      } finally {
        await connection.close();
      }
    } finally {
      await database.drop();
    }
  });
});
