// Coalesced fdatasync of one file on the libuv thread pool: what makes SQLite's WAL durable
// without blocking the event loop. Writers commit with synchronous=NORMAL (the WAL frames are
// written, not synced) and then wait for `sync()`, which resolves only after an fdatasync that
// *started after* the call; callers that arrive while one runs share the next one, so under load
// one fsync covers many commits and the loop keeps serving requests while the disk works.
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

export class FileSync {
  private handle: Promise<FileHandle> | undefined;
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** fdatasync calls made (for tests and benches). */
  syncs = 0;

  constructor(private readonly path: string) {}

  /** Resolves once everything written to the file before this call is on disk. */
  sync(): Promise<void> {
    // A queued sync has not started yet, so it also covers whatever this caller wrote.
    if (this.queued) return this.queued;
    const previous = this.inFlight ?? Promise.resolve();
    const queued: Promise<void> = previous.then(
      () => this.start(queued),
      () => this.start(queued),
    );
    this.queued = queued;
    return queued;
  }

  private start(queued: Promise<void>): Promise<void> {
    if (this.queued === queued) this.queued = undefined;
    const run = this.syncOnce();
    this.inFlight = run;
    const settle = (): void => {
      if (this.inFlight === run) this.inFlight = undefined;
    };
    run.then(settle, settle);
    return run;
  }

  private async syncOnce(): Promise<void> {
    // The first sync also syncs the folder, so the file's own entry survives a power cut (as
    // SQLite does for a new journal).
    this.handle ??= open(this.path, 'r').then(async (file) => {
      const folder = await open(dirname(this.path), 'r');
      await folder.sync().finally(() => folder.close());
      return file;
    });
    const file = await this.handle.catch((error: unknown) => {
      this.handle = undefined; // try to open it again next time
      throw error;
    });
    this.syncs++;
    await file.datasync();
  }

  /** Waits for syncs under way and closes the file. */
  async close(): Promise<void> {
    await Promise.allSettled([this.queued, this.inFlight]);
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle.catch(() => undefined))?.close();
  }
}
