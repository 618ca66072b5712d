// The flash's file operations kept in memory: the same FlashIO calls as on a disk, with files and
// folders in maps. A harness that boots one toy and feeds it millions of inputs (the air fuzz
// targets) uses it so that the toy's record writes cost no system calls, and so the whole disk
// can be captured and compared as an image. Everything above it (records, CRCs, temp files,
// renames) is the real Flash code. No power model: a write is durable once made (flash-faults.ts
// wraps any FlashIO, this one included, when cuts matter).
import { dirname } from 'node:path';
import type { FlashIO } from './flash-io';

/** A disk's files by path, as captured by `image()`. */
export type FlashImage = ReadonlyMap<string, Buffer>;

function osError(code: string, call: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${call} '${path}'`), { code, syscall: call, path });
}

export class MemoryFlashIO implements FlashIO {
  private readonly files = new Map<string, Buffer>();
  private readonly dirs = new Set<string>();
  private readonly open = new Map<number, string>();
  private nextFd = 3;
  private mutations = 0;

  /** Counts the calls that changed the disk: equal counts mean nothing was written in between. */
  get generation(): number {
    return this.mutations;
  }

  /** Every file and its bytes now (the buffers are never changed in place, so this is cheap). */
  image(): FlashImage {
    return new Map(this.files);
  }

  /** Whether the disk holds exactly `image`. */
  holds(image: FlashImage): boolean {
    if (image.size !== this.files.size) return false;
    for (const [path, bytes] of image) if (!this.files.get(path)?.equals(bytes)) return false;
    return true;
  }

  readFile(path: string): Buffer {
    const bytes = this.files.get(path);
    if (!bytes) throw osError(this.dirs.has(path) ? 'EISDIR' : 'ENOENT', 'open', path);
    return Buffer.from(bytes);
  }

  create(path: string): number {
    this.parentMustExist('open', path);
    this.changed();
    this.files.set(path, Buffer.alloc(0));
    return this.openFd(path);
  }

  openExisting(path: string): number {
    if (!this.files.has(path)) throw osError('ENOENT', 'open', path);
    return this.openFd(path);
  }

  write(fd: number, data: Uint8Array, position: number): number {
    const path = this.pathOf(fd, 'write');
    const old = this.files.get(path) ?? Buffer.alloc(0);
    const next = Buffer.alloc(Math.max(old.length, position + data.length));
    old.copy(next);
    next.set(data, position);
    this.changed();
    this.files.set(path, next);
    return data.length;
  }

  fsync(fd: number): void {
    this.pathOf(fd, 'fsync');
  }

  close(fd: number): void {
    this.pathOf(fd, 'close');
    this.open.delete(fd);
  }

  rename(from: string, to: string): void {
    const bytes = this.files.get(from);
    if (!bytes) throw osError('ENOENT', 'rename', from);
    this.parentMustExist('rename', to);
    this.changed();
    this.files.delete(from);
    this.files.set(to, bytes);
  }

  unlink(path: string): void {
    if (this.files.delete(path)) this.changed();
  }

  fsyncDir(dir: string): void {
    if (!this.dirs.has(dir)) throw osError('ENOENT', 'open', dir);
  }

  list(dir: string): string[] {
    if (!this.dirs.has(dir)) return [];
    const prefix = `${dir}/`;
    const names = new Set<string>();
    for (const path of [...this.files.keys(), ...this.dirs]) {
      if (path.startsWith(prefix)) names.add(path.slice(prefix.length).split('/')[0]!);
    }
    return [...names].sort();
  }

  mkdirp(dir: string): void {
    for (let d = dir; !this.dirs.has(d); d = dirname(d)) {
      this.dirs.add(d);
      if (dirname(d) === d) break;
    }
  }

  size(path: string): number {
    const bytes = this.files.get(path);
    if (!bytes) throw osError('ENOENT', 'stat', path);
    return bytes.length;
  }

  isFile(path: string): boolean {
    return this.files.has(path);
  }

  private openFd(path: string): number {
    const fd = this.nextFd++;
    this.open.set(fd, path);
    return fd;
  }

  private pathOf(fd: number, call: string): string {
    const path = this.open.get(fd);
    if (path === undefined) throw osError('EBADF', call, `fd ${fd}`);
    return path;
  }

  private parentMustExist(call: string, path: string): void {
    if (!this.dirs.has(dirname(path))) throw osError('ENOENT', call, path);
  }

  private changed(): void {
    this.mutations++;
  }
}
