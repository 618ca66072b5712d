// SQLite's WAL checkpoints, on a thread of their own. A checkpoint copies the pages the WAL
// holds back into the database file and syncs both; run automatically, it runs inside the COMMIT
// that crosses the threshold, on the event loop: about a third of the SQLite store's CPU per
// 16 kB upload (the body's pages are written twice, once to the WAL and once to the file) and
// two blocking fsyncs every ~1,000 pages. Here a worker thread with its own connection runs
// PASSIVE checkpoints (they never block the writer or readers) every INTERVAL_MS, and the
// relay's connection checkpoints by itself only when the WAL is far past that (FALLBACK_PAGES),
// e.g. when the worker cannot keep up under sustained writes: the WAL restarts from its start
// only once a checkpoint has caught up with every frame, and the writer's own checkpoint, between
// two of its transactions, always does. Durability is unchanged: a write is acknowledged once
// the WAL holding it is synced (file-sync.ts); a checkpoint only moves it on, and one cut short by
// a crash is redone from the WAL when the database is next opened.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** WAL pages at which the relay's own connection checkpoints, as a safety net (64 MB at 4 kB pages). */
export const FALLBACK_PAGES = 16_000;

/**
 * How often the worker checkpoints, in ms: about as often as SQLite's own threshold (1,000 pages)
 * is crossed at a thousand or two 16 kB uploads a second; an idle WAL costs a look and no copy.
 */
const INTERVAL_MS = 100;

// Plain JavaScript, evaluated in the worker: no TypeScript loader or build output needed there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
let timer;
let closed = false;
const checkpoint = () => {
  if (closed) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy (another checkpoint runs) or the file went away: try again later.
  }
  timer = setTimeout(checkpoint, workerData.intervalMs);
};
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  closed = true;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
checkpoint();
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  /** Takes over the checkpoints of `sqlite`, a WAL-mode database in `file`. */
  constructor(sqlite: Database.Database, file: string) {
    sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: require.resolve('better-sqlite3'), file, intervalMs: INTERVAL_MS } });
    // A store left open must not keep the process alive for its checkpoints' sake.
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // A worker that fails leaves the checkpoints to the fallback; the relay goes on.
    this.worker.on('error', () => sqlite.open && sqlite.pragma('wal_autocheckpoint = 1000'));
  }

  /** Stops the worker and closes its connection (before the relay's own one closes). */
  async close(): Promise<void> {
    // Held while it winds down, or the process could end first, with this promise pending.
    this.worker.ref();
    this.worker.postMessage('close');
    await this.exited;
  }
}
