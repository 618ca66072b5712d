// The toy's pairing policy as pure functions over a serialisable state. A paw press opens a
// pairing window (120 s by default); three wrong codes close it and start a lockout that doubles
// each time (1 min, 2, 4, ... up to a day) until a pairing succeeds, and each quiet day (no wrong
// code, no lockout) counts one past lockout less, so one stranger's bout does not punish the
// family for ever while a patient guesser gains little (docs/THREAT-MODEL.md). The state is small and the
// toy persists it on every change, so neither a lockout nor the strike count is undone by pulling
// the battery; across a power cycle a running lockout keeps its remaining time and an expired one
// stays expired (the time is an input: the toy's clock).
import { ByteReader, concat, u64le } from './bytes';
import { PairingError, checkTime } from './errors';

export interface PolicyConfig {
  readonly windowMs: number;
  readonly strikesPerLockout: number;
  readonly lockoutBaseMs: number;
  readonly lockoutMaxMs: number;
  /** Each full quiet period (no wrong code, no running lockout) forgives one past lockout. */
  readonly lockoutDecayMs: number;
}

export const DEFAULT_POLICY: PolicyConfig = {
  windowMs: 120_000,
  strikesPerLockout: 3,
  lockoutBaseMs: 60_000,
  lockoutMaxMs: 24 * 60 * 60_000,
  lockoutDecayMs: 24 * 60 * 60_000,
};

export interface PolicyState {
  /** End of the open pairing window (toy clock, ms), or null when closed. */
  readonly windowUntil: number | null;
  /** Wrong codes since the last lockout or success. */
  readonly strikes: number;
  /** Lockouts since the last success: the next one lasts base * 2^lockouts. */
  readonly lockouts: number;
  /** End of the current lockout (toy clock, ms), or null. */
  readonly lockedUntil: number | null;
  /**
   * Since when it has been quiet (toy clock, ms): the last wrong code, or the end of the lockout it
   * started; null when nothing is known (no wrong code since the last success, or a record from
   * before decay, until the next boot starts the count).
   */
  readonly quietSince: number | null;
}

export const INITIAL_POLICY: PolicyState = { windowUntil: null, strikes: 0, lockouts: 0, lockedUntil: null, quietSince: null };

export type PairingStatus =
  | { readonly open: true; readonly closesInMs: number }
  | { readonly open: false; readonly reason: 'WINDOW_CLOSED' }
  | { readonly open: false; readonly reason: 'LOCKED_OUT'; readonly retryAfterMs: number };

function lockoutMs(lockouts: number, config: PolicyConfig): number {
  return Math.min(config.lockoutMaxMs, config.lockoutBaseMs * 2 ** Math.min(lockouts, 40));
}

export function pairingStatus(state: PolicyState, now: number): PairingStatus {
  checkTime(now);
  if (state.lockedUntil !== null && now < state.lockedUntil) {
    return { open: false, reason: 'LOCKED_OUT', retryAfterMs: state.lockedUntil - now };
  }
  if (state.windowUntil !== null && now < state.windowUntil) return { open: true, closesInMs: state.windowUntil - now };
  return { open: false, reason: 'WINDOW_CLOSED' };
}

/** A paw press: opens (or reopens) the window, unless locked out. */
export function pawPress(state: PolicyState, now: number, config = DEFAULT_POLICY): PolicyState {
  const status = pairingStatus(state, now);
  if (!status.open && status.reason === 'LOCKED_OUT') return state;
  return { ...state, windowUntil: now + config.windowMs, lockedUntil: null };
}

/**
 * The owner invited a phone: the window opens until the invitation expires and the current lockout
 * and strikes are lifted (the owner's authenticated request is the family's, not a stranger's).
 * Past lockouts still count, so the next one a stranger causes is no shorter.
 */
export function openForInvitation(state: PolicyState, until: number): PolicyState {
  checkTime(until);
  return { ...state, windowUntil: until, strikes: 0, lockedUntil: null };
}

