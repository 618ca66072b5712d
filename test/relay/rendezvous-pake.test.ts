// The relay side of a remote invitation: the owner's and the invitee's phones run CPace (from
// pairing/) over a rendezvous, each message an opaque blob to the relay. With the same invitation
// secret both phones derive the same key; a relay operator who swaps a share in its database
// (a man in the middle without the secret) leaves them with different keys, which the key
// confirmation of the invitation protocol then refuses. The relay never sees the secret.
import { RelayClient, newRelayId } from '../../client/relay-client';
import { CPace, type CPaceInputs } from '../../pairing/cpace';
import type { Sodium } from '../../pairing/sodium';
import type { Relay } from '../../relay/server';
import type { StoreConnection } from '../../relay/store/open-store';
import { type TestDatabase, phone, sodiumReady, startTestRelay, testDatabase } from './relay-harness';

let sodium: Sodium;
let database: TestDatabase;
let connection: StoreConnection;
let relay: Relay & { url: string };

beforeAll(async () => {
  sodium = await sodiumReady();
  database = testDatabase('sqlite');
  connection = await database.open();
  relay = await startTestRelay(connection);
});
afterAll(async () => {
  await relay.close();
  await connection.close();
  await database.drop();
});

const encoder = new TextEncoder();

/** One side's run: post our share at `mine`, wait for the peer's at `theirs`, derive the ISK. */
async function runCPace(client: RelayClient, rendezvous: string, role: 'initiator' | 'responder', secret: string, sid: Uint8Array): Promise<Uint8Array> {
  const inputs: CPaceInputs = { prs: encoder.encode(secret), ci: encoder.encode('plushlink remote invitation'), sid };
  const cpace = new CPace(sodium, role, inputs, encoder.encode(role));
  const [mine, theirs] = role === 'initiator' ? [0, 1] : [1, 0];
  await client.putRendezvous(rendezvous, mine, cpace.own.share);
  const share = await client.getRendezvous(rendezvous, theirs, 10);
  return cpace.finish({ share, ad: encoder.encode(role === 'initiator' ? 'responder' : 'initiator') });
}

it('carries a CPace run between two far-away phones: the same secret gives both the same key', async () => {
  const rendezvous = newRelayId(sodium);
  const sid = sodium.randombytes_buf(16);
  const [owner, invitee] = [phone(sodium).client(relay.url), phone(sodium).client(relay.url)];
  const [a, b] = await Promise.all([runCPace(owner, rendezvous, 'initiator', 'tulip-otter-42', sid), runCPace(invitee, rendezvous, 'responder', 'tulip-otter-42', sid)]);
  expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  const stored = await connection.db.selectFrom('rendezvous').select('body').where('rendezvous_id', '=', rendezvous).execute();
  for (const row of stored) expect(row.body.includes(Buffer.from('tulip-otter-42'))).toBe(false);
});

it('a wrong secret, or an operator swapping a share in the database, leaves the keys different', async () => {
  const sid = sodium.randombytes_buf(16);
  const wrong = newRelayId(sodium);
  const [owner, invitee] = [phone(sodium).client(relay.url), phone(sodium).client(relay.url)];
  const [a, b] = await Promise.all([runCPace(owner, wrong, 'initiator', 'tulip-otter-42', sid), runCPace(invitee, wrong, 'responder', 'tulip-otter-43', sid)]);
  expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);

  // The operator answers the owner with its own CPace share (it does not know the secret).
  const tampered = newRelayId(sodium);
  const operator = new CPace(sodium, 'responder', { prs: encoder.encode('guess'), ci: encoder.encode('plushlink remote invitation'), sid }, encoder.encode('responder'));
  const ownerRun = runCPace(owner, tampered, 'initiator', 'tulip-otter-42', sid);
  await connection.db.insertInto('rendezvous').values({ rendezvous_id: tampered, seq: 1, body: Buffer.from(operator.own.share), digest: 'forged', expires_at: Math.floor(Date.now() / 1000) + 600 }).execute();
  await relay.store.notifier.publish(`r:${tampered}`);
  const ownerKey = await ownerRun;
  const operatorKey = operator.finish({ share: await invitee.getRendezvous(tampered, 0), ad: encoder.encode('initiator') });
  expect(Buffer.from(ownerKey).equals(Buffer.from(operatorKey))).toBe(false);
});
