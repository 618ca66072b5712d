// Versioned schema migrations, run on every start (Kysely's Migrator records which ran and locks
// so that several relay processes starting on one PostgreSQL migrate once). Append new ones;
// never edit one that has shipped.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

function initial(dialect: Dialect): Migration {
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('mailboxes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_key', 'text', (c) => c.notNull())
        .addColumn('roster_version', 'bigint', (c) => c.notNull())
        .addColumn('roster_signature', 'text', (c) => c.notNull())
        .addColumn('created_hour', 'integer', (c) => c.notNull())
        .addColumn('bytes_used', 'bigint', (c) => c.notNull())
        .addColumn('envelope_count', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('members')
        .addColumn('mailbox_id', 'text', (c) => c.notNull())
        .addColumn('member_key', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('members_pk', ['mailbox_id', 'member_key'])
        .execute();
      await db.schema
        .createTable('envelopes')
        .addColumn('mailbox_id', 'text', (c) => c.notNull())
        .addColumn('envelope_id', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('body', blob, (c) => c.notNull())
        .addColumn('created_hour', 'integer', (c) => c.notNull())
        .addColumn('expires_hour', 'integer', (c) => c.notNull())
        .addColumn('pending', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('envelopes_pk', ['mailbox_id', 'envelope_id'])
        .execute();
      await db.schema.createIndex('envelopes_expiry').on('envelopes').column('expires_hour').execute();
      await db.schema
        .createTable('deliveries')
        .addColumn('mailbox_id', 'text', (c) => c.notNull())
        .addColumn('member_key', 'text', (c) => c.notNull())
        .addColumn('envelope_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('deliveries_pk', ['mailbox_id', 'member_key', 'envelope_id'])
        .execute();
      await db.schema
        .createTable('nonces')
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('nonces_pk', ['key_id', 'nonce'])
        .execute();
      await db.schema.createIndex('nonces_expiry').on('nonces').column('expires_at').execute();
      await db.schema
        .createTable('rendezvous')
        .addColumn('rendezvous_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('body', blob, (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('rendezvous_pk', ['rendezvous_id', 'seq'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['rendezvous', 'nonces', 'deliveries', 'envelopes', 'members', 'mailboxes']) await db.schema.dropTable(table).execute();
    },
  };
}

function provider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => ({ '2026-11-29-001-initial': initial(dialect) }) };
}

/** Brings the schema to the newest version; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // On PostgreSQL, Kysely looks for its bookkeeping tables in every schema unless told which one:
  // a second relay database in another schema of the same PostgreSQL would find the first one's
  // tables, skip creating its own, and fail. Name the relay's own schema.
  const schema = dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  const { error } = await new Migrator({ db, provider: provider(dialect), ...(schema && { migrationTableSchema: schema }) }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`relay migration failed: ${String(error)}`);
}
