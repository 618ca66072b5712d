// The toy's flash memory, modelled on a directory: a fixed capacity (a few MB, like a toy's
// NOR flash) holding named records (identity, bonds, pairing policy, messages, recordings).
// Every write is crash-consistent: the new record is written to a temporary file, flushed, and
// renamed over the old one, so a power cut at any point leaves either the old or the new record.
// Each record carries a SHA-256 of its contents, so a damaged file reads as a typed error, never
// as wrong data. A write that does not fit fails before anything is touched.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FlashIO, nodeFlashIO } from './flash-io';

/** Flash is erased and accounted in pages; a record always takes whole pages. */
export const PAGE_BYTES = 256;
export const DEFAULT_CAPACITY_BYTES = 4 * 1024 * 1024;

const MAGIC = Buffer.from('PLF1');
const HEADER_BYTES = MAGIC.length + 4 + 32;
const TEMP_SUFFIX = '.tmp';

export type FlashErrorCode = 'FLASH_FULL' | 'CORRUPT_RECORD' | 'BAD_KEY';

export class FlashError extends Error {
  override readonly name = 'FlashError';
  constructor(
    readonly code: FlashErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface FlashOptions {
  readonly capacityBytes?: number;
  readonly io?: FlashIO;
}

export interface FlashUsage {
  readonly usedBytes: number;
  readonly capacityBytes: number;
  readonly freeBytes: number;
}

/** A record key: slash-separated segments of lower-case letters, digits, '-' and '_'. */
const KEY = /^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/;

export class Flash {
  readonly capacityBytes: number;
  private readonly io: FlashIO;
  /** Pages each committed record occupies, by key. */
  private readonly pages = new Map<string, number>();

  private constructor(
    readonly dir: string,
    options: FlashOptions,
  ) {
    this.capacityBytes = options.capacityBytes ?? DEFAULT_CAPACITY_BYTES;
    this.io = options.io ?? nodeFlashIO;
  }

  /**
   * Mounts the flash in `dir` (created if absent): temporary files left by a power cut are
   * discarded, and every committed record is accounted.
   */
  static mount(dir: string, options: FlashOptions = {}): Flash {
    const flash = new Flash(dir, options);
    flash.io.mkdirp(dir);
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

  /** The record's contents, or undefined when there is none. Throws CORRUPT_RECORD if damaged. */
  read(key: string): Buffer | undefined {
    if (!this.pages.has(checkKey(key))) return undefined;
    return decodeRecord(key, this.io.readFile(this.path(key)));
  }

  /** Replaces (or creates) a record, all or nothing. Throws FLASH_FULL, leaving everything as it was. */
  write(key: string, data: Uint8Array): void {
    checkKey(key);
    const record = encodeRecord(data);
    const needed = pagesFor(record.length);
    const free = this.capacityBytes - this.usage().usedBytes + (this.pages.get(key) ?? 0) * PAGE_BYTES;
    if (needed * PAGE_BYTES > free) {
      throw new FlashError('FLASH_FULL', `flash full: "${key}" needs ${needed * PAGE_BYTES} bytes, ${free} free of ${this.capacityBytes}`);
    }
    const path = this.path(key);
    const dir = join(path, '..');
    this.io.mkdirp(dir);
    this.io.writeFileDurable(path + TEMP_SUFFIX, record);
    this.io.renameDurable(path + TEMP_SUFFIX, path, dir);
    this.pages.set(key, needed);
  }

  /** Removes a record for good: its bytes are overwritten before the file goes. */
  erase(key: string): void {
    if (!this.pages.has(checkKey(key))) return;
    const path = this.path(key);
    this.io.writeFileDurable(path, Buffer.alloc(this.io.size(path)));
    this.io.unlink(path);
    this.pages.delete(key);
  }

  /** Keys of the committed records under a prefix (e.g. "recordings/"), sorted. */
  keys(prefix = ''): string[] {
    return [...this.pages.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Erases every record under a prefix ('' erases the whole flash). */
  eraseAll(prefix = ''): void {
    for (const key of this.keys(prefix)) this.erase(key);
  }

  private path(key: string): string {
    return join(this.dir, ...key.split('/'));
  }

  private scan(prefix: string): void {
    const dir = prefix === '' ? this.dir : this.path(prefix);
    for (const name of this.io.list(dir)) {
      const key = prefix === '' ? name : `${prefix}/${name}`;
      const path = join(dir, name);
      if (name.endsWith(TEMP_SUFFIX)) {
        this.io.unlink(path); // an interrupted write: the old record (if any) still stands
      } else if (KEY.test(key) && this.isFile(path)) {
        this.pages.set(key, pagesFor(this.io.size(path)));
      } else if (KEY.test(key)) {
        this.scan(key);
      }
    }
  }

  private isFile(path: string): boolean {
    try {
      this.io.readFile(path);
      return true;
    } catch {
      return false;
    }
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

function decodeRecord(key: string, bytes: Buffer): Buffer {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new FlashError('CORRUPT_RECORD', `flash record "${key}" has no valid header`);
  }
  const length = bytes.readUInt32BE(MAGIC.length);
  const data = bytes.subarray(HEADER_BYTES);
  if (data.length !== length) throw new FlashError('CORRUPT_RECORD', `flash record "${key}" is ${data.length} bytes, its header says ${length}`);
  const digest = createHash('sha256').update(data).digest();
  if (!digest.equals(bytes.subarray(MAGIC.length + 4, HEADER_BYTES))) {
    throw new FlashError('CORRUPT_RECORD', `flash record "${key}" fails its checksum`);
  }
  return Buffer.from(data);
}
