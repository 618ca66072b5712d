// Physical recovery: whoever holds the toy can take it back with no phone at all, by holding the
// paw down through power-on for RECOVERY_HOLD_MS. It is the way out when the owner's phone is
// stolen or lost, or a stranger won the race to pair first: bonds, recordings, messages, the
// replay guard and the lockout state are erased for good and the toy makes new keys (same toy id,
// tag code and attestation key, so the tag still pairs the next owner). The same new keys finish
// a factory reset that a power cut interrupted (toy-storage.ts finishes its erase), and the same
// reset upgrades a toy whose flash was written before protocol 3: its one X25519 key served both
// Noise and envelopes, and its bonds lack the phones' envelope keys, so it starts afresh with three
// new role keys and no bonds, keeping its id, tag code and attestation key (the tag still pairs).
import { rotateToyKeys } from '../pairing/identity';
import type { Sodium } from '../pairing/sodium';
import { isStorageFailure } from './flash';
import type { ToyStorage } from './toy-storage';

/** How long the paw must be held through power-on: long enough that no squeeze or fall does it. */
export const RECOVERY_HOLD_MS = 10_000;

/** What the resets at power-on did. */
export interface BootResets {
  /** The paw was held long enough: everything was erased and new keys made. */
  readonly recovered: boolean;
  /** The flash was written before protocol 3: everything was erased and new keys made. */
  readonly upgraded?: boolean;
  /** Why new keys owed by a reset could not be saved (a full or read-only disk); a later boot makes them. */
  readonly keysKept?: Error;
}

/**
 * Runs the resets owed at power-on: physical recovery if the paw was held, and new keys for a
 * factory reset a power cut interrupted (whose keys may not have reached the flash).
 */
export function bootResets(sodium: Sodium, storage: ToyStorage, pawHeldMs: number): BootResets {
  try {
    if (recoverIfPawHeld(sodium, storage, pawHeldMs)) return { recovered: true };
    if (storage.loadLegacyIdentity()) {
      resetWithNewKeys(sodium, storage);
      return { recovered: false, upgraded: true };
    }
    if (storage.resumedReset && !storage.resetUnfinished) rotateStoredKeys(sodium, storage);
    return { recovered: false };
  } catch (error) {
    if (!isStorageFailure(error)) throw error;
    return { recovered: false, keysKept: error as Error };
  }
}

/** Recovers the toy in `storage` if the paw was held long enough; true if it did. */
function recoverIfPawHeld(sodium: Sodium, storage: ToyStorage, pawHeldMs: number): boolean {
  if (!(pawHeldMs >= RECOVERY_HOLD_MS)) return false;
  resetWithNewKeys(sodium, storage);
  return true;
}

function resetWithNewKeys(sodium: Sodium, storage: ToyStorage): void {
  // The reset's mark first: a power cut from here on is finished at the next boot, keys included.
  storage.beginReset();
  rotateStoredKeys(sodium, storage);
  storage.finishReset();
}

function rotateStoredKeys(sodium: Sodium, storage: ToyStorage): void {
  const identity = storage.loadLegacyIdentity() ?? storage.loadIdentity();
  if (identity) storage.saveIdentity(rotateToyKeys(sodium, identity));
}
