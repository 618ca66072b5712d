// Fault injection under the flash: a FlashIO over the real file operations that, once armed,
// cuts the power after its Nth mutating call, makes its Nth write short (or torn: short but
// claiming the full count), or makes its Nth call fail with ENOSPC, EROFS, EIO or EMFILE. Tests
// pass it as the firmware's `flashIO` and walk N over every call an operation makes.
//
// Power model: a cut loses whatever was written to a file since it was last flushed (fsync), so
// a file opened and written but not flushed goes back to its content before the open; renames,
// unlinks and flushed data survive. After a cut every call throws PowerCut: the device is dead
// until it is mounted again on a fresh FlashIO.
import { writeFileSync } from 'node:fs';
import { type FlashIO, nodeFlashIO } from './flash-io';

/** The calls that change the disk: the points where a fault can strike. */
export type FlashCall = 'create' | 'openExisting' | 'write' | 'fsync' | 'rename' | 'unlink' | 'fsyncDir';
export const FLASH_CALLS: readonly FlashCall[] = ['create', 'openExisting', 'write', 'fsync', 'rename', 'unlink', 'fsyncDir'];

export type FaultKind = 'power-cut' | 'short-write' | 'torn-write' | 'ENOSPC' | 'EROFS' | 'EIO' | 'EMFILE';
export const FAULT_KINDS: readonly FaultKind[] = ['power-cut', 'short-write', 'torn-write', 'ENOSPC', 'EROFS', 'EIO', 'EMFILE'];

export interface Fault {
  readonly kind: FaultKind;
  /** Which call strikes, counted from 0 since arming among the calls the fault applies to. */
  readonly at: number;
  /** Only calls of this sort count (short and torn writes: always 'write'). */
  readonly call?: FlashCall;
  /** Only calls on a path matching this count. */
  readonly path?: RegExp;
}

/** The simulated power cut: not an OS error, so nothing may catch it as one. */
export class PowerCut extends Error {
  override readonly name = 'PowerCut';
}

/** Kinds that strike a write call only (the others strike any mutating call). */
const WRITE_ONLY: readonly FaultKind[] = ['short-write', 'torn-write'];

function applies(fault: Fault, call: FlashCall, path: string): boolean {
  if (WRITE_ONLY.includes(fault.kind) && call !== 'write') return false;
  return (fault.call === undefined || fault.call === call) && (fault.path === undefined || fault.path.test(path));
}

