// The flash's typed failures: the model's own (full, damaged record, bad key) and the operating
// system's storage errors turned into outcomes the firmware can answer with, so that ENOSPC or
// EROFS from the disk under the toy is a refusal the phone hears, never a crash.

export type FlashErrorCode =
  /** The toy's flash (its modelled capacity) cannot hold the record. */
  | 'FLASH_FULL'
  /** The disk under the flash is full (ENOSPC, EDQUOT). */
  | 'DISK_FULL'
  /** The disk under the flash is read-only (EROFS, EACCES, EPERM). */
  | 'READ_ONLY'
  /** The disk failed a read or a write (EIO and any other OS error). */
  | 'IO_ERROR'
  /** The process ran out of file descriptors (EMFILE, ENFILE). */
  | 'TOO_MANY_FILES'
  /** A write stored fewer bytes than it was given, or read back different bytes. */
  | 'SHORT_WRITE'
  | 'CORRUPT_RECORD'
  | 'BAD_KEY';

export class FlashError extends Error {
  override readonly name = 'FlashError';
  constructor(
    readonly code: FlashErrorCode,
    message: string,
    /** The OS error code behind it (ENOSPC...), when there was one. */
    readonly errno?: string,
  ) {
    super(message);
  }
}

/** Errors that mean "the storage under the toy failed", as opposed to "the toy's flash is full". */
export const STORAGE_FAILURES: readonly FlashErrorCode[] = ['DISK_FULL', 'READ_ONLY', 'IO_ERROR', 'TOO_MANY_FILES', 'SHORT_WRITE'];

/** True for every flash outcome that means the disk (not the caller) failed. */
export function isStorageFailure(error: unknown): error is FlashError {
  return error instanceof FlashError && STORAGE_FAILURES.includes(error.code);
}

/** True when nothing more fits: the flash's capacity or the disk under it. */
export function isFull(error: unknown): error is FlashError {
  return error instanceof FlashError && (error.code === 'FLASH_FULL' || error.code === 'DISK_FULL');
}

const BY_ERRNO: Readonly<Record<string, FlashErrorCode>> = {
  ENOSPC: 'DISK_FULL',
  EDQUOT: 'DISK_FULL',
  EROFS: 'READ_ONLY',
  EACCES: 'READ_ONLY',
  EPERM: 'READ_ONLY',
  EMFILE: 'TOO_MANY_FILES',
  ENFILE: 'TOO_MANY_FILES',
};

/**
 * An error from a file operation as a FlashError, or undefined when it is not an OS error (a
 * simulated power cut, a bug): those must travel on untouched.
 */
export function fromOsError(error: unknown, what: string): FlashError | undefined {
  if (error instanceof FlashError) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof errno !== 'string' || !/^E[A-Z0-9]+$/.test(errno)) return undefined;
  return new FlashError(BY_ERRNO[errno] ?? 'IO_ERROR', `${what}: ${errno}`, errno);
}

/** Runs one file operation, turning an OS error into a FlashError. */
export function osCall<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw fromOsError(error, what) ?? error;
  }
}
