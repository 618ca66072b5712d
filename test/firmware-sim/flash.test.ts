// The toy's flash: fixed capacity, records that survive a remount, a clear error when full, and
// crash consistency: a power cut between any two file operations leaves the old or the new record.
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flash, FlashError, PAGE_BYTES } from '../../firmware-sim/flash';
import { FaultyFlashIO, PowerCut } from '../../firmware-sim/flash-faults';

/** Real file operations that lose power after `budget` mutating calls. */
function cutAfter(budget: number): FaultyFlashIO {
  return new FaultyFlashIO().arm({ kind: 'power-cut', at: budget });
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

  it('quarantines a damaged record at mount: moved aside, reported, never read as other data', () => {
    const flash = Flash.mount(dir);
    flash.write('identity', Buffer.from('secret keys'));
    flash.write('bonds', Buffer.from('two bonds'));
    const file = join(dir, 'identity');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(file, bytes);
    const again = Flash.mount(dir);
    expect(again.read('identity')).toBeUndefined();
    expect(again.quarantined).toEqual([{ key: 'identity', movedTo: 'quarantine/identity-1', reason: 'fails its checksum' }]);
    expect(readFileSync(join(dir, 'quarantine', 'identity-1'))).toEqual(bytes);
    expect(again.read('bonds')).toEqual(Buffer.from('two bonds'));
    // Once aside, it stays aside: the next mount finds nothing new to quarantine.
    expect(Flash.mount(dir).quarantined).toEqual([]);
  });

  it('quarantines a record that goes bad after mounting when it is read', () => {
    const flash = Flash.mount(dir);
    flash.write('recordings/0001', Buffer.from('hello'));
    writeFileSync(join(dir, 'recordings', '0001'), Buffer.alloc(80));
    const told: string[] = [];
    flash.onQuarantine = (record) => told.push(`${record.key}: ${record.reason}`);
    expect(flash.read('recordings/0001')).toBeUndefined();
    expect(told).toEqual(['recordings/0001: no valid header']);
    expect(flash.keys('recordings/')).toEqual([]);
    expect(flash.keys('quarantine/')).toEqual(['quarantine/recordings_0001-1']);
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
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 600 }), fc.nat({ max: 8 }), (before, after, budget) => {
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
          expect(rebooted.quarantined).toEqual([]);
          expect(readdirSync(d).filter((n) => n.endsWith('.tmp'))).toEqual([]);
        } finally {
          rmSync(d, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  });
});
