// The WAL sync that every acknowledged SQLite write waits for: a caller is answered only by a
// sync that started after it called, and callers that arrive while one runs share the next.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSync } from '../../relay/store/file-sync';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'plushlink-file-sync-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FileSync', () => {
  it('answers each caller with a sync that started after its call', async () => {
    const file = join(dir, 'wal');
    writeFileSync(file, 'a');
    const sync = new FileSync(file);
    try {
      const first = sync.sync();
      // Called while the first is queued (not started): shares it.
      const joined = sync.sync();
      expect(joined).toBe(first);
      await first;
      expect(sync.syncs).toBe(1);
      // Called while one runs: waits for the next one, which starts after that one ends.
      appendFileSync(file, 'b');
      const running = sync.sync();
      await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      const after = sync.sync();
      expect(after).not.toBe(running);
      await Promise.all([running, after]);
      expect(sync.syncs).toBe(3);
    } finally {
      await sync.close();
    }
  });

  it('coalesces many concurrent callers into few syncs', async () => {
    const file = join(dir, 'wal');
    writeFileSync(file, 'a');
    const sync = new FileSync(file);
    try {
      await Promise.all(Array.from({ length: 200 }, (_, i) => (appendFileSync(file, String(i)), sync.sync())));
      expect(sync.syncs).toBeLessThanOrEqual(2);
    } finally {
      await sync.close();
    }
  });

  it('fails the callers when the file cannot be synced, and recovers once it exists', async () => {
    const file = join(dir, 'not-yet');
    const sync = new FileSync(file);
    try {
      await expect(sync.sync()).rejects.toThrow(/ENOENT/);
      writeFileSync(file, 'now');
      await expect(sync.sync()).resolves.toBeUndefined();
    } finally {
      await sync.close();
    }
  });
});
