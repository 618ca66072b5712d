// The toy's flash memory, modelled on a directory: a fixed capacity (a few MB, like a toy's
// NOR flash) holding named records (identity, bonds, pairing policy, messages, recordings).
//
// Crash consistency, call by call (docs/STORAGE.md has the fault matrix and its tests):
// - a write goes to a temporary file, every write call's byte count is checked, the file is
//   flushed and read back against its length and SHA-256, and only then renamed over the old
//   record: a power cut leaves the old or the new record, a short write is an error, never a record;
// - an erase first renames the record to a tombstone (atomic: from then on the record is gone under
//   its name), then overwrites the tombstone in place with zeros, flushes and unlinks it: a cut
//   leaves the record intact or a tombstone that the next mount wipes, never zeros under its name;
// - mounting wipes leftover temporary files and tombstones and checks every record; one that fails
//   its check is quarantined (moved under quarantine/, reported), never served and never fatal.
// OS errors (ENOSPC, EROFS, EIO, EMFILE) come out as typed FlashErrors (flash-error.ts).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FlashError, fromOsError, osCall } from './flash-error';
import { FlashIO, nodeFlashIO } from './flash-io';

export { FlashError, type FlashErrorCode, isFull, isStorageFailure } from './flash-error';

/** Flash is erased and accounted in pages; a record always takes whole pages. */
export const PAGE_BYTES = 256;
export const DEFAULT_CAPACITY_BYTES = 4 * 1024 * 1024;
/** Where records that failed their check are moved (erased by a factory reset like any record). */
export const QUARANTINE_PREFIX = 'quarantine/';

const MAGIC = Buffer.from('PLF1');
const HEADER_BYTES = MAGIC.length + 4 + 32;
const TEMP_SUFFIX = '.tmp';
const TOMBSTONE_SUFFIX = '.erasing';
const WIPE_CHUNK = 64 * 1024;

export interface FlashOptions {
  readonly capacityBytes?: number;
  readonly io?: FlashIO;
}

export interface FlashUsage {
  readonly usedBytes: number;
  readonly capacityBytes: number;
  readonly freeBytes: number;
}

/** A record moved aside because it failed its check. */
export interface QuarantinedRecord {
  readonly key: string;
  /** Where it went (a key under quarantine/), or undefined when even moving it failed. */
  readonly movedTo: string | undefined;
  readonly reason: string;
}

/** A record key: slash-separated segments of lower-case letters, digits, '-' and '_'. */
const KEY = /^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/;

export class Flash {
  readonly capacityBytes: number;
  private readonly io: FlashIO;
  /** Pages each committed record occupies, by key. */
  private readonly pages = new Map<string, number>();
  /** Every record quarantined since mounting, oldest first. */
  readonly quarantined: QuarantinedRecord[] = [];
  /** Storage errors the flash lived through (at mount, or after a commit): the toy runs on, degraded. */
  readonly problems: FlashError[] = [];
  /** The latest storage failure, until a write succeeds again: the toy runs degraded meanwhile. */
  lastFailure: FlashError | undefined;
  /** Told of each record quarantined after mounting (the firmware reports it). */
  onQuarantine: ((record: QuarantinedRecord) => void) | undefined;

  private constructor(
    readonly dir: string,
    options: FlashOptions,
  ) {
    this.capacityBytes = options.capacityBytes ?? DEFAULT_CAPACITY_BYTES;
    this.io = options.io ?? nodeFlashIO;
  }

  /**
   * Mounts the flash in `dir` (created if absent): temporary files and tombstones left by a power
   * cut are wiped, every committed record is checked (quarantined if it fails) and accounted.
   * Storage errors on the way (a read-only or full disk) are kept in `problems`, not thrown.
   */
  static mount(dir: string, options: FlashOptions = {}): Flash {
    const flash = new Flash(dir, options);
    flash.tolerate(() => osCall(`creating ${dir}`, () => flash.io.mkdirp(dir)));
    flash.scan('');
    return flash;
  }

  usage(): FlashUsage {
    const usedBytes = [...this.pages.values()].reduce((sum, p) => sum + p * PAGE_BYTES, 0);
    return { usedBytes, capacityBytes: this.capacityBytes, freeBytes: Math.max(0, this.capacityBytes - usedBytes) };
  }

  has(key: string): boolean {
    return this.pages.has(checkKey(key));
  }

  /**
   * The record's contents, or undefined when there is none. A record that fails its check is
   * quarantined and reads as absent; a failing disk throws a typed FlashError.
   */
  read(key: string): Buffer | undefined {
    if (!this.pages.has(checkKey(key)) || key.startsWith(QUARANTINE_PREFIX)) return undefined;
    const bytes = this.noted(() => osCall(`reading "${key}"`, () => this.io.readFile(this.path(key))));
    const problem = recordProblem(bytes);
    if (problem === undefined) return Buffer.from(bytes.subarray(HEADER_BYTES));
    this.quarantine(key, problem);
    return undefined;
  }

