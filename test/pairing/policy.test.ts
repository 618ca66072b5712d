// The pairing policy as pure logic: window, strikes, growing lockouts, power cycles, and a
// persisted form that decodes back exactly (and rejects anything else with a typed error).
import fc from 'fast-check';
import { u64le } from '../../pairing/bytes';
import {
  DEFAULT_POLICY,
  INITIAL_POLICY,
  type PolicyState,
  afterPowerCycle,
  decodePolicy,
  encodePolicy,
  pairingStatus,
  pawPress,
  recordSuccess,
  recordWrongCode,
} from '../../pairing/policy';
import { errorCode, returnsOrPairingError } from './helpers';

function wrong(state: PolicyState, now: number, times: number): PolicyState {
  for (let i = 0; i < times; i++) state = recordWrongCode(state, now);
  return state;
}

describe('pairing policy', () => {
  it('is closed until a paw press, then open for 120 s by default', () => {
    expect(pairingStatus(INITIAL_POLICY, 0)).toEqual({ open: false, reason: 'WINDOW_CLOSED' });
    const open = pawPress(INITIAL_POLICY, 1_000);
    expect(pairingStatus(open, 1_000)).toEqual({ open: true, closesInMs: DEFAULT_POLICY.windowMs });
    expect(pairingStatus(open, 1_000 + 119_999).open).toBe(true);
    expect(pairingStatus(open, 1_000 + 120_000)).toEqual({ open: false, reason: 'WINDOW_CLOSED' });
  });

  it('closes the window at the third wrong code and locks out for a minute', () => {
    const two = wrong(pawPress(INITIAL_POLICY, 0), 5, 2);
    expect(pairingStatus(two, 5).open).toBe(true);
    const three = recordWrongCode(two, 6);
    expect(pairingStatus(three, 6)).toEqual({ open: false, reason: 'LOCKED_OUT', retryAfterMs: 60_000 });
    expect(pawPress(three, 30_000)).toBe(three);
    expect(pairingStatus(three, 60_006)).toEqual({ open: false, reason: 'WINDOW_CLOSED' });
  });

  it('doubles each lockout up to a day, and a success forgives everything', () => {
    let state = INITIAL_POLICY;
    let now = 0;
    const lengths: number[] = [];
    for (let round = 0; round < 13; round++) {
      state = wrong(pawPress(state, now), now, 3);
      const status = pairingStatus(state, now);
      if (status.open || status.reason !== 'LOCKED_OUT') throw new Error('expected a lockout');
      lengths.push(status.retryAfterMs);
      now += status.retryAfterMs;
    }
    expect(lengths.slice(0, 4)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(Math.max(...lengths)).toBe(DEFAULT_POLICY.lockoutMaxMs);
    expect(recordSuccess(state, now)).toEqual(INITIAL_POLICY);
  });

  it('does not let a power cycle reset strikes, lockouts or a running lockout', () => {
    const locked = wrong(pawPress(INITIAL_POLICY, 0), 1, 3);
    const rebooted = afterPowerCycle(decodePolicy(encodePolicy(locked)), 0);
    expect(pairingStatus(rebooted, 59_999)).toMatchObject({ reason: 'LOCKED_OUT' });
    const twoStrikes = afterPowerCycle(wrong(pawPress(INITIAL_POLICY, 0), 1, 2), 0);
    expect(twoStrikes).toMatchObject({ windowUntil: null, strikes: 2 });
    expect(pairingStatus(recordWrongCode(pawPress(twoStrikes, 1), 2), 2)).toMatchObject({ reason: 'LOCKED_OUT' });
  });

  it('keeps a running lockout\'s remaining time across a power cycle, and an expired lockout expired', () => {
    const locked = wrong(pawPress(INITIAL_POLICY, 0), 1, 3); // locked from t=1 to t=60_001
    const midway = afterPowerCycle(decodePolicy(encodePolicy(locked)), 30_001);
    expect(pairingStatus(midway, 30_001)).toEqual({ open: false, reason: 'LOCKED_OUT', retryAfterMs: 30_000 });
    const after = afterPowerCycle(decodePolicy(encodePolicy(locked)), 60_001);
    expect(after.lockedUntil).toBeNull();
    // Boot after boot, the expired lockout does not come back; the strike history stays.
    const again = afterPowerCycle(after, 120_000);
    expect(pairingStatus(pawPress(again, 120_000), 120_000)).toMatchObject({ open: true });
    expect(again.lockouts).toBe(1);
    // A clock set back never makes a lockout longer than it was.
    const clockBack = afterPowerCycle(locked, 0);
    expect(pairingStatus(clockBack, 0)).toMatchObject({ reason: 'LOCKED_OUT', retryAfterMs: 60_000 });
  });

  it('forgives one past lockout per quiet day, but none to a guesser who keeps at it', () => {
    const DAY = DEFAULT_POLICY.lockoutDecayMs;
    let state = INITIAL_POLICY;
    let now = 0;
    for (let round = 0; round < 12; round++) {
      state = wrong(pawPress(state, now), now, 3);
      now = state.lockedUntil!;
    }
    // Guessing again the moment each lockout ends: still a day each, the count keeps growing.
    expect(state.lockouts).toBe(12);
    expect(recordWrongCode(wrong(pawPress(state, now), now, 2), now)).toMatchObject({ lockouts: 13, lockedUntil: now + DEFAULT_POLICY.lockoutMaxMs });

    // The stranger left; a day after the last lockout ended, one is forgiven; twelve days, all.
    const dayLater = now + DAY;
    expect(recordWrongCode(pawPress(state, dayLater), dayLater)).toMatchObject({ lockouts: 11, strikes: 1 });
    const later = now + 12 * DAY + 1;
    const fresh = wrong(pawPress(state, later), later, 3);
    expect(fresh).toMatchObject({ lockouts: 1, lockedUntil: later + DEFAULT_POLICY.lockoutBaseMs });
    // A day not yet over forgives nothing.
    expect(recordWrongCode(pawPress(state, now + DAY - 1), now + DAY - 1).lockouts).toBe(12);
    // The quiet time survives a power cycle and the clock being set back does not stretch it.
    expect(afterPowerCycle(decodePolicy(encodePolicy(state)), now + DAY).quietSince).toBe(now);
    expect(afterPowerCycle(state, 0).quietSince).toBeLessThanOrEqual(DEFAULT_POLICY.lockoutMaxMs);
  });

  it('reads a record written before decay (format 1), whose quiet time starts at the next boot', () => {
    const at = (t: number) => [...u64le(BigInt(t))];
    // format 1, a lockout flag, no window, 0 strikes, 4 lockouts, locked until 500_000
    const old = Uint8Array.of(1, 2, ...at(0), 0, 4, ...at(500_000));
    const decoded = decodePolicy(old);
    expect(decoded).toEqual({ windowUntil: null, strikes: 0, lockouts: 4, lockedUntil: 500_000, quietSince: null });
    expect(afterPowerCycle(decoded, 400_000)).toMatchObject({ lockedUntil: 500_000, quietSince: 500_000 });
    expect(afterPowerCycle(decoded, 900_000)).toMatchObject({ lockedUntil: null, quietSince: 900_000 });
    expect(afterPowerCycle(decodePolicy(Uint8Array.of(1, 0, ...at(0), 0, 0, ...at(0))), 5).quietSince).toBeNull();
    // Once written again it is format 2, and reads back the same.
    const rewritten = encodePolicy(afterPowerCycle(decoded, 900_000));
    expect(rewritten[0]).toBe(2);
    expect(decodePolicy(rewritten)).toMatchObject({ lockouts: 4, quietSince: 900_000 });
    expect(errorCode(() => decodePolicy(Uint8Array.of(1, 4, ...at(0), 0, 0, ...at(0))))).toBe('MALFORMED');
  });

  it('property: the persisted form round-trips', () => {
    const time = fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { nil: null });
    const state = fc.record({ windowUntil: time, strikes: fc.nat(255), lockouts: fc.nat(255), lockedUntil: time, quietSince: time });
    fc.assert(fc.property(state, (s) => expect(decodePolicy(encodePolicy(s))).toEqual(s)), { numRuns: 200 });
  });

  it('property: arbitrary bytes decode or give a PairingError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (bytes) => returnsOrPairingError(() => decodePolicy(bytes))),
      { numRuns: 300 },
    );
  });

  it('refuses a time that is not a finite non-negative number', () => {
    expect(errorCode(() => pairingStatus(INITIAL_POLICY, Number.NaN))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => pawPress(INITIAL_POLICY, -1))).toBe('INVALID_ARGUMENT');
  });
});
