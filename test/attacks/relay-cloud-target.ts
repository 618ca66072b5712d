// plushlink's family relay with the same family as the legacy cloud: the parent's phone is the
// toy's owner and the bridge at home, grandma's phone joined the toy as a member; grandma seals
// each message for the toy and posts it to the family's mailbox on the relay; the parent's phone
// fetches what waits, hands it to the toy over the secure session (the toy checks sender and
// signature), and acknowledges it. The relay runs on SQLite or on PostgreSQL (test/relay's harness).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnvelopeHeader, sealEnvelope } from '../../audio/envelope';
import { sealVoiceMessage } from '../../audio/voice-message';
import { isToyClientError } from '../../client/errors';
import { MemoryPhoneStore } from '../../client/phone-store';
import { RelayClient, RelayRefusal, newRelayId } from '../../client/relay-client';
import { moveFamily, parseMoveLink } from '../../client/relay-move';
import { ToyClient } from '../../client/toy-client';
import { ToyFirmware } from '../../firmware-sim/firmware';
import { ToyGattServer } from '../../firmware-sim/gatt-server';
import { generatePartyKeys, publicKeys } from '../../pairing/identity';
import { type Sodium, sodiumReady } from '../../pairing/sodium';
import { Air } from '../../radio/air';
import { loadBleno } from '../../radio/loaders';
import { hourOf, toBase64Url } from '../../relay/ids';
import { padToBucket, unpadBucket } from '../../relay/padding';
import { keyIdOf } from '../../relay/request-signing';
import type { Relay } from '../../relay/server';
import { SQLITE_FILE, type StoreConnection } from '../../relay/store/open-store';
import { type Backend, startTestRelay, testDatabase } from '../relay/relay-harness';
import { postgresAccess, sqliteFileAccess } from '../../cli/database-dump';
import type { CloudTarget } from './cloud-target';
import { FAMILY, FAMILY_FACTS } from './legacy-cloud-target';
import { voiceClip } from './targets';

interface RelayServer {
  readonly database: ReturnType<typeof testDatabase>;
  readonly store: StoreConnection;
  readonly relay: Relay & { readonly url: string };
  up: boolean;
  dropped: boolean;
}

