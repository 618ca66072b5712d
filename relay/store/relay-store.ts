// Every query the relay makes, written once in Kysely for SQLite and PostgreSQL alike. Writes that
// must not half-happen (an envelope with its deliveries and the quota, an acknowledgement and the
// delete it may cause) are single transactions; counters change by atomic UPDATEs so that several
// relay processes on one PostgreSQL keep them right.
import { type Kysely, type QueryResult, type Transaction, sql } from 'kysely';
import { RelayError } from '../errors';
import { CompiledQueries } from './compiled-queries';
import { GroupCommit } from './group-commit';
import { NonceBatch } from './nonce-batch';
import type { StoreConnection } from './open-store';
import type { SignedRoster } from '../roster';
import type { Dialect } from './migrations';
import type { RelayDatabase } from './schema';

type Db = Kysely<RelayDatabase> | Transaction<RelayDatabase>;

export interface Mailbox {
  readonly id: string;
  readonly owner: string;
  readonly roster: SignedRoster;
}

export interface Quotas {
  readonly bytes: number;
  readonly envelopes: number;
}

export interface PendingEnvelope {
  readonly id: string;
  readonly size: number;
  readonly hour: number;
}

export interface NewEnvelope {
  readonly mailbox: string;
  readonly id: string;
  readonly digest: string;
  readonly body: Buffer;
  readonly hour: number;
  readonly expiresHour: number;
  /** The roster version the recipients were taken from; the write is refused if it changed. */
  readonly rosterVersion: number;
}

/** The mailbox's roster changed (or the mailbox went) after the caller read it: read it again. */
export class RosterChanged extends Error {
  constructor() {
    super("the mailbox's roster changed while the upload ran");
    this.name = 'RosterChanged';
  }
}

export type PutOutcome = 'stored' | 'duplicate';

/** Rows an INSERT, UPDATE or DELETE run through CompiledQueries changed. */
const affected = (result: QueryResult<unknown>): number => Number(result.numAffectedRows ?? 0);

// The upload's statements, as shapes compiled once (compiled-queries.ts): on SQLite one per
// table; on PostgreSQL all of them in one statement (putEnvelopeAtOnce).
interface EnvelopeValues {
  readonly mailbox: string;
  readonly id: string;
  readonly digest: string;
  readonly size: number;
  readonly body: Buffer;
  readonly hour: number;
  readonly expiresHour: number;
  readonly pending: number;
  readonly rosterVersion: number;
  readonly quotaBytes: number;
  readonly quotaEnvelopes: number;
}

const insertEnvelope = (db: Kysely<RelayDatabase>, p: EnvelopeValues) =>
  db
    .insertInto('envelopes')
    .values({ mailbox_id: p.mailbox, envelope_id: p.id, digest: p.digest, size: p.size, created_hour: p.hour, expires_hour: p.expiresHour, pending: p.pending })
    .onConflict((oc) => oc.columns(['mailbox_id', 'envelope_id']).doNothing());

const insertBody = (db: Kysely<RelayDatabase>, p: EnvelopeValues) => db.insertInto('envelope_bodies').values({ mailbox_id: p.mailbox, envelope_id: p.id, body: p.body });

// The roster version fences the write (see RosterChanged); the quota check is in the UPDATE itself.
const takeQuota = (db: Kysely<RelayDatabase>, p: EnvelopeValues) =>
  db
    .updateTable('mailboxes')
    .set((eb) => ({ bytes_used: eb('bytes_used', '+', p.size), envelope_count: eb('envelope_count', '+', 1) }))
    .where('id', '=', p.mailbox)
    .where('roster_version', '=', p.rosterVersion)
    .where((eb) => eb.and([eb(eb('bytes_used', '+', p.size), '<=', p.quotaBytes), eb('envelope_count', '<', p.quotaEnvelopes)]));

/**
 * PostgreSQL: the whole upload as one statement (each statement is a round trip to the backend):
 * the envelope row; then, only if it was new, the quota (fenced as in takeQuota); then, only if
 * the quota was taken, the body and one delivery per recipient. The answer says which steps
 * happened, and the caller throws (rolling the envelope row back) when the quota was not taken.
 */
