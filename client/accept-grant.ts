// Storing the bond an owner granted this phone by its keys (ToySession.addMember on the owner's
// side): one check for every phone, in range (ToyClient) or far away (the CLI's relay commands).
import type { Bond } from '../pairing/bond';
import { isPairingError } from '../pairing/errors';
import { bondFromGrant, parseGrant } from '../pairing/grant';
import { ToyClientError } from './errors';
import type { PhoneStore } from './phone-store';

/** Parses `grant`, stores its bond in `store` and returns it; a malformed grant is BAD_INPUT. */
export function acceptGrant(store: PhoneStore, grant: string, now: number): Bond {
  let parsed;
  try {
    parsed = parseGrant(grant);
  } catch (error) {
    if (isPairingError(error)) throw new ToyClientError('BAD_INPUT', `not a membership grant: ${error.message}`, { cause: error });
    throw error;
  }
  const bond = bondFromGrant(parsed, now);
  store.bonds.put(bond);
  return bond;
}
