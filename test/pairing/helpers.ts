// Shared by the pairing/ tests: libsodium once, hex literals, and a check that a call fails with
// a particular PairingError code (and with nothing else).
import { PairingError, type PairingErrorCode } from '../../pairing/errors';
import { sodiumReady, type Sodium } from '../../pairing/sodium';

export { fromHex as hex, toHex } from '../../pairing/bytes';

/** Resolves libsodium in a beforeAll and hands it to tests through the returned getter. */
export function useSodium(): () => Sodium {
  let sodium: Sodium | undefined;
  beforeAll(async () => {
    sodium = await sodiumReady();
  });
  return () => {
    if (sodium === undefined) throw new Error('libsodium not ready');
    return sodium;
  };
}

/** The PairingError code `fn` throws; fails the test if it throws anything else or nothing. */
export function errorCode(fn: () => unknown): PairingErrorCode {
  try {
    fn();
  } catch (error) {
    if (error instanceof PairingError) return error.code;
    throw new Error(`expected a PairingError, got ${String(error)}`);
  }
  throw new Error('expected a PairingError, nothing was thrown');
}

/** Passes if `fn` returns or throws a PairingError (one of `codes`, if given); fails on anything else. */
export function returnsOrPairingError(fn: () => unknown, codes?: readonly PairingErrorCode[]): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof PairingError)) throw new Error(`expected a PairingError, got ${String(error)}`);
    if (codes !== undefined) expect(codes).toContain(error.code);
  }
}