const putEnvelopeAtOnce = (db: Kysely<RelayDatabase>, p: EnvelopeValues & { readonly recipients: readonly string[] }) =>
  db
    .with('stored', () => insertEnvelope(db, p).returning('envelope_id'))
    .with('taken', () =>
      takeQuota(db, p)
        .where(sql<boolean>`exists (select 1 from stored)`)
        .returning('id'),
    )
    .with('body', (cte) =>
      cte
        .insertInto('envelope_bodies')
        .columns(['mailbox_id', 'envelope_id', 'body'])
        .expression((eb) => eb.selectFrom('taken').select([sql<string>`${p.mailbox}::text`.as('m'), sql<string>`${p.id}::text`.as('e'), sql<Buffer>`${p.body}::bytea`.as('b')]))
        .returning('envelope_id'),
    )
    .with('delivered', (cte) =>
      cte
        .insertInto('deliveries')
        .columns(['mailbox_id', 'envelope_id', 'member_key'])
        .expression((eb) =>
          eb.selectFrom(['taken', sql<{ k: string }>`unnest(${p.recipients}::text[])`.as('r')]).select([sql<string>`${p.mailbox}::text`.as('m'), sql<string>`${p.id}::text`.as('e'), sql<string>`r`.as('k')]),
        )
        .returning('envelope_id'),
    )
    .selectNoFrom((eb) => [
      eb.selectFrom('stored').select(eb.fn.countAll<number>().as('n')).as('stored'),
      eb.selectFrom('taken').select(eb.fn.countAll<number>().as('n')).as('taken'),
    ]);

// The fetch path's reads: only deliveries still awaited by `key`, of envelopes not expired.
const awaited = (db: Kysely<RelayDatabase>, p: { mailbox: string; key: string; nowHour: number }) =>
  db
    .selectFrom('deliveries')
    .innerJoin('envelopes', (join) => join.onRef('envelopes.mailbox_id', '=', 'deliveries.mailbox_id').onRef('envelopes.envelope_id', '=', 'deliveries.envelope_id'))
    .where('deliveries.mailbox_id', '=', p.mailbox)
    .where('deliveries.member_key', '=', p.key)
    .where('envelopes.expires_hour', '>', p.nowHour);

const selectPending = (db: Kysely<RelayDatabase>, p: { mailbox: string; key: string; nowHour: number; limit: number }) =>
  awaited(db, p)
    .select(['envelopes.envelope_id as id', 'envelopes.size as size', 'envelopes.created_hour as hour'])
    .orderBy('envelopes.created_hour')
    .orderBy('envelopes.envelope_id')
    .limit(p.limit);

const selectEnvelopeFor = (db: Kysely<RelayDatabase>, p: { mailbox: string; id: string; key: string; nowHour: number }) =>
  awaited(db, p)
    .innerJoin('envelope_bodies', (join) => join.onRef('envelope_bodies.mailbox_id', '=', 'envelopes.mailbox_id').onRef('envelope_bodies.envelope_id', '=', 'envelopes.envelope_id'))
    .select('envelope_bodies.body')
    .where('deliveries.envelope_id', '=', p.id);

/** One shape per number of recipients: values `mailbox`, `id`, `k0`, `k1`, ... */
const insertDeliveries = (count: number) => (db: Kysely<RelayDatabase>, p: Record<string, string>) =>
  db.insertInto('deliveries').values(Array.from({ length: count }, (_, i) => ({ mailbox_id: p.mailbox!, envelope_id: p.id!, member_key: p[`k${i}`]! })));

export class RelayStore {
  private readonly group: GroupCommit<RelayDatabase>;
  private readonly nonces: NonceBatch;
  private readonly queries: CompiledQueries<RelayDatabase>;

  readonly db: Kysely<RelayDatabase>;
  private readonly dialect: Dialect;
  /** Resolves once what was committed before is on disk (StoreConnection.durable). */
  private readonly durable: () => Promise<void>;

  constructor(connection: Pick<StoreConnection, 'db' | 'dialect' | 'unsynced' | 'durable'>) {
    this.db = connection.db;
    this.dialect = connection.dialect;
    this.durable = () => connection.durable();
    this.queries = new CompiledQueries(connection.db);
    // Uploads arriving together share one transaction (group-commit.ts).
    this.group = new GroupCommit(connection.db);
    // Nonces go where writes need not wait for the disk (StoreConnection.unsynced).
    this.nonces = new NonceBatch((fn) => connection.unsynced(fn), this.queries);
  }