  /**
   * Replaces (or creates) a record, all or nothing. Throws FLASH_FULL before touching anything
   * when it does not fit, or a storage FlashError (DISK_FULL, READ_ONLY, IO_ERROR, TOO_MANY_FILES,
   * SHORT_WRITE) with the old record still in place.
   */
  write(key: string, data: Uint8Array): void {
    this.noted(() => this.commit(key, data));
  }

  private commit(key: string, data: Uint8Array): void {
    checkKey(key);
    const record = encodeRecord(data);
    const needed = pagesFor(record.length);
    const free = this.capacityBytes - this.usage().usedBytes + (this.pages.get(key) ?? 0) * PAGE_BYTES;
    if (needed * PAGE_BYTES > free) {
      throw new FlashError('FLASH_FULL', `flash full: "${key}" needs ${needed * PAGE_BYTES} bytes, ${free} free of ${this.capacityBytes}`);
    }
    const path = this.path(key);
    const dir = join(path, '..');
    const temp = path + TEMP_SUFFIX;
    osCall(`creating the folder of "${key}"`, () => this.io.mkdirp(dir));
    try {
      this.writeWhole(key, () => this.io.create(temp), record);
      const back = osCall(`reading back "${key}"`, () => this.io.readFile(temp));
      if (!back.equals(record)) {
        throw new FlashError('SHORT_WRITE', `"${key}" read back ${back.length} bytes that differ from the ${record.length} written`);
      }
      osCall(`committing "${key}"`, () => this.io.rename(temp, path));
    } catch (error) {
      // The old record stands; the temporary file goes now if it can (else at the next mount).
      if (fromOsError(error, '') !== undefined) this.tolerate(() => osCall('discarding a temporary file', () => this.io.unlink(temp)));
      throw error;
    }
    this.pages.set(key, needed);
    this.lastFailure = undefined; // the disk takes writes again: no longer degraded
    // The rename committed it; flushing the folder makes that survive a power cut too. A failure
    // here is noted, not thrown: the record is in place and saying otherwise would be false.
    this.tolerate(() => osCall(`flushing the folder of "${key}"`, () => this.io.fsyncDir(dir)));
  }

  /**
   * Removes a record for good. The record leaves its name atomically (renamed to a tombstone),
   * then the tombstone's bytes are overwritten in place and it is unlinked. If the disk fails
   * after the rename, the record is still gone (noted in `problems`) and the next mount finishes
   * the wipe; if it fails before, the record is intact and the error is thrown.
   */
  erase(key: string): void {
    if (!this.pages.has(checkKey(key))) return;
    const path = this.path(key);
    const tombstone = path + TOMBSTONE_SUFFIX;
    const dir = join(path, '..');
    this.noted(() => osCall(`erasing "${key}"`, () => this.io.rename(path, tombstone)));
    this.pages.delete(key);
    this.tolerate(() => {
      osCall(`flushing the folder of "${key}"`, () => this.io.fsyncDir(dir));
      this.wipe(tombstone, key);
    });
  }

  /**
   * Drops a record from view without touching the disk: for a record that must not be used but
   * cannot be erased now (a read-only disk); the next mount sees it again.
   */
  forget(key: string): void {
    this.pages.delete(checkKey(key));
  }

