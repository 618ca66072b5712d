// The in-memory file operations under the flash: the real Flash code on top behaves as on a disk
// (records survive a remount, erases and damage are handled the same), and the whole disk can be
// captured and compared, which is what a harness reusing one toy relies on.
import { Flash } from '../../firmware-sim/flash';
import { FaultyFlashIO, PowerCut } from '../../firmware-sim/flash-faults';
import { MemoryFlashIO } from '../../firmware-sim/memory-flash-io';

const DIR = '/toy/flash';

describe('the flash on in-memory file operations', () => {
  it('keeps records across a remount on the same memory, and forgets erased ones', () => {
    const io = new MemoryFlashIO();
    const flash = Flash.mount(DIR, { io });
    flash.write('bonds', Buffer.from('two bonds'));
    flash.write('recordings/0001', Buffer.alloc(1000, 1));
    flash.write('recordings/0002', Buffer.alloc(10, 2));
    flash.erase('recordings/0002');
    const again = Flash.mount(DIR, { io });
    expect(again.keys()).toEqual(['bonds', 'recordings/0001']);
    expect(again.read('bonds')).toEqual(Buffer.from('two bonds'));
    expect(again.read('recordings/0001')).toEqual(Buffer.alloc(1000, 1));
    expect(Flash.mount(DIR, { io: new MemoryFlashIO() }).keys()).toEqual([]);
  });

  it('quarantines a damaged record at mount, as on a disk', () => {
    const io = new MemoryFlashIO();
    Flash.mount(DIR, { io }).write('identity', Buffer.from('secret keys'));
    const path = `${DIR}/identity`;
    const bytes = io.readFile(path);
    bytes[bytes.length - 1]! ^= 1;
    const fd = io.openExisting(path);
    io.write(fd, bytes, 0);
    io.close(fd);
    const again = Flash.mount(DIR, { io });
    expect(again.read('identity')).toBeUndefined();
    expect(again.quarantined.map((q) => q.key)).toEqual(['identity']);
  });

  it('answers missing files and folders with the errors a disk gives', () => {
    const io = new MemoryFlashIO();
    expect(() => io.readFile('/nowhere')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => io.create('/no/folder/file')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => io.write(99, Buffer.from('x'), 0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(io.list('/nowhere')).toEqual([]);
  });

  it('captures the disk as an image: unchanged bytes compare equal, any write shows', () => {
    const io = new MemoryFlashIO();
    const flash = Flash.mount(DIR, { io });
    flash.write('policy', Buffer.from('p1'));
    const image = io.image();
    const generation = io.generation;
    expect(io.holds(image)).toBe(true);
    flash.write('policy', Buffer.from('p1'));
    expect(io.generation).toBeGreaterThan(generation);
    expect(io.holds(image)).toBe(true);
    flash.write('policy', Buffer.from('p2'));
    expect(io.holds(image)).toBe(false);
    flash.write('policy', Buffer.from('p1'));
    flash.write('settings', Buffer.from('s'));
    expect(io.holds(image)).toBe(false);
  });

  it('sits under the fault injector like the real file operations', () => {
    const io = new MemoryFlashIO();
    const flash = Flash.mount(DIR, { io });
    flash.write('bonds', Buffer.from('old'));
    const faulty = new FaultyFlashIO(io).arm({ kind: 'power-cut', at: 0 });
    expect(() => Flash.mount(DIR, { io: faulty }).write('bonds', Buffer.from('new'))).toThrow(PowerCut);
    expect(Flash.mount(DIR, { io }).read('bonds')).toEqual(Buffer.from('old'));
  });
});