  /** One transaction, acknowledged (resolved) only once it is on disk. */
  private async write<T>(fn: (tx: Transaction<RelayDatabase>) => Promise<T>): Promise<T> {
    const result = await this.db.transaction().execute(fn);
    await this.durable();
    return result;
  }

  async mailbox(id: string, db: Db = this.db): Promise<Mailbox | undefined> {
    const row = await db.selectFrom('mailboxes').select(['id', 'owner_key', 'roster_version', 'roster_signature']).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const members = await db.selectFrom('members').select('member_key').where('mailbox_id', '=', id).orderBy('position').execute();
    return {
      id: row.id,
      owner: row.owner_key,
      roster: { version: row.roster_version, members: members.map((m) => m.member_key), signature: row.roster_signature },
    };
  }

  /**
   * Creates a mailbox owned by `owner`, or replaces its roster by a newer one. Keys dropped from
   * the roster lose their pending deliveries at once (a revoked phone gets nothing more).
   */
  async putRoster(id: string, owner: string, roster: SignedRoster, hour: number): Promise<'created' | 'updated' | 'unchanged'> {
    return this.write(async (tx) => {
      const inserted = await tx
        .insertInto('mailboxes')
        .values({ id, owner_key: owner, roster_version: roster.version, roster_signature: roster.signature, created_hour: hour, bytes_used: 0, envelope_count: 0 })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
        await this.insertMembers(tx, id, roster.members);
        return 'created';
      }
      const current = await this.mailbox(id, tx);
      if (!current) throw new RelayError(409, 'MAILBOX_TAKEN', 'the mailbox was deleted while this request ran; retry');
      if (current.owner !== owner) throw new RelayError(409, 'MAILBOX_TAKEN', 'this mailbox id belongs to another owner key');
      if (roster.version === current.roster.version && roster.signature === current.roster.signature) return 'unchanged';
      // The version check is in the UPDATE itself, so two concurrent updates cannot both win.
      const updated = await tx
        .updateTable('mailboxes')
        .set({ roster_version: roster.version, roster_signature: roster.signature })
        .where('id', '=', id)
        .where('roster_version', '<', roster.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new RelayError(409, 'STALE_ROSTER', `roster version ${roster.version} is not newer than version ${current.roster.version}`);
      await tx.deleteFrom('members').where('mailbox_id', '=', id).execute();
      await this.insertMembers(tx, id, roster.members);
      const allowed = new Set([owner, ...roster.members]);
      for (const gone of current.roster.members.filter((m) => !allowed.has(m))) await this.dropDeliveries(tx, id, gone);
      return 'updated';
    });
  }

  private async insertMembers(tx: Db, id: string, members: readonly string[]): Promise<void> {
    if (members.length === 0) return;
    await tx.insertInto('members').values(members.map((member_key, position) => ({ mailbox_id: id, member_key, position }))).execute();
  }

  /** Removes every pending delivery of `key` in a mailbox, deleting envelopes nobody else awaits. */
  private async dropDeliveries(tx: Db, mailbox: string, key: string): Promise<void> {
    const rows = await tx.selectFrom('deliveries').select('envelope_id').where('mailbox_id', '=', mailbox).where('member_key', '=', key).execute();
    for (const row of rows) await this.acknowledgeIn(tx, mailbox, row.envelope_id, key);
  }

  /** Deletes a mailbox and everything in it: rows gone, not marked. */
  async deleteMailbox(id: string): Promise<void> {
    await this.write(async (tx) => {
      await tx.deleteFrom('deliveries').where('mailbox_id', '=', id).execute();
      await tx.deleteFrom('envelope_bodies').where('mailbox_id', '=', id).execute();
      await tx.deleteFrom('envelopes').where('mailbox_id', '=', id).execute();
      await tx.deleteFrom('members').where('mailbox_id', '=', id).execute();
      await tx.deleteFrom('mailboxes').where('id', '=', id).execute();
    });
  }