  /** Keys of the committed records under a prefix (e.g. "recordings/"), sorted. */
  keys(prefix = ''): string[] {
    return [...this.pages.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Erases every record under a prefix ('' erases the whole flash). */
  eraseAll(prefix = ''): void {
    for (const key of this.keys(prefix)) this.erase(key);
  }

  /**
   * Moves a record that failed a check (its own, or its decoder's) under quarantine/, so it is
   * never served again but stays for diagnosis until a factory reset. Never throws for a storage
   * failure: a record that cannot even be moved is dropped from view instead.
   */
  quarantine(key: string, reason: string): QuarantinedRecord {
    checkKey(key);
    const pages = this.pages.get(key) ?? 1;
    this.pages.delete(key);
    const target = this.freeQuarantineKey(key);
    let movedTo: string | undefined;
    this.tolerate(() => {
      const to = this.path(target);
      osCall('creating the quarantine folder', () => this.io.mkdirp(join(to, '..')));
      osCall(`quarantining "${key}"`, () => this.io.rename(this.path(key), to));
      movedTo = target;
      this.pages.set(target, pages);
      osCall('flushing the quarantine', () => {
        this.io.fsyncDir(join(to, '..'));
        this.io.fsyncDir(join(this.path(key), '..'));
      });
    });
    const record = { key, movedTo, reason };
    this.quarantined.push(record);
    this.onQuarantine?.(record);
    return record;
  }

  private freeQuarantineKey(key: string): string {
    const base = `${QUARANTINE_PREFIX}${key.replaceAll('/', '_')}`;
    for (let n = 1; ; n++) {
      const candidate = `${base}-${n}`;
      if (!this.pages.has(candidate) && !this.io.isFile(this.path(candidate))) return candidate;
    }
  }

  /** Writes all of `data` through a freshly opened file, checking every call's byte count. */
  private writeWhole(key: string, open: () => number, data: Uint8Array): void {
    const fd = osCall(`opening "${key}"`, open);
    try {
      for (let done = 0; done < data.length; ) {
        const piece = data.subarray(done, Math.min(data.length, done + WIPE_CHUNK));
        const written = osCall(`writing "${key}"`, () => this.io.write(fd, piece, done));
        if (written !== piece.length) {
          throw new FlashError('SHORT_WRITE', `short write of "${key}": ${written} of ${piece.length} bytes stored (disk full?)`);
        }
        done += written;
      }
      osCall(`flushing "${key}"`, () => this.io.fsync(fd));
    } finally {
      this.tolerate(() => osCall(`closing "${key}"`, () => this.io.close(fd)));
    }
  }

  /** Overwrites a file's bytes in place with zeros, flushes, then unlinks it. */
  private wipe(path: string, key: string): void {
    const bytes = osCall(`sizing "${key}"`, () => this.io.size(path));
    if (bytes > 0) this.writeWhole(key, () => this.io.openExisting(path), Buffer.alloc(bytes));
    osCall(`unlinking "${key}"`, () => this.io.unlink(path));
    osCall(`flushing after erasing "${key}"`, () => this.io.fsyncDir(join(path, '..')));
  }

  /** Runs a step, remembering a storage failure it throws. */
  private noted<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      const failure = fromOsError(error, 'storage');
      if (failure && failure.code !== 'FLASH_FULL' && failure.code !== 'BAD_KEY') this.lastFailure = failure;
      throw error;
    }
  }

  private path(key: string): string {
    return join(this.dir, ...key.split('/'));
  }

  /** Runs a storage step the flash can live without: a storage failure is noted, not thrown. */
  private tolerate(step: () => void): void {
    try {
      step();
    } catch (error) {
      const problem = fromOsError(error, 'storage');
      if (!problem) throw error;
      this.problems.push(problem);
      this.lastFailure = problem;
    }
  }

  private scan(prefix: string): void {
    const dir = prefix === '' ? this.dir : this.path(prefix);
    let names: string[] = [];
    this.tolerate(() => void (names = osCall(`listing ${dir}`, () => this.io.list(dir))));
    for (const name of names) {
      const key = prefix === '' ? name : `${prefix}/${name}`;
      const path = join(dir, name);
      if (name.endsWith(TEMP_SUFFIX) || name.endsWith(TOMBSTONE_SUFFIX)) {
        // An interrupted write (the old record still stands) or erase (the record is gone):
        // either way its bytes must not outlive the cut.
        this.tolerate(() => this.wipe(path, key));
      } else if (KEY.test(key) && this.io.isFile(path)) {
        this.tolerate(() => this.mountRecord(key, path));
      } else if (KEY.test(key)) {
        this.scan(key);
      }
    }
  }

  private mountRecord(key: string, path: string): void {
    this.pages.set(key, pagesFor(osCall(`sizing "${key}"`, () => this.io.size(path))));
    if (key.startsWith(QUARANTINE_PREFIX)) return;
    let problem: string | undefined;
    // A record the disk cannot read now (EIO, EMFILE) stays: the error may pass, and read() then
    // answers with a typed error; only bytes that fail their check are moved aside.
    this.tolerate(() => void (problem = recordProblem(osCall(`reading "${key}"`, () => this.io.readFile(path)))));
    if (problem !== undefined) this.quarantine(key, problem);
  }
}

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new FlashError('BAD_KEY', `not a flash record key: "${key}"`);
  return key;
}

function pagesFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / PAGE_BYTES));
}

function encodeRecord(data: Uint8Array): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(data.length, MAGIC.length);
  createHash('sha256').update(data).digest().copy(header, MAGIC.length + 4);
  return Buffer.concat([header, data]);
}

/** Why a stored record's bytes fail their check, or undefined when they pass. */
function recordProblem(bytes: Buffer): string | undefined {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return 'no valid header';
  const length = bytes.readUInt32BE(MAGIC.length);
  const data = bytes.subarray(HEADER_BYTES);
  if (data.length !== length) return `${data.length} bytes where its header says ${length}`;
  const digest = createHash('sha256').update(data).digest();
  if (!digest.equals(bytes.subarray(MAGIC.length + 4, HEADER_BYTES))) return 'fails its checksum';
  return undefined;
}