async function openRelay(backend: Backend): Promise<RelayServer> {
  const database = testDatabase(backend);
  try {
    const store = await database.open();
    return { database, store, relay: await startTestRelay(store).catch(async (error: unknown) => (await store.close(), Promise.reject(error))), up: true, dropped: false };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** Stops a relay and, with `drop`, deletes its database (a relay that is gone for good). */
async function stopRelay(server: RelayServer, drop: boolean): Promise<void> {
  if (server.up) {
    server.up = false;
    await server.relay.close();
    await server.store.close();
  }
  if (drop && !server.dropped) {
    server.dropped = true;
    await server.database.drop();
  }
}

const reasonOf = (error: unknown): string =>
  error instanceof RelayRefusal ? error.code : isToyClientError(error) ? (/\(([A-Z_]+)\)/.exec(error.message)?.[1] ?? error.code) : (error as Error).message;

export async function relayCloudTarget(backend: Backend, seed = 7): Promise<CloudTarget> {
  const sodium = await sodiumReady();
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-relay-cloud-'));
  const air = new Air({ seed });
  const servers: RelayServer[] = [];
  const toys: ToyFirmware[] = [];
  const close = async (): Promise<void> => {
    // Off before the air goes: a pairing window's timer would otherwise advertise on a dead radio later.
    for (const toy of toys) toy.powerOff();
    for (const s of servers) await stopRelay(s, true);
    air.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return await familyOnRelay(backend, seed, sodium, dir, air, servers, toys, close);
  } catch (error) {
    await close();
    throw error;
  }
}

async function familyOnRelay(
  backend: Backend,
  seed: number,
  sodium: Sodium,
  dir: string,
  air: Air,
  servers: RelayServer[],
  toys: ToyFirmware[],
  close: () => Promise<void>,
): Promise<CloudTarget> {
  const firmware = await ToyFirmware.boot({ dir: join(dir, 'toy'), recordSeconds: 1 });
  toys.push(firmware);
  await ToyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'toy' }).bleno, firmware);
  const toyId = firmware.identity.toyId;
  let played = 0;
  firmware.on('played', () => played++);

  // The family, paired in person: the parent owns the toy, grandma joined by the owner's invitation.
  const parentStore = MemoryPhoneStore.create(sodium);
  const parent = await ToyClient.create({ radio: { kind: 'virtual', air }, store: parentStore, label: FAMILY.parent.name });
  await firmware.pawPress();
  await (await parent.pair(toyId, { code: firmware.identity.code })).disconnect();
  const grandmaStore = MemoryPhoneStore.create(sodium);
  const grandma = await ToyClient.create({ radio: { kind: 'virtual', air }, store: grandmaStore, label: FAMILY.grandma.name });
  const inviting = await parent.connect(toyId);
  const invitation = await inviting.inviteMember();
  await inviting.disconnect();
  await (await grandma.pair(toyId, { code: invitation.code })).disconnect();

  servers.push(await openRelay(backend));
  const server = (): RelayServer => servers.at(-1)!;
  const client = (keys: typeof parentStore.keys): RelayClient => new RelayClient({ url: server().relay.url, key: keys.signing, sodium });
  const parentKey = keyIdOf(parentStore.keys.signing);
  const grandmaKey = keyIdOf(grandmaStore.keys.signing);
  let mailbox = newRelayId(sodium);
  await client(parentStore.keys).putRoster(mailbox, 1, [grandmaKey]);
  // Where grandma's phone posts: the mailbox until the family moves, then the one the move link names.
  let grandmaMailbox = mailbox;
  let movedAt = 0;
  // An insider watching the relay sees every envelope that passes (and its cleartext header).
  const seen: Buffer[] = [];

  const waitForPlays = async (count: number): Promise<void> => {
    for (const deadline = Date.now() + 5000; played < count && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  };

  const target: CloudTarget = {
    kind: backend === 'sqlite' ? 'relay-sqlite' : 'relay-postgres',
    facts: FAMILY_FACTS,
    database: async () => {
      const { database } = server();
      return database.db === undefined ? sqliteFileAccess(join(database.dir, SQLITE_FILE)) : postgresAccess(database.db, database.schema);
    },
    async attackerOwnMessageUrl() {
      // The attacker's own mailbox, with two keys of its own (a sender and a recipient).
      const [sender, recipient] = [generatePartyKeys(sodium), generatePartyKeys(sodium)];
      const own = newRelayId(sodium);
      await client(sender).putRoster(own, 1, [keyIdOf(recipient.signing)]);
      const sealed = sealEnvelope(sodium, { audio: voiceClip(seed + 1000), sender, recipients: [publicKeys(recipient)], time: Date.now() });
      const { id } = await client(sender).post(own, sealed);
      attackerKeys = recipient;
      return `${server().relay.url}/v1/mailboxes/${own}/envelopes/${id}`;
    },
    async attackerFetch(url) {
      const plain = await fetch(url);
      if (plain.status !== 401 || !attackerKeys) return { status: plain.status, body: Buffer.from(await plain.arrayBuffer()) };
      const { pathname, search } = new URL(url);
      try {
        const response = await client(attackerKeys).request('GET', `${pathname}${search}`);
        return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
      } catch (error) {
        return { status: error instanceof RelayRefusal ? error.status : 0, body: Buffer.alloc(0) };
      }
    },
    async grandmaSends(ogg) {
      const bond = grandma.bonds()[0]!;
      const { envelope } = sealVoiceMessage(sodium, { recording: ogg, sender: grandma.keysFor(toyId), recipients: [bond.peer], now: Date.now() });
      await client(grandmaStore.keys).post(grandmaMailbox, envelope);
    },
    async deliver() {
      const bridge = client(parentStore.keys);
      const waiting = await bridge.pending(mailbox).catch((error: unknown) => {
        throw new Error(`the relay refused the bridge: ${reasonOf(error)}`);
      });
      seen.push(...(await target.insider.held()).map((h) => h.bytes));
      const before = played;
      const refused: string[] = [];
      let accepted = 0;
      if (waiting.length === 0) return { played: 0, refused };
      const session = await parent.connect(toyId);
      try {
        for (const { id } of waiting) {
          try {
            await session.sendSealed(await bridge.fetch(mailbox, id));
            accepted++;
          } catch (error) {
            refused.push(reasonOf(error));
          }
          await bridge.acknowledge(mailbox, id);
        }
        await waitForPlays(before + accepted);
      } finally {
        await session.disconnect();
      }
      return { played: played - before, refused };
    },
    async messagesHeld() {
      return firmware.storage.flash.keys('messages/').length;
    },
    async sendInRange(ogg) {
      const before = played;
      const session = await parent.connect(toyId);
      try {
        await session.sendMessage(ogg);
        await waitForPlays(before + 1);
      } finally {
        await session.disconnect();
      }
      return { played: played > before, detail: 'sent over Bluetooth, no server involved' };
    },
    async moveToNewServer() {
      // The old relay is gone (bust, or in a thief's hands): the family stops using it. The
      // owner's phone moves with the command's own code (plushlink move); grandma follows the
      // signed link it passes on, checked against the owner key she learnt when she joined.
      await stopRelay(server(), true);
      servers.push(await openRelay(backend));
      const moved = await moveFamily(sodium, { toyId, url: server().relay.url, owner: parentStore.keys.signing, members: [grandmaKey] });
      mailbox = moved.move.mailbox;
      const followed = parseMoveLink(sodium, moved.link, parentKey, { toyId, after: movedAt });
      movedAt = followed.time;
      grandmaMailbox = followed.mailbox;
      return { ok: true, detail: `a new relay (${backend}): the owner's phone made a mailbox there and signed its roster (plushlink move), grandma followed the owner's signed move link` };
    },
    insider: {
      async held() {
        if (!server().up) return [];
        const rows = await server().store.db.selectFrom('envelope_bodies').select(['envelope_id', 'body']).where('mailbox_id', '=', mailbox).execute();
        return rows.map((r) => ({ key: r.envelope_id, bytes: Buffer.from(r.body) }));
      },
      async overwrite(key, bytes) {
        await server().store.db.updateTable('envelope_bodies').set({ body: bytes }).where('mailbox_id', '=', mailbox).where('envelope_id', '=', key).execute();
      },
      async enqueue(bytes) {
        const db = server().store.db;
        const hour = hourOf(Date.now());
        // After a wipe, the insider puts the family's mailbox back from the dump so the bridge comes for it.
        if (!(await db.selectFrom('mailboxes').select('id').where('id', '=', mailbox).executeTakeFirst())) {
          await db.insertInto('mailboxes').values({ id: mailbox, owner_key: parentKey, roster_version: 1, roster_signature: 'x', created_hour: hour, bytes_used: 0, envelope_count: 0 }).execute();
          await db.insertInto('members').values({ mailbox_id: mailbox, member_key: grandmaKey, position: 0 }).execute();
        }
        let id: string;
        try {
          id = toBase64Url(readEnvelopeHeader(unpadBucket(bytes)).id);
        } catch {
          id = newRelayId(sodium);
        }
        await db
          .insertInto('envelopes')
          .values({ mailbox_id: mailbox, envelope_id: id, digest: createHash('sha256').update(bytes).digest('base64url'), size: bytes.length, created_hour: hour, expires_hour: hour + 720, pending: 1 })
          .execute();
        await db.insertInto('envelope_bodies').values({ mailbox_id: mailbox, envelope_id: id, body: bytes }).execute();
        await db.insertInto('deliveries').values({ mailbox_id: mailbox, envelope_id: id, member_key: parentKey }).execute();
      },
      forge(ogg, sample) {
        // The insider's own keys, sealed to the toy. Headers no longer name recipients, so this
        // grants the insider more than it can see: the toy's public keys, as if leaked elsewhere.
        void sample;
        const insider = generatePartyKeys(sodium);
        const recipients = [publicKeys(firmware.identity.keys)];
        return Buffer.from(padToBucket(sodium, sealEnvelope(sodium, { audio: ogg, sender: insider, recipients, time: Date.now() })));
      },
    },
    shutDown: () => stopRelay(server(), false),
    close,
  };
  let attackerKeys: ReturnType<typeof generatePartyKeys> | undefined;

  // The family's history: two messages from grandma, bridged to the toy and played.
  await target.grandmaSends(voiceClip(seed + 1));
  await target.grandmaSends(voiceClip(seed + 2));
  await target.deliver();
  return target;
}