  /**
   * Stores an envelope for `recipients` (every roster key but the one that posted it; who posted
   * is not stored); a repeat of the same bytes is a no-op. Throws RosterChanged when the roster
   * is no longer at `envelope.rosterVersion`, so recipients from a stale roster are never stored.
   */
  async putEnvelope(envelope: NewEnvelope, recipients: readonly string[], quotas: Quotas): Promise<PutOutcome> {
    if (recipients.length === 0) throw new RelayError(422, 'NO_RECIPIENTS', 'nobody else is on the roster to deliver to');
    const put = (tx: Transaction<RelayDatabase>): Promise<PutOutcome> => this.putEnvelopeIn(tx, envelope, recipients, quotas);
    // The batch's commit is released before its sync, so the next batch commits while the disk
    // syncs this one; a duplicate waits too, as its original may be in that very commit.
    const outcome = await this.group.run(put, envelope.mailbox);
    await this.durable();
    return outcome;
  }

  private async putEnvelopeIn(tx: Transaction<RelayDatabase>, envelope: NewEnvelope, recipients: readonly string[], quotas: Quotas): Promise<PutOutcome> {
    const values = {
      mailbox: envelope.mailbox,
      id: envelope.id,
      digest: envelope.digest,
      size: envelope.body.length,
      body: envelope.body,
      hour: envelope.hour,
      expiresHour: envelope.expiresHour,
      pending: recipients.length,
      rosterVersion: envelope.rosterVersion,
      quotaBytes: quotas.bytes,
      quotaEnvelopes: quotas.envelopes,
    };
    let stored: boolean;
    let taken: boolean;
    if (this.dialect === 'postgres') {
      // One round trip; which of its steps happened comes back as counts.
      const { rows } = await this.queries.run(tx, 'put envelope', putEnvelopeAtOnce, { ...values, recipients });
      stored = Number(rows[0]?.stored) === 1;
      taken = Number(rows[0]?.taken) === 1;
    } else {
      // SQLite has no writable CTEs, and a statement costs no round trip in process.
      stored = affected(await this.queries.run(tx, 'insert envelope', insertEnvelope, values)) === 1;
      taken = stored && affected(await this.queries.run(tx, 'take quota', takeQuota, values)) === 1;
      if (taken) {
        await this.queries.run(tx, 'insert body', insertBody, values);
        const deliveries: Record<string, string> = { mailbox: envelope.mailbox, id: envelope.id };
        recipients.forEach((key, i) => (deliveries[`k${i}`] = key));
        await this.queries.run(tx, `insert deliveries ${recipients.length}`, insertDeliveries(recipients.length), deliveries);
      }
    }
    if (!stored) {
      const existing = await tx.selectFrom('envelopes').select('digest').where('mailbox_id', '=', envelope.mailbox).where('envelope_id', '=', envelope.id).executeTakeFirst();
      if (existing?.digest === envelope.digest) return 'duplicate';
      throw new RelayError(409, 'ID_CONFLICT', 'another envelope with this id is already in the mailbox');
    }
    if (!taken) {
      const now = await tx.selectFrom('mailboxes').select('roster_version').where('id', '=', envelope.mailbox).executeTakeFirst();
      if (now?.roster_version !== envelope.rosterVersion) throw new RosterChanged();
      // Throwing rolls the envelope row back: nothing of a refused upload stays.
      throw new RelayError(429, 'QUOTA_EXCEEDED', `the mailbox holds its quota (${quotas.envelopes} envelopes, ${quotas.bytes} bytes) until its members fetch`, 3600);
    }
    return 'stored';
  }

  /** Envelopes `key` has not acknowledged yet, oldest first. */
  async pending(mailbox: string, key: string, nowHour: number, limit: number): Promise<PendingEnvelope[]> {
    const { rows } = await this.queries.run(this.db, 'pending', selectPending, { mailbox, key, nowHour, limit });
    return rows.map((r) => ({ id: r.id, size: r.size, hour: r.hour }));
  }

  /** The padded envelope, if `key` is one of its recipients and has not acknowledged it. */
  async envelopeFor(mailbox: string, id: string, key: string, nowHour: number): Promise<Buffer | undefined> {
    const { rows } = await this.queries.run(this.db, 'envelope for', selectEnvelopeFor, { mailbox, id, key, nowHour });
    return rows[0]?.body;
  }

  /** `key` has the envelope: its delivery goes, and the envelope with it once nobody awaits it. */
  async acknowledge(mailbox: string, id: string, key: string): Promise<boolean> {
    return this.write((tx) => this.acknowledgeIn(tx, mailbox, id, key));
  }

