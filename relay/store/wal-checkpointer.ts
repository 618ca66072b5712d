// SQLite's WAL checkpoints, on a thread of their own. A checkpoint copies the pages the WAL
// holds back into the database file and syncs both; run automatically, it runs inside the COMMIT
// that crosses the threshold, on the event loop: about a third of the SQLite store's CPU per
// 16 kB upload (the body's pages are written twice, once to the WAL and once to the file) and
// two blocking fsyncs every ~1,000 pages. Here a worker thread with its own connection runs
// PASSIVE checkpoints (they never block the writer or readers) once the WAL holds THRESHOLD_FRAMES
// pages not yet copied, as SQLite's automatic checkpoint would, and the
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

/** How often the worker looks at the WAL, in ms. */
const INTERVAL_MS = 20;

/**
 * WAL frames not yet copied at which the worker checkpoints: SQLite's own default threshold, so
 * pages written again and again (index pages, the nonces') are still copied once per ~1,000.
 */
const THRESHOLD_FRAMES = 1000;

// Plain JavaScript, evaluated in the worker: no TypeScript loader or build output needed there.
// How far the WAL is ahead of the database file is read from the wal-index (the -shm file every
// connection maps; https://www.sqlite.org/walformat.html): mxFrame, the last valid frame, is at
// byte 16 of its header, and nBackfill, the last frame copied, at byte 96, in native byte order.
// A read that fails (no such file yet) counts as "checkpoint now".
const WORKER_SOURCE = `
const { closeSync, openSync, readSync } = require('node:fs');
const { endianness } = require('node:os');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const header = Buffer.alloc(100);
const read = endianness() === 'LE' ? (offset) => header.readUInt32LE(offset) : (offset) => header.readUInt32BE(offset);
let shm;
const framesAhead = () => {
  try {
    shm ??= openSync(workerData.file + '-shm', 'r');
    if (readSync(shm, header, 0, 100, 0) < 100) return Infinity;
    return read(16) - read(96);
  } catch {
    return Infinity;
  }
};
let timer;
let closed = false;
const tick = () => {
  if (closed) return;
  if (framesAhead() >= workerData.thresholdFrames) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy (another checkpoint runs) or the file went away: try again later.
    }
  }
  timer = setTimeout(tick, workerData.intervalMs);
};
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  closed = true;
  clearTimeout(timer);
  if (shm !== undefined) closeSync(shm);
  db.close();
  parentPort.close();
});
tick();
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  /** Takes over the checkpoints of `sqlite`, a WAL-mode database in `file`. */
  constructor(sqlite: Database.Database, file: string) {
    sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: require.resolve('better-sqlite3'), file, intervalMs: INTERVAL_MS, thresholdFrames: THRESHOLD_FRAMES } });
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
