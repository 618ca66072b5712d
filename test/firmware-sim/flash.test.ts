// The toy's flash: fixed capacity, records that survive a remount, a clear error when full, and
// crash consistency: a power cut between any two file operations leaves the old or the new record.
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flash, FlashError, PAGE_BYTES } from '../../firmware-sim/flash';
import { FlashIO, nodeFlashIO } from '../../firmware-sim/flash-io';

class PowerCut extends Error {}

/** Real file operations that lose power after `budget` mutating operations. */
function cutAfter(budget: number): FlashIO {
  let left = budget;
  const spend = (): void => {
    if (left-- <= 0) throw new PowerCut('power cut');
  };
  return {
    ...nodeFlashIO,
    writeFileDurable: (path, data) => {
      spend();
      nodeFlashIO.writeFileDurable(path, data);
    },
    renameDurable: (from, to, dir) => {
      spend();
      nodeFlashIO.renameDurable(from, to, dir);
    },
    unlink: (path) => {
      spend();
      nodeFlashIO.unlink(path);
    },
  };
}

describe('the toy flash', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plushlink-flash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps records across a remount and accounts them in whole pages', () => {
    const flash = Flash.mount(dir, { capacityBytes: 64 * 1024 });
    flash.write('bonds', Buffer.from('two bonds'));
    flash.write('recordings/0001', Buffer.alloc(1000, 1));
    const again = Flash.mount(dir, { capacityBytes: 64 * 1024 });
    expect(again.read('bonds')).toEqual(Buffer.from('two bonds'));
    expect(again.read('recordings/0001')).toEqual(Buffer.alloc(1000, 1));
    expect(again.keys('recordings/')).toEqual(['recordings/0001']);
    expect(again.usage().usedBytes % PAGE_BYTES).toBe(0);
    expect(again.usage().usedBytes).toBeGreaterThanOrEqual(1000 + 9);
    expect(again.read('missing')).toBeUndefined();
  });

  it('refuses a write that does not fit with FLASH_FULL and keeps what was stored', () => {
    const flash = Flash.mount(dir, { capacityBytes: 8 * PAGE_BYTES });
    flash.write('messages/a', Buffer.alloc(4 * PAGE_BYTES - 100, 2));
    let error: unknown;
    try {
      flash.write('messages/b', Buffer.alloc(5 * PAGE_BYTES, 3));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlashError);
    expect((error as FlashError).code).toBe('FLASH_FULL');
    expect((error as FlashError).message).toMatch(/messages\/b.*free of 2048/);
    expect(flash.keys()).toEqual(['messages/a']);
    expect(Flash.mount(dir, { capacityBytes: 8 * PAGE_BYTES }).read('messages/a')).toEqual(Buffer.alloc(4 * PAGE_BYTES - 100, 2));
    // Replacing a record only needs room for the difference.
    flash.write('messages/a', Buffer.alloc(7 * PAGE_BYTES, 4));
    expect(flash.usage().freeBytes).toBe(0);
  });

  it('reads a damaged record as CORRUPT_RECORD, never as other data', () => {
    const flash = Flash.mount(dir);
    flash.write('identity', Buffer.from('secret keys'));
    const file = join(dir, 'identity');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(file, bytes);
    expect(() => Flash.mount(dir).read('identity')).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD' }));
  });

  it('rejects keys that could leave its directory', () => {
    const flash = Flash.mount(dir);
    for (const key of ['../escape', '/abs', 'a//b', 'UPPER', '']) {
      expect(() => flash.write(key, Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'BAD_KEY' }));
    }
  });

  it('erases for good: no byte of an erased record is left in the directory', () => {
    const flash = Flash.mount(dir);
    flash.write('recordings/0001', Buffer.from('the child said hello'));
    flash.eraseAll('recordings/');
    expect(flash.keys()).toEqual([]);
    const leftovers = readdirSync(dir, { recursive: true }) as string[];
    for (const name of leftovers) {
      const path = join(dir, name);
      if (statSync(path).isFile()) expect(readFileSync(path).includes('hello')).toBe(false);
    }
  });

  it('leaves the old or the new record after a power cut at any step of a write', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 600 }), fc.nat({ max: 4 }), (before, after, budget) => {
        const d = mkdtempSync(join(tmpdir(), 'plushlink-cut-'));
        try {
          Flash.mount(d).write('bonds', before);
          const dying = Flash.mount(d, { io: cutAfter(budget) });
          try {
            dying.write('bonds', after);
          } catch (e) {
            if (!(e instanceof PowerCut)) throw e;
          }
          const rebooted = Flash.mount(d);
          const survived = rebooted.read('bonds')!;
          expect([Buffer.from(before).toString('hex'), Buffer.from(after).toString('hex')]).toContain(survived.toString('hex'));
          expect(readdirSync(d).filter((n) => n.endsWith('.tmp'))).toEqual([]);
        } finally {
          rmSync(d, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  });
});
