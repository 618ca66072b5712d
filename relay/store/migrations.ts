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

/**
 * The padded body moves out of `envelopes` into `envelope_bodies`, so that listing, the fetch's
 * checks, acknowledgements and the expiry sweep touch small rows only (SQLite otherwise walks a
 * 16 kB body's overflow pages to reach the columns stored after it, and an acknowledgement
 * rewrote the whole row); a fetch reads the body of the one envelope asked for. Existing bodies
 * are copied over before the column goes. SQLite's DROP COLUMN rewrites the rows without it
 * (secure_delete zeroes the freed pages); PostgreSQL's leaves the old values in dead row
 * versions until the envelope is acknowledged or expires, as any deleted row.
 */
function bodiesApart(dialect: Dialect): Migration {
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';
  // Kysely runs a migration in a transaction only where DDL is transactional (PostgreSQL); on
  // SQLite this one opens its own, so a relay killed half-way migrates again from the start.
  const atomically = (db: Kysely<unknown>, fn: (db: Kysely<any>) => Promise<void>): Promise<void> =>
    dialect === 'postgres' ? fn(db) : db.transaction().execute(fn);
  return {
    up: (db) =>
      atomically(db, async (tx) => {
        await tx.schema
          .createTable('envelope_bodies')
          .addColumn('mailbox_id', 'text', (c) => c.notNull())
          .addColumn('envelope_id', 'text', (c) => c.notNull())
          .addColumn('body', blob, (c) => c.notNull())
          .addPrimaryKeyConstraint('envelope_bodies_pk', ['mailbox_id', 'envelope_id'])
          .execute();
        await tx
          .insertInto('envelope_bodies')
          .columns(['mailbox_id', 'envelope_id', 'body'])
          .expression(tx.selectFrom('envelopes').select(['mailbox_id', 'envelope_id', 'body']))
          .execute();
        await tx.schema.alterTable('envelopes').dropColumn('body').execute();
      }),
    down: (db) =>
      atomically(db, async (tx) => {
        await tx.schema.alterTable('envelopes').addColumn('body', blob).execute();
        await tx
          .updateTable('envelopes')
          .set((eb) => ({
            body: eb
              .selectFrom('envelope_bodies')
              .select('envelope_bodies.body')
              .whereRef('envelope_bodies.mailbox_id', '=', 'envelopes.mailbox_id')
              .whereRef('envelope_bodies.envelope_id', '=', 'envelopes.envelope_id'),
          }))
          .execute();
        await tx.schema.dropTable('envelope_bodies').execute();
      }),
  };
}

/** Every migration by name, in the order they run (Kysely sorts by name). */
export function relayMigrations(dialect: Dialect): Record<string, Migration> {
  return { '2026-11-29-001-initial': initial(dialect), '2026-11-29-002-bodies-apart': bodiesApart(dialect) };
}

function provider(dialect: Dialect, upTo?: string): MigrationProvider {
  const all = relayMigrations(dialect);
  return { getMigrations: async () => Object.fromEntries(Object.entries(all).filter(([name]) => upTo === undefined || name <= upTo)) };
}

/**
 * Brings the schema to the newest version (or to migration `upTo`, for tests of a migration);
 * throws with the failing migration's error.
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect, upTo?: string): Promise<void> {
  // Name the schema: Kysely otherwise takes a migration table in any schema of the database
  // (another relay's, a test's) as this one's.
  const schema = dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  const { error } = await new Migrator({ db, provider: provider(dialect, upTo), ...(schema !== undefined && { migrationTableSchema: schema }) }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`relay migration failed: ${String(error)}`);
}