function osError(code: string, call: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault in ${call} ${path}`), { code, syscall: call, path });
}

export class FaultyFlashIO implements FlashIO {
  /** Every mutating call made, as "call path", for naming fault points in reports. */
  readonly calls: string[] = [];
  private fault: Fault | undefined;
  private seen = 0;
  private struck = false;
  private dead = false;
  /** An error every later call of its sort keeps failing with (a full or read-only disk). */
  private sticky: { readonly code: string; readonly calls: readonly FlashCall[] } | undefined;
  private readonly fdPaths = new Map<number, string>();
  /** Files written since their last flush, with the content a power cut brings back. */
  private readonly unflushed = new Map<string, Buffer>();

  constructor(private readonly base: FlashIO = nodeFlashIO) {}

  /** Arms one fault; the count of calls starts again from 0. */
  arm(fault: Fault): this {
    this.fault = fault;
    this.seen = 0;
    this.struck = false;
    return this;
  }

  /** Frees the disk again (a full disk emptied, a read-only one remounted read-write). */
  heal(): void {
    this.fault = undefined;
    this.sticky = undefined;
  }

  /** True once the armed fault struck. */
  get fired(): boolean {
    return this.struck;
  }

  get powerCut(): boolean {
    return this.dead;
  }

  readFile(path: string): Buffer {
    this.alive();
    return this.base.readFile(path);
  }

  create(path: string): number {
    return this.mutate('create', path, () => {
      const fd = this.base.create(path);
      this.fdPaths.set(fd, path);
      if (!this.unflushed.has(path)) this.unflushed.set(path, Buffer.alloc(0));
      return fd;
    });
  }

  openExisting(path: string): number {
    return this.mutate('openExisting', path, () => {
      const before = this.base.readFile(path);
      const fd = this.base.openExisting(path);
      this.fdPaths.set(fd, path);
      if (!this.unflushed.has(path)) this.unflushed.set(path, before);
      return fd;
    });
  }

  write(fd: number, data: Uint8Array, position: number): number {
    const path = this.fdPaths.get(fd) ?? `fd ${fd}`;
    return this.mutate('write', path, () => this.base.write(fd, data, position), (kind) => {
      const half = data.length >> 1;
      this.base.write(fd, data.subarray(0, half), position);
      // A short write means the disk filled up: the next writes fail as on a real full disk.
      this.sticky = { code: 'ENOSPC', calls: ['create', 'write'] };
      return kind === 'torn-write' ? data.length : half;
    });
  }

  fsync(fd: number): void {
    const path = this.fdPaths.get(fd) ?? `fd ${fd}`;
    this.mutate('fsync', path, () => {
      this.base.fsync(fd);
      this.unflushed.delete(path);
    });
  }

  close(fd: number): void {
    this.alive();
    this.fdPaths.delete(fd);
    this.base.close(fd);
  }

  rename(from: string, to: string): void {
    this.mutate('rename', `${from} -> ${to}`, () => {
      this.base.rename(from, to);
      const pending = this.unflushed.get(from);
      this.unflushed.delete(from);
      if (pending) this.unflushed.set(to, pending);
    });
  }

  unlink(path: string): void {
    this.mutate('unlink', path, () => {
      this.base.unlink(path);
      this.unflushed.delete(path);
    });
  }

  fsyncDir(dir: string): void {
    this.mutate('fsyncDir', dir, () => this.base.fsyncDir(dir));
  }

  list(dir: string): string[] {
    this.alive();
    return this.base.list(dir);
  }

  mkdirp(dir: string): void {
    this.alive();
    if (this.sticky?.code === 'EROFS') throw osError('EROFS', 'mkdir', dir);
    this.base.mkdirp(dir);
  }

  size(path: string): number {
    this.alive();
    return this.base.size(path);
  }

  isFile(path: string): boolean {
    this.alive();
    return this.base.isFile(path);
  }

  private alive(): void {
    if (this.dead) throw new PowerCut('the power is off');
  }

  /** One mutating call: performed, or struck by the armed fault or a sticky error. */
  private mutate<T>(call: FlashCall, path: string, perform: () => T, shorten?: (kind: FaultKind) => T): T {
    this.alive();
    this.calls.push(`${call} ${path}`);
    if (this.sticky?.calls.includes(call)) throw osError(this.sticky.code, call, path);
    const fault = this.fault;
    if (!fault || this.struck || !applies(fault, call, path)) return perform();
    if (this.seen++ !== fault.at) return perform();
    this.struck = true;
    switch (fault.kind) {
      case 'power-cut': {
        perform();
        this.cutPower();
        throw new PowerCut(`power cut after ${call} ${path}`);
      }
      case 'short-write':
      case 'torn-write':
        return shorten!(fault.kind);
      case 'ENOSPC':
        this.sticky = { code: 'ENOSPC', calls: ['create', 'write'] };
        throw osError('ENOSPC', call, path);
      case 'EROFS':
        this.sticky = { code: 'EROFS', calls: FLASH_CALLS };
        throw osError('EROFS', call, path);
      case 'EIO':
      case 'EMFILE':
        throw osError(fault.kind, call, path);
    }
  }

  private cutPower(): void {
    this.dead = true;
    for (const [path, content] of this.unflushed) {
      if (this.base.isFile(path)) writeFileSync(path, content);
    }
    this.unflushed.clear();
    for (const fd of this.fdPaths.keys()) {
      try {
        this.base.close(fd);
      } catch {
        // already closed by the code that died
      }
    }
    this.fdPaths.clear();
  }
}
