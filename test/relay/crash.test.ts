// A relay killed with SIGKILL in the middle of uploads loses nothing it acknowledged and keeps
// nothing half-written: after a restart on the same folder, every acknowledged envelope is there
// byte for byte, everything there is a whole envelope that some phone sent, and the quota
// counters match what is stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newRelayId } from '../../client/relay-client';
import type { Sodium } from '../../pairing/sodium';
import { openStore } from '../../relay/store/open-store';
import { phone, sealed, sodiumReady } from './relay-harness';
import { spawnRelay } from './relay-process';

let sodium: Sodium;
beforeAll(async () => {
  sodium = await sodiumReady();
});

it('SIGKILL during uploads: nothing acknowledged lost, nothing half-written kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-relay-kill-'));
  try {
    const first = await spawnRelay(['--dir', dir, '--quota-envelopes', '10000', '--quota-mb', '1000', '--rate', '100000']);
    const [parent, grandma] = [phone(sodium), phone(sodium)];
    const mailbox = newRelayId(sodium);
    await parent.client(first.url).putRoster(mailbox, 1, [grandma.client(first.url).keyId]);
    const envelopes = Array.from({ length: 48 }, () => sealed(sodium, grandma, [parent], 20_000));
    const sent = new Map(envelopes.map((e) => [Buffer.from(e.subarray(6, 22)).toString('base64url'), e]));
    const acknowledged = new Set<string>();
    const poster = grandma.client(first.url);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < envelopes.length) {
        const envelope = envelopes[next++]!;
        try {
          acknowledged.add((await poster.post(mailbox, envelope)).id);
        } catch {
          return; // the relay died under this upload
        }
        if (acknowledged.size === 12) first.child.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await first.stop();
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acknowledged.size).toBeGreaterThanOrEqual(12);
    expect(acknowledged.size).toBeLessThan(envelopes.length);

    const second = await spawnRelay(['--dir', dir]);
    try {
      const reader = parent.client(second.url);
      const stored = await reader.pending(mailbox);
      const ids = new Set(stored.map((e) => e.id));
      for (const id of acknowledged) expect(ids).toContain(id);
      for (const { id } of stored) {
        const bytes = await reader.fetch(mailbox, id);
        expect(Buffer.from(bytes).equals(Buffer.from(sent.get(id)!))).toBe(true);
      }
    } finally {
      await second.stop();
    }
    const store = await openStore({ dir });
    try {
      const totals = await store.db.selectFrom('envelopes').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')]).executeTakeFirstOrThrow();
      const box = await store.db.selectFrom('mailboxes').select(['envelope_count', 'bytes_used']).executeTakeFirstOrThrow();
      const deliveries = await store.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect([box.envelope_count, box.bytes_used]).toEqual([Number(totals.n), Number(totals.bytes)]);
      expect(Number(deliveries.n)).toBe(Number(totals.n));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
