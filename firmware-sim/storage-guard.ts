// How the firmware lives with a failing disk: storage errors become outcomes (TOY_FULL or
// STORAGE_ERROR for the phone, a line in the log), never a fault that takes the toy off the air;
// the toy says when it runs degraded (full, read-only, failing) and reports every record that
// failed its check and was moved aside (quarantined), in its log, its status and an event.
import type { StorageHealth } from '../pairing/session-messages';
import type { Flash, FlashError, QuarantinedRecord } from './flash';
import { fromOsError } from './flash-error';

/** What a phone hears when storage stopped an action: a full toy, or a failing one. */
export type StorageOutcome = 'FLASH_FULL' | 'STORAGE_ERROR';

/** The outcome for an error from the flash or the OS, or undefined for anything else (a bug, a power cut). */
export function storageOutcome(error: unknown): StorageOutcome | undefined {
  const failure = fromOsError(error, 'storage');
  if (!failure || failure.code === 'BAD_KEY') return undefined;
  return failure.code === 'FLASH_FULL' || failure.code === 'DISK_FULL' ? 'FLASH_FULL' : 'STORAGE_ERROR';
}

export function healthOf(failure: FlashError | undefined): StorageHealth {
  if (!failure) return 'ok';
  if (failure.code === 'DISK_FULL') return 'full';
  if (failure.code === 'READ_ONLY') return 'read-only';
  return 'failing';
}

export class StorageGuard {
  constructor(
    private readonly flash: Flash,
    private readonly log: (line: string) => void,
    private readonly quarantined: (record: QuarantinedRecord & { readonly total: number }) => void,
  ) {
    flash.onQuarantine = (record) => this.reportQuarantine(record);
  }

  /** Runs a storage step the toy can live without; false (and a log line) if storage failed it. */
  attempt(what: string, step: () => void): boolean {
    try {
      step();
      return true;
    } catch (error) {
      if (!storageOutcome(error)) throw error;
      this.log(`storage: ${what} failed (${(error as Error).message}); the toy carries on`);
      return false;
    }
  }

  health(): StorageHealth {
    return healthOf(this.flash.lastFailure);
  }

  /** After boot: what the mount quarantined, and whether the toy runs degraded. */
  reportBoot(): void {
    for (const record of this.flash.quarantined) this.reportQuarantine(record);
    const failure = this.flash.lastFailure;
    if (failure) this.log(`storage degraded (${this.health()}): ${failure.message}; serving what is stored, new data may not be kept`);
  }

  private reportQuarantine(record: QuarantinedRecord): void {
    const where = record.movedTo ? `moved to ${record.movedTo}` : 'could not be moved, ignored';
    this.log(`storage: record "${record.key}" quarantined (${record.reason}), ${where}`);
    this.quarantined({ ...record, total: this.flash.quarantined.length });
  }
}