  private async acknowledgeIn(tx: Db, mailbox: string, id: string, key: string): Promise<boolean> {
    const deleted = await tx.deleteFrom('deliveries').where('mailbox_id', '=', mailbox).where('envelope_id', '=', id).where('member_key', '=', key).executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1) return false;
    const left = await tx
      .updateTable('envelopes')
      .set((eb) => ({ pending: eb('pending', '-', 1) }))
      .where('mailbox_id', '=', mailbox)
      .where('envelope_id', '=', id)
      .returning(['pending', 'size'])
      .executeTakeFirst();
    if (left && left.pending <= 0) await this.deleteEnvelope(tx, mailbox, id, left.size);
    return true;
  }

  private async deleteEnvelope(tx: Db, mailbox: string, id: string, size: number): Promise<void> {
    await tx.deleteFrom('deliveries').where('mailbox_id', '=', mailbox).where('envelope_id', '=', id).execute();
    await tx.deleteFrom('envelope_bodies').where('mailbox_id', '=', mailbox).where('envelope_id', '=', id).execute();
    const gone = await tx.deleteFrom('envelopes').where('mailbox_id', '=', mailbox).where('envelope_id', '=', id).executeTakeFirst();
    if (Number(gone.numDeletedRows) !== 1) return;
    await tx
      .updateTable('mailboxes')
      .set((eb) => ({ bytes_used: eb('bytes_used', '-', size), envelope_count: eb('envelope_count', '-', 1) }))
      .where('id', '=', mailbox)
      .execute();
  }

  /** Deletes envelopes past their TTL (at most `batch` per call); returns how many went. */
  async sweepExpired(nowHour: number, batch = 500): Promise<number> {
    const expired = await this.db.selectFrom('envelopes').select(['mailbox_id', 'envelope_id', 'size']).where('expires_hour', '<=', nowHour).limit(batch).execute();
    for (const e of expired) await this.db.transaction().execute((tx) => this.deleteEnvelope(tx, e.mailbox_id, e.envelope_id, e.size));
    return expired.length;
  }

  /** Records a signature nonce; false when this key already used it (a replay). */
  useNonce(key: string, nonce: string, expiresAt: number): Promise<boolean> {
    return this.nonces.use(key, nonce, expiresAt);
  }

  async sweepNonces(nowSeconds: number): Promise<void> {
    await this.db.deleteFrom('nonces').where('expires_at', '<', nowSeconds).execute();
    await this.db.deleteFrom('rendezvous').where('expires_at', '<', nowSeconds).execute();
  }

  /** Stores message `seq` of a rendezvous once; a repeat of the same bytes is a no-op. */
  async putRendezvous(id: string, seq: number, body: Buffer, digest: string, expiresAt: number, maxMessages: number): Promise<PutOutcome> {
    return this.write(async (tx) => {
      const existing = await tx.selectFrom('rendezvous').select('digest').where('rendezvous_id', '=', id).where('seq', '=', seq).executeTakeFirst();
      if (existing) {
        if (existing.digest === digest) return 'duplicate';
        throw new RelayError(409, 'ID_CONFLICT', `message ${seq} of this rendezvous was already posted`);
      }
      const count = await tx.selectFrom('rendezvous').select((eb) => eb.fn.countAll<number>().as('n')).where('rendezvous_id', '=', id).executeTakeFirstOrThrow();
      if (Number(count.n) >= maxMessages) throw new RelayError(409, 'RENDEZVOUS_FULL', `a rendezvous carries at most ${maxMessages} messages`);
      const inserted = await tx
        .insertInto('rendezvous')
        .values({ rendezvous_id: id, seq, body, digest, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['rendezvous_id', 'seq']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw new RelayError(409, 'ID_CONFLICT', `message ${seq} of this rendezvous was posted at the same moment; fetch it`);
      return 'stored';
    });
  }

  async rendezvousMessage(id: string, seq: number, nowSeconds: number): Promise<Buffer | undefined> {
    const row = await this.db
      .selectFrom('rendezvous')
      .select('body')
      .where('rendezvous_id', '=', id)
      .where('seq', '=', seq)
      .where('expires_at', '>=', nowSeconds)
      .executeTakeFirst();
    return row?.body;
  }
}
