// Physical recovery: whoever holds the toy can take it back with no phone at all, by holding the
// paw down through power-on for RECOVERY_HOLD_MS. It is the way out when the owner's phone is
// stolen or lost, or a stranger won the race to pair first: bonds, recordings, messages, the
// replay guard and the lockout state are erased for good and the toy makes new keys (same toy id,
// tag code and attestation key, so the tag still pairs the next owner).
import { rotateToyKeys } from '../pairing/identity';
import type { Sodium } from '../pairing/sodium';
import type { ToyStorage } from './toy-storage';

/** How long the paw must be held through power-on: long enough that no squeeze or fall does it. */
export const RECOVERY_HOLD_MS = 10_000;

/** Recovers the toy in `storage` if the paw was held long enough; true if it did. */
export function recoverIfPawHeld(sodium: Sodium, storage: ToyStorage, pawHeldMs: number): boolean {
  if (!(pawHeldMs >= RECOVERY_HOLD_MS)) return false;
  const identity = storage.loadIdentity();
  storage.factoryReset();
  if (identity) storage.saveIdentity(rotateToyKeys(sodium, identity));
  return true;
}
