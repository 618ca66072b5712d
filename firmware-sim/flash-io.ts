// The file operations the flash model is built from, one call per system call that can fail or
// be interrupted (open, write, fsync, rename, unlink), behind an interface so that tests can cut
// the power after any one of them, make a write short, or make one fail with ENOSPC, EROFS, EIO
// or EMFILE (flash-faults.ts), and check that what survives is consistent.
import * as fs from 'node:fs';

export interface FlashIO {
  readFile(path: string): Buffer;
  /** Opens a file for writing from its start: created, or truncated when it exists. */
  create(path: string): number;
  /** Opens an existing file for overwriting in place (no truncation: its blocks are reused). */
  openExisting(path: string): number;
  /** Writes at `position`; returns how many bytes were written, which may be fewer than asked. */
  write(fd: number, data: Uint8Array, position: number): number;
  fsync(fd: number): void;
  close(fd: number): void;
  /** Atomically replaces `to` with `from` (POSIX rename). */
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Makes a directory's entries (a rename or an unlink in it) durable. */
  fsyncDir(dir: string): void;
  list(dir: string): string[];
  mkdirp(dir: string): void;
  size(path: string): number;
  isFile(path: string): boolean;
}

export const nodeFlashIO: FlashIO = {
  readFile: (path) => fs.readFileSync(path),
  create: (path) => fs.openSync(path, 'w'),
  openExisting: (path) => fs.openSync(path, 'r+'),
  write: (fd, data, position) => fs.writeSync(fd, data, 0, data.length, position),
  fsync: (fd) => fs.fsyncSync(fd),
  close: (fd) => fs.closeSync(fd),
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (path) => fs.rmSync(path, { force: true }),
  fsyncDir: (dir) => {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  list: (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []),
  mkdirp: (dir) => void fs.mkdirSync(dir, { recursive: true }),
  size: (path) => fs.statSync(path).size,
  isFile: (path) => {
    try {
      return fs.statSync(path).isFile();
    } catch {
      return false;
    }
  },
};
