// The storage fault matrix (docs/STORAGE.md): every flash operation, struck at every call it makes
// (open, write, fsync, rename, unlink, directory flush) by every fault kind: a power cut after the
// call, a short write, a torn write (short but claiming the full count), ENOSPC, EROFS, EIO and
// EMFILE. After a power cut the flash mounts again with the old or the new state and nothing in
// between: no zero-filled or partial record, no leftover, an interrupted reset finished, nothing
// erased still on the disk. After an OS error the operation fails with a typed FlashError (or
// succeeds when the failing step was one it can live without), the old record stands, and the
// flash works again once the disk does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Flash, FlashError, isStorageFailure } from '../../firmware-sim/flash';
import { FAULT_KINDS, type FaultKind, FaultyFlashIO, PowerCut } from '../../firmware-sim/flash-faults';
import { RESET_MARK, ToyStorage } from '../../firmware-sim/toy-storage';
import { encodeBonds } from '../../pairing/records';
import { faultPoints, holds, inFreshDir, leftovers } from './fault-points';

const IDENTITY = Buffer.from('identity: the toy keys');
const OLD_BONDS = encodeBonds([]);
const NEW_BONDS = Buffer.from(`${Buffer.from(OLD_BONDS).toString()} `); // decodes too: JSON with a trailing space
const MESSAGE = Buffer.from('sealed voice message from the parent '.repeat(40));
const RECORDING = Buffer.from('sealed recording of the child '.repeat(60));
const NEW_MESSAGE = Buffer.from('a new message arriving '.repeat(50));
const LEFTOVER = Buffer.from('half of a message that never committed');
const CORRUPT = Buffer.from('PLF1 a record whose checksum is wrong, with the child voice');

/** The toy's records before each operation. */
function prepare(dir: string): void {
  const flash = Flash.mount(dir);
  flash.write('identity', IDENTITY);
  flash.write('bonds', OLD_BONDS);
  flash.write('messages/aa', MESSAGE);
  flash.write('recordings/bb', RECORDING);
}

/** Before a boot: what a power cut leaves (a temporary file, a tombstone) and a damaged record. */
function prepareLeftovers(dir: string): void {
  prepare(dir);
  writeFileSync(join(dir, 'messages', 'cc.tmp'), LEFTOVER);
  writeFileSync(join(dir, 'recordings', 'dd.erasing'), LEFTOVER);
  writeFileSync(join(dir, 'recordings', 'ee'), CORRUPT);
}

function prepareInterruptedReset(dir: string): void {
  prepare(dir);
  Flash.mount(dir).write(RESET_MARK, Buffer.from('confirmed'));
}

interface Operation {
  readonly name: string;
  readonly prepare: (dir: string) => void;
  /** Runs the operation on `io`; `arm` is called just before the calls that count. */
  readonly run: (dir: string, io: FaultyFlashIO, arm: () => void) => void;
  /** True when the operation's writes of temporary files are wipes of leftovers, not commits. */
  readonly wipesTemps?: boolean;
  /** What must hold after the flash mounts again on a healthy disk. */
  readonly check: (dir: string, flash: Flash) => void;
}

const mountOn = (dir: string, io: FaultyFlashIO): Flash => Flash.mount(dir, { io });
const one = <T>(values: readonly T[], actual: T): void => expect(values).toContainEqual(actual);

/** Reset is all or nothing: every erasable record as it was, or none left (and no byte of them). */
function checkResetAtomic(dir: string, flash: Flash): void {
  expect(flash.read('identity')).toEqual(IDENTITY);
  expect(flash.has(RESET_MARK)).toBe(false);
  const keys = flash.keys();
  if (keys.length === 1) {
    expect(keys).toEqual(['identity']);
    for (const secret of [MESSAGE, RECORDING]) expect(holds(dir, secret)).toBe(false);
  } else {
    expect(keys).toEqual(['bonds', 'identity', 'messages/aa', 'recordings/bb']);
    expect(flash.read('messages/aa')).toEqual(MESSAGE);
  }
}

const OPERATIONS: readonly Operation[] = [
  {
    name: 'write a new record',
    prepare,
    run: (dir, io, arm) => {
      const flash = mountOn(dir, io);
      arm();
      flash.write('messages/ff', NEW_MESSAGE);
    },
    check: (_dir, flash) => {
      one([undefined, NEW_MESSAGE], flash.read('messages/ff'));
      expect(flash.read('messages/aa')).toEqual(MESSAGE);
    },
  },
  {
    name: 'replace a record',
    prepare,
    run: (dir, io, arm) => {
      const flash = mountOn(dir, io);
      arm();
      flash.write('bonds', NEW_BONDS);
    },
    check: (_dir, flash) => one([Buffer.from(OLD_BONDS), NEW_BONDS], flash.read('bonds')),
  },
  {
    name: 'erase a record',
    prepare,
    run: (dir, io, arm) => {
      const flash = mountOn(dir, io);
      arm();
      flash.erase('recordings/bb');
    },
    check: (dir, flash) => {
      const left = flash.read('recordings/bb');
      one([undefined, RECORDING], left);
      if (left === undefined) expect(holds(dir, RECORDING)).toBe(false);
      expect(flash.read('messages/aa')).toEqual(MESSAGE);
    },
  },
  {
    name: 'factory reset',
    prepare,
    run: (dir, io, arm) => {
      const storage = new ToyStorage(mountOn(dir, io));
      arm();
      storage.factoryReset();
    },
    check: checkResetAtomic,
  },
  {
    name: 'boot finishing an interrupted reset',
    prepare: prepareInterruptedReset,
    run: (dir, io, arm) => {
      arm();
      void new ToyStorage(mountOn(dir, io));
    },
    check: (dir, flash) => {
      // The mark was down: whatever the cut, the reset is finished once the toy boots.
      expect(flash.keys()).toEqual(['identity']);
      for (const secret of [MESSAGE, RECORDING]) expect(holds(dir, secret)).toBe(false);
    },
  },
  {
    name: 'boot wiping leftovers and quarantining',
    prepare: prepareLeftovers,
    wipesTemps: true,
    run: (dir, io, arm) => {
      arm();
      mountOn(dir, io);
    },
    check: (dir, flash) => {
      expect(holds(dir, LEFTOVER)).toBe(false);
      expect(flash.keys('recordings/')).toEqual(['recordings/bb']);
      expect(flash.keys('quarantine/')).toEqual(['quarantine/recordings_ee-1']);
      expect(flash.read('messages/aa')).toEqual(MESSAGE);
    },
  },
];

