// The relay's HTTP API on loopback, as phones use it through RelayClient, on SQLite and on
// PostgreSQL: a family's mailbox carries sealed envelopes between its keys and nobody else's;
// every malformed, unsigned, expired, replayed or wrongly-signed request gets a 4xx with a reason.
import { openEnvelope } from '../../audio/envelope';
import { RelayClient, RelayRefusal, newRelayId } from '../../client/relay-client';
import { publicKeys } from '../../pairing/identity';
import type { Sodium } from '../../pairing/sodium';
import { contentDigest, signRequest } from '../../relay/request-signing';
import type { Relay } from '../../relay/server';
import type { StoreConnection } from '../../relay/store/open-store';
import pg from 'pg';
import { type Backend, type Phone, TEST_PG_URL, type TestDatabase, phone, postgresReachable, sealed, sodiumReady, startTestRelay, testDatabase } from './relay-harness';

let sodium: Sodium;
beforeAll(async () => {
  sodium = await sodiumReady();
});

const refusal = (status: number, code: string) => expect.objectContaining({ name: 'RelayRefusal', status, code });

describe.each<Backend>(['sqlite', 'postgres'])('the relay HTTP API on %s', (backend) => {
  let database: TestDatabase;
  let connection: StoreConnection | undefined;
  let relay: Relay & { url: string };
  let clock = Date.now();
  let parent: Phone;
  let grandma: Phone;
  let stranger: Phone;
  let mailbox: string;

  beforeEach(async () => {
    connection = undefined;
    if (backend === 'postgres' && !(await postgresReachable())) return;
    database = testDatabase(backend);
    connection = await database.open();
    clock = Date.now();
    relay = await startTestRelay(connection, { quotaEnvelopes: 5, ratePerMinute: 1000 }, () => clock);
    [parent, grandma, stranger] = [phone(sodium), phone(sodium), phone(sodium)];
    mailbox = newRelayId(sodium);
    await parent.client(relay.url).putRoster(mailbox, 1, [grandma.client(relay.url).keyId]);
  });
  afterEach(async () => {
    if (!connection) return;
    await relay.close();
    await connection.close();
    await database.drop();
  });
  const run = (name: string, fn: () => Promise<void>): void =>
    it(name, async () => {
      if (connection) await fn();
    });

  run("carries grandma's sealed message to the parent, who opens it; acknowledged, it is gone", async () => {
    const parentClient = parent.client(relay.url);
    const waiting = parentClient.pending(mailbox, 10);
    const envelope = sealed(sodium, grandma, [parent]);
    const receipt = await grandma.client(relay.url).post(mailbox, envelope);
    expect(receipt.duplicate).toBe(false);
    const [pending] = await waiting;
    expect(pending?.id).toBe(receipt.id);
    const fetched = await parentClient.fetch(mailbox, receipt.id);
    expect(Buffer.from(fetched).equals(Buffer.from(envelope))).toBe(true);
    const opened = openEnvelope(sodium, fetched, parent.keys, { senders: [publicKeys(grandma.keys)] });
    expect(opened.recipientCount).toBe(1);
    await parentClient.acknowledge(mailbox, receipt.id);
    await expect(parentClient.fetch(mailbox, receipt.id)).rejects.toEqual(refusal(404, 'NO_ENVELOPE'));
    expect(await parentClient.pending(mailbox)).toEqual([]);
  });

  run('serves the roster only to its keys, and the client checks the owner signed it', async () => {
    const roster = await grandma.client(relay.url).roster(mailbox, parent.client(relay.url).keyId);
    expect(roster.members).toEqual([grandma.client(relay.url).keyId]);
    await expect(grandma.client(relay.url).roster(mailbox, stranger.client(relay.url).keyId)).rejects.toEqual(refusal(502, 'FORGED_ROSTER'));
    await expect(stranger.client(relay.url).roster(mailbox, parent.client(relay.url).keyId)).rejects.toEqual(refusal(403, 'NOT_A_MEMBER'));
  });

  run('refuses a stranger posting to or reading the mailbox, and a member replacing the roster', async () => {
    const strangerClient = stranger.client(relay.url);
    await expect(strangerClient.post(mailbox, sealed(sodium, stranger, [parent]))).rejects.toEqual(refusal(403, 'NOT_A_MEMBER'));
    await expect(strangerClient.pending(mailbox)).rejects.toEqual(refusal(403, 'NOT_A_MEMBER'));
    await expect(strangerClient.putRoster(mailbox, 5, [])).rejects.toEqual(refusal(403, 'NOT_OWNER'));
    await expect(grandma.client(relay.url).putRoster(mailbox, 5, [])).rejects.toEqual(refusal(403, 'NOT_OWNER'));
    await expect(grandma.client(relay.url).deleteMailbox(mailbox)).rejects.toEqual(refusal(403, 'NOT_OWNER'));
    await expect(strangerClient.pending(newRelayId(sodium))).rejects.toEqual(refusal(404, 'NO_MAILBOX'));
  });

  run('a revoked member gets nothing new, and loses what awaited it', async () => {
    const grandmaClient = grandma.client(relay.url);
    await parent.client(relay.url).post(mailbox, sealed(sodium, parent, [grandma]));
    expect(await grandmaClient.pending(mailbox)).toHaveLength(1);
    await parent.client(relay.url).putRoster(mailbox, 2, []);
    await expect(grandmaClient.pending(mailbox)).rejects.toEqual(refusal(403, 'NOT_A_MEMBER'));
    await expect(grandmaClient.post(mailbox, sealed(sodium, grandma, [parent]))).rejects.toEqual(refusal(403, 'NOT_A_MEMBER'));
    await expect(parent.client(relay.url).putRoster(mailbox, 1, [grandmaClient.keyId])).rejects.toEqual(refusal(409, 'STALE_ROSTER'));
  });

  run('takes a repeated upload once, and refuses other bytes under the same envelope id', async () => {
    const envelope = sealed(sodium, grandma, [parent]);
    const client = grandma.client(relay.url);
    const first = await client.post(mailbox, envelope);
    const again = await client.post(mailbox, envelope);
    expect([first.duplicate, again.duplicate, again.id]).toEqual([false, true, first.id]);
    const altered = envelope.slice();
    altered[altered.length - 1]! ^= 1;
    await expect(client.post(mailbox, altered)).rejects.toEqual(refusal(409, 'ID_CONFLICT'));
    expect(await parent.client(relay.url).pending(mailbox)).toHaveLength(1);
  });

  run('keeps only padded sealed envelopes: other bytes get 400, a too large body 413', async () => {
    const client = grandma.client(relay.url);
    const path = `/v1/mailboxes/${mailbox}/envelopes`;
    await expect(client.request('POST', path, new Uint8Array(1500))).rejects.toEqual(refusal(400, 'BAD_PADDING'));
    await expect(client.request('POST', path, sodium.pad(Buffer.from('RIFF....WAVEfmt plain audio'), 1024))).rejects.toEqual(refusal(400, 'NOT_AN_ENVELOPE'));
    await expect(client.request('POST', path, new Uint8Array(3 * 2 ** 20))).rejects.toEqual(expect.objectContaining({ status: 413 }));
    await expect(client.request('POST', path, new TextEncoder().encode('{"a":1}'), 'application/json')).rejects.toEqual(expect.objectContaining({ status: 415 }));
  });

  run('refuses unsigned, tampered, expired, replayed and wrongly signed requests with 4xx and a reason', async () => {
    const path = `${relay.url}/v1/mailboxes/${mailbox}/envelopes`;
    const body = sodium.pad(sealed(sodium, grandma, [parent]), 4096);
    const post = (headers: Record<string, string>, bytes: Uint8Array = body) =>
      fetch(path, { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: bytes }).then(async (r) => ({ status: r.status, ...((await r.json()) as { error: string }) }));
    const signed = await signRequest(sodium, grandma.keys.signing, { method: 'POST', url: path, body });
    expect(await post({})).toMatchObject({ status: 401, error: 'UNSIGNED' });
    const tampered = body.slice();
    tampered[100]! ^= 1;
    expect(await post(signed, tampered)).toMatchObject({ status: 400, error: 'BAD_DIGEST' });
    expect(await post(signed)).toMatchObject({ status: 201 });
    expect(await post(signed)).toMatchObject({ status: 401, error: 'REPLAYED' });
    const old = await signRequest(sodium, grandma.keys.signing, { method: 'POST', url: path, body }, Date.now() - 10 * 60_000);
    expect(await post(old)).toMatchObject({ status: 401, error: 'EXPIRED_SIGNATURE' });
    const future = await signRequest(sodium, grandma.keys.signing, { method: 'POST', url: path, body }, Date.now() + 10 * 60_000);
    expect(await post(future)).toMatchObject({ status: 401, error: 'EXPIRED_SIGNATURE' });
    const other = await signRequest(sodium, stranger.keys.signing, { method: 'POST', url: path, body });
    const forged = { ...other, 'signature-input': other['signature-input']!.replace(/keyid="[^"]+"/, `keyid="${grandma.client(relay.url).keyId}"`) };
    expect(await post(forged)).toMatchObject({ status: 401, error: 'BAD_SIGNATURE' });
    const elsewhere = await signRequest(sodium, grandma.keys.signing, { method: 'POST', url: `${relay.url}/v1/mailboxes/${newRelayId(sodium)}/envelopes`, body });
    expect(await post(elsewhere)).toMatchObject({ status: 401, error: 'BAD_SIGNATURE' });
    const garbage = { signature: 'sig=:AAAA:', 'signature-input': 'sig=("@method");created=1' };
    expect(await post(garbage)).toMatchObject({ status: 400, error: 'BAD_DIGEST' });
    expect(await post({ ...garbage, 'content-digest': contentDigest(body) })).toMatchObject({ status: 401, error: 'BAD_SIGNATURE' });
  });

  run('answers an over-quota mailbox and an over-eager key with 429 and Retry-After', async () => {
    const client = grandma.client(relay.url);
    for (let i = 0; i < 5; i++) await client.post(mailbox, sealed(sodium, grandma, [parent]));
    const over = await client.post(mailbox, sealed(sodium, grandma, [parent])).catch((e: unknown) => e);
    expect(over).toEqual(refusal(429, 'QUOTA_EXCEEDED'));
    expect((over as RelayRefusal).retryAfter).toBeGreaterThan(0);

    await relay.close();
    relay = await startTestRelay(connection!, { ratePerMinute: 3 }, () => clock);
    const limited = grandma.client(relay.url);
    // The request that opens its session counts too: it and two more make 3.
    for (let i = 0; i < 2; i++) await limited.pending(mailbox);
    expect(limited.sessionsOpened).toBe(1);
    const tooMany = await limited.pending(mailbox).catch((e: unknown) => e);
    expect(tooMany).toEqual(refusal(429, 'RATE_LIMITED'));
    expect((tooMany as RelayRefusal).retryAfter).toBeGreaterThan(0);
    // Another key has its own budget.
    expect(await parent.client(relay.url).pending(mailbox)).toHaveLength(5);
  });

  run('forgets an envelope nobody fetched after its TTL (30 days)', async () => {
    await grandma.client(relay.url).post(mailbox, sealed(sodium, grandma, [parent]));
    clock += 31 * 24 * 3_600_000;
    await relay.sweep();
    clock = Date.now();
    expect(await parent.client(relay.url).pending(mailbox)).toEqual([]);
    const left = await connection!.db.selectFrom('envelopes').select('envelope_id').execute();
    expect(left).toEqual([]);
  });

  run('lets the owner delete the whole mailbox', async () => {
    await grandma.client(relay.url).post(mailbox, sealed(sodium, grandma, [parent]));
    await parent.client(relay.url).deleteMailbox(mailbox);
    await expect(parent.client(relay.url).pending(mailbox)).rejects.toEqual(refusal(404, 'NO_MAILBOX'));
    expect(await connection!.db.selectFrom('envelopes').select('envelope_id').execute()).toEqual([]);
  });

  run('carries opaque messages through a rendezvous: each number once, a waiting reader woken', async () => {
    const rendezvous = newRelayId(sodium);
    const invitee = stranger.client(relay.url);
    const owner = parent.client(relay.url);
    const waiting = owner.getRendezvous(rendezvous, 0, 10);
    await invitee.putRendezvous(rendezvous, 0, new Uint8Array([1, 2, 3]));
    expect(Array.from(await waiting)).toEqual([1, 2, 3]);
    await invitee.putRendezvous(rendezvous, 0, new Uint8Array([1, 2, 3]));
    await expect(owner.putRendezvous(rendezvous, 0, new Uint8Array([9]))).rejects.toEqual(refusal(409, 'ID_CONFLICT'));
    await expect(owner.getRendezvous(rendezvous, 1)).rejects.toEqual(refusal(404, 'NO_MESSAGE'));
    await expect(owner.putRendezvous(rendezvous, 16, new Uint8Array([9]))).rejects.toEqual(refusal(400, 'BAD_REQUEST'));
  });

  run('answers /healthz unsigned, and unknown routes with 404', async () => {
    const health = await fetch(`${relay.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', store: backend }]);
    expect((await fetch(`${relay.url}/v1/nothing`)).status).toBe(404);
  });

  if (backend === 'postgres') {
    run('two relays on one database: a reader waiting on one hears of a post to the other (LISTEN/NOTIFY)', async () => {
      const second = await database.open();
      const other = await startTestRelay(second, {}, () => clock);
      try {
        const waiting = parent.client(other.url).pending(mailbox, 10);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const started = Date.now();
        const receipt = await grandma.client(relay.url).post(mailbox, sealed(sodium, grandma, [parent]));
        expect((await waiting).map((e) => e.id)).toEqual([receipt.id]);
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await other.close();
        await second.close();
      }
    });

    run('pushes again after the LISTEN connection is cut (the notifier reconnects)', async () => {
      const listener = (connection!.notifier as unknown as { listener?: { processID?: number } }).listener;
      expect(listener?.processID).toBeGreaterThan(0);
      const admin = new pg.Client({ connectionString: TEST_PG_URL });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend($1)', [listener!.processID]).finally(() => admin.end());
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const waiting = parent.client(relay.url).pending(mailbox, 20);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      const receipt = await grandma.client(relay.url).post(mailbox, sealed(sodium, grandma, [parent]));
      expect((await waiting).map((e) => e.id)).toEqual([receipt.id]);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  }
});

describe('RelayClient', () => {
  it('reports an unreachable relay as a rejected promise, not a hang', async () => {
    const client = new RelayClient({ url: 'http://127.0.0.1:1', key: phone(sodium).keys.signing, sodium });
    await expect(client.pending(newRelayId(sodium))).rejects.toThrow();
  });
});
