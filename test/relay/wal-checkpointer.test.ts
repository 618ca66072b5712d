// SQLite's WAL checkpoints run on a worker thread: what the relay commits reaches the database
// file without the relay's own connection (whose automatic checkpoints now start only far
// later) copying it, and a store reopened afterwards has all of it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLITE_FILE, openStore } from '../../relay/store/open-store';
import { RelayStore } from '../../relay/store/relay-store';
import { FALLBACK_PAGES } from '../../relay/store/wal-checkpointer';

const MAILBOX = 'MAILBOXmailboxMAILBOX0';
const OWNER = 'O'.repeat(43);

it('copies committed pages into the database file from another thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-checkpoint-'));
  try {
    // 256 bodies of 16 kB: ~1,300 WAL pages, past the worker's threshold (1,000), far below the fallback.
    const bodies = Array.from({ length: 256 }, () => randomBytes(16_384));
    const connection = await openStore({ dir });
    try {
      const store = new RelayStore(connection);
      await store.putRoster(MAILBOX, OWNER, { version: 1, members: ['member'], signature: 's' }, 1);
      const fileBefore = statSync(join(dir, SQLITE_FILE)).size;
      await Promise.all(bodies.map((body, i) => store.putEnvelope({ mailbox: MAILBOX, id: `e${i}`, digest: `d${i}`, body, hour: 1, expiresHour: 2, rosterVersion: 1 }, [OWNER], { bytes: 2 ** 30, envelopes: 10_000 })));
      expect(bodies.length * 16_384).toBeLessThan((FALLBACK_PAGES * 4096) / 10);
      const deadline = Date.now() + 10_000;
      while (statSync(join(dir, SQLITE_FILE)).size < fileBefore + bodies.length * 16_384 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(statSync(join(dir, SQLITE_FILE)).size).toBeGreaterThanOrEqual(fileBefore + bodies.length * 16_384);
    } finally {
      await connection.close();
    }
    const reopened = await openStore({ dir });
    try {
      const store = new RelayStore(reopened);
      for (const [i, body] of bodies.entries()) expect((await store.envelopeFor(MAILBOX, `e${i}`, OWNER, 1))?.equals(body)).toBe(true);
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