/** Mounts as the toy's next boot does, and checks what every boot must give. */
function reboot(dir: string): Flash {
  const storage = new ToyStorage(Flash.mount(dir));
  expect(leftovers(dir)).toEqual([]);
  // Never a zero-filled or partial record under a record's name: nothing new fails its check.
  expect(storage.flash.quarantined.filter((q) => q.key !== 'recordings/ee')).toEqual([]);
  return storage.flash;
}

const ERRORS_FOR: Record<Exclude<FaultKind, 'power-cut'>, readonly string[]> = {
  'short-write': ['SHORT_WRITE'],
  'torn-write': ['SHORT_WRITE'],
  ENOSPC: ['DISK_FULL'],
  EROFS: ['READ_ONLY'],
  EIO: ['IO_ERROR'],
  EMFILE: ['TOO_MANY_FILES'],
};

describe('the storage fault matrix: flash operations', () => {
  describe.each(OPERATIONS.map((op) => [op.name, op] as const))('%s', (_name, op) => {
    it.each(FAULT_KINDS.map((kind) => [kind]))('survives %s at every call', async (kind) => {
      const points = await faultPoints(kind, op.prepare, op.run);
      expect(points.length).toBeGreaterThan(0);
      for (let at = 0; at < points.length; at++) {
        await inFreshDir((dir) => {
          op.prepare(dir);
          const io = new FaultyFlashIO();
          let thrown: unknown;
          try {
            op.run(dir, io, () => io.arm({ kind, at }));
          } catch (error) {
            thrown = error;
          }
          const where = `${kind} at call ${at} (${points[at]})`;
          expect([where, io.fired]).toEqual([where, true]);
          if (kind === 'power-cut') {
            expect([where, thrown]).toEqual([where, expect.any(PowerCut)]);
          } else if (thrown !== undefined) {
            // A typed outcome, never a raw OS error or a crash.
            expect([where, thrown instanceof FlashError && isStorageFailure(thrown)]).toEqual([where, true]);
            expect([where, ERRORS_FOR[kind]]).toEqual([where, expect.arrayContaining([(thrown as FlashError).code])]);
          }
          if (kind === 'short-write' || kind === 'torn-write') {
            // A short write is an error, never a record (wipes may carry on: their record is gone already).
            if (points[at]!.includes('.tmp') && !op.wipesTemps) expect([where, thrown]).toEqual([where, expect.any(FlashError)]);
          }
          op.check(dir, reboot(dir));
        });
      }
    });
  });
});

describe('after a storage error, the flash carries on', () => {
  it('a write that failed with EROFS leaves the old record, and the same flash writes again once the disk is back', () => {
    return inFreshDir((dir) => {
      prepare(dir);
      const io = new FaultyFlashIO();
      const flash = Flash.mount(dir, { io });
      io.arm({ kind: 'EROFS', at: 0 });
      expect(() => flash.write('bonds', NEW_BONDS)).toThrow(expect.objectContaining({ code: 'READ_ONLY', errno: 'EROFS' }));
      expect(flash.lastFailure?.code).toBe('READ_ONLY');
      expect(flash.read('bonds')).toEqual(Buffer.from(OLD_BONDS));
      io.heal();
      flash.write('bonds', NEW_BONDS);
      expect(flash.lastFailure).toBeUndefined();
      expect(Flash.mount(dir).read('bonds')).toEqual(NEW_BONDS);
    });
  });

  it('mounts a read-only disk with leftovers: serves what is stored and says it is degraded', () => {
    return inFreshDir((dir) => {
      prepareLeftovers(dir);
      const io = new FaultyFlashIO().arm({ kind: 'EROFS', at: 0 });
      const flash = Flash.mount(dir, { io });
      expect(flash.lastFailure?.code).toBe('READ_ONLY');
      expect(flash.read('messages/aa')).toEqual(MESSAGE);
      // The damaged record could not be moved, but it is out of view all the same.
      expect(flash.keys('recordings/')).toEqual(['recordings/bb']);
      expect(flash.quarantined).toEqual([expect.objectContaining({ key: 'recordings/ee', movedTo: undefined })]);
    });
  });

  it('boots on a read-only disk with a reset mark: nothing the reset erases is used, and a writable boot finishes it', () => {
    return inFreshDir((dir) => {
      prepareInterruptedReset(dir);
      const storage = new ToyStorage(Flash.mount(dir, { io: new FaultyFlashIO().arm({ kind: 'EROFS', at: 0 }) }));
      expect(storage.resetUnfinished).toBeInstanceOf(FlashError);
      expect(storage.flash.keys()).toEqual(['identity']);
      expect(storage.bonds.list()).toEqual([]);
      expect(storage.listVoice('messages')).toEqual([]);
      const healthy = reboot(dir);
      expect(healthy.keys()).toEqual(['identity']);
      expect(holds(dir, MESSAGE)).toBe(false);
    });
  });
});