/** Past lockouts after the quiet periods that ended by `now` have each forgiven one. */
function decayedLockouts(state: PolicyState, now: number, config: PolicyConfig): number {
  if (state.quietSince === null || now <= state.quietSince) return state.lockouts;
  return Math.max(0, state.lockouts - Math.floor((now - state.quietSince) / config.lockoutDecayMs));
}

export function recordWrongCode(state: PolicyState, now: number, config = DEFAULT_POLICY): PolicyState {
  checkTime(now);
  const strikes = state.strikes + 1;
  const lockouts = decayedLockouts(state, now, config);
  if (strikes < config.strikesPerLockout) return { ...state, strikes, lockouts, quietSince: now };
  const lockedUntil = now + lockoutMs(lockouts, config);
  return { windowUntil: null, strikes: 0, lockouts: lockouts + 1, lockedUntil, quietSince: lockedUntil };
}

/** A bond was made: the window closes (another phone needs another paw press) and strikes clear. */
export function recordSuccess(_state: PolicyState, now: number): PolicyState {
  checkTime(now);
  return INITIAL_POLICY;
}

/**
 * On boot: no window survives; a lockout still running keeps only its remaining time (never more
 * than its full length, should the clock have gone back), and one that ran out stays over. The
 * quiet period is likewise capped, and starts now for a record that did not know it.
 */
export function afterPowerCycle(state: PolicyState, now: number, config = DEFAULT_POLICY): PolicyState {
  checkTime(now);
  const running = state.lockedUntil !== null && now < state.lockedUntil;
  const fullEnd = now + lockoutMs(Math.max(0, state.lockouts - 1), config);
  const lockedUntil = running ? Math.min(state.lockedUntil!, fullEnd) : null;
  const pastWrongCodes = state.lockouts > 0 || state.strikes > 0;
  return {
    ...state,
    windowUntil: null,
    lockedUntil,
    quietSince: state.quietSince !== null ? Math.min(state.quietSince, fullEnd) : pastWrongCodes ? (lockedUntil ?? now) : null,
  };
}

/** Format 1 (before decay) had no quiet time; it is still read. */
const POLICY_FORMAT_1 = 1;
const POLICY_FORMAT = 2;
const HAS_WINDOW = 1;
const HAS_LOCK = 2;
const HAS_QUIET = 4;

/** 28 bytes for the toy's flash: format, flags, window end, strikes, lockouts, lockout end, quiet since. */
export function encodePolicy(state: PolicyState): Uint8Array {
  const flags = (state.windowUntil !== null ? HAS_WINDOW : 0) | (state.lockedUntil !== null ? HAS_LOCK : 0) | (state.quietSince !== null ? HAS_QUIET : 0);
  const time = (t: number | null) => u64le(BigInt(Math.max(0, Math.floor(t ?? 0))));
  return concat(
    Uint8Array.of(POLICY_FORMAT, flags),
    time(state.windowUntil),
    Uint8Array.of(Math.min(255, state.strikes), Math.min(255, state.lockouts)),
    time(state.lockedUntil),
    time(state.quietSince),
  );
}

export function decodePolicy(bytes: Uint8Array): PolicyState {
  const reader = new ByteReader(bytes, 'policy state');
  const format = reader.u8();
  if (format !== POLICY_FORMAT && format !== POLICY_FORMAT_1) throw new PairingError('UNSUPPORTED_VERSION', 'policy state format');
  const flags = reader.u8();
  const time = () => {
    const t = reader.u64();
    if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw new PairingError('MALFORMED', 'time out of range');
    return Number(t);
  };
  const windowUntil = time();
  const strikes = reader.u8();
  const lockouts = reader.u8();
  const lockedUntil = time();
  const quietSince = format === POLICY_FORMAT ? time() : 0;
  reader.end();
  if (flags & ~(format === POLICY_FORMAT ? HAS_WINDOW | HAS_LOCK | HAS_QUIET : HAS_WINDOW | HAS_LOCK)) throw new PairingError('MALFORMED', 'policy flags');
  return {
    windowUntil: flags & HAS_WINDOW ? windowUntil : null,
    strikes,
    lockouts,
    lockedUntil: flags & HAS_LOCK ? lockedUntil : null,
    quietSince: flags & HAS_QUIET ? quietSince : null,
  };
}
