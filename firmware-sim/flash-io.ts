// The file operations the flash model is built from, behind an interface so that tests can cut
// the power between any two of them and check that what survives is consistent.
import * as fs from 'node:fs';

export interface FlashIO {
  readFile(path: string): Buffer;
  /** Writes a whole file and flushes it to the disk before returning. */
  writeFileDurable(path: string, data: Uint8Array): void;
  /** Atomically replaces `to` with `from` (POSIX rename), then flushes the directory. */
  renameDurable(from: string, to: string, dir: string): void;
  unlink(path: string): void;
  exists(path: string): boolean;
  list(dir: string): string[];
  mkdirp(dir: string): void;
  size(path: string): number;
}

export const nodeFlashIO: FlashIO = {
  readFile: (path) => fs.readFileSync(path),
  writeFileDurable: (path, data) => {
    const fd = fs.openSync(path, 'w');
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  renameDurable: (from, to, dir) => {
    fs.renameSync(from, to);
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  unlink: (path) => fs.rmSync(path, { force: true }),
  exists: (path) => fs.existsSync(path),
  list: (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []),
  mkdirp: (dir) => void fs.mkdirSync(dir, { recursive: true }),
  size: (path) => fs.statSync(path).size,
};
