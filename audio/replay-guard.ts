// The receiver's memory of which envelopes it has already accepted, so a recorded envelope
// played again (by a relay, a sniffer with a bond, a buggy app) is refused. A sans-IO value:
// pure functions take the guard and the current time and return the next guard; the toy
// persists it as JSON between power cycles.
//
// Rule: an envelope is admitted once, and only if its time lies within [now - window,
// now + skew]. Ids are remembered until they fall out of the window. Memory is bounded: when
// more than `maxEntries` are remembered, the oldest are forgotten and `floor` rises to their
// time; anything at or below the floor is refused as STALE. So every admitted id newer than
// the floor is remembered, whatever the order of arrival or a clock stepping backwards.
import { toHex } from './bytes';
import { AudioError } from './errors';

export interface SeenEnvelope {
  /** Envelope id, lowercase hex. */
  readonly id: string;
  readonly time: number;
}

export interface ReplayGuard {
  readonly windowMs: number;
  readonly skewMs: number;
  readonly maxEntries: number;
  /** Envelopes at or before this time are refused: the guard no longer remembers that far. */
  readonly floor: number;
  /** Remembered envelopes, oldest first. */
  readonly seen: readonly SeenEnvelope[];
}

export interface ReplayGuardOptions {
  /** How old a message may be on arrival; relays can hold one for days. Default 14 days. */
  readonly windowMs?: number;
  /** How far ahead of our clock a sender's clock may be. Default 10 minutes. */
  readonly skewMs?: number;
  /** Most ids remembered; 4096 x ~50 bytes of JSON is ~200 kB of toy flash. */
  readonly maxEntries?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function createReplayGuard(options: ReplayGuardOptions = {}): ReplayGuard {
  const guard = {
    windowMs: options.windowMs ?? 14 * DAY_MS,
    skewMs: options.skewMs ?? 10 * 60 * 1000,
    maxEntries: options.maxEntries ?? 4096,
    floor: -1,
    seen: [],
  };
  checkSettings(guard);
  return guard;
}

function checkSettings(g: Pick<ReplayGuard, 'windowMs' | 'skewMs' | 'maxEntries' | 'floor'>, code: 'INVALID_ARGUMENT' | 'CORRUPT' = 'INVALID_ARGUMENT'): void {
  const ok = (n: unknown, min: number): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= min;
  if (!ok(g.windowMs, 1) || !ok(g.skewMs, 0) || !ok(g.maxEntries, 1) || !ok(g.floor, -1)) {
    throw new AudioError(code, 'replay guard settings must be integers (window >= 1 ms, skew >= 0, max entries >= 1)');
  }
}

/**
 * Admits the envelope (`id`, `time`) at `now`, returning the guard that remembers it; throws
 * REPLAYED for an id already admitted, STALE for a time outside the window. The input guard
 * is not changed.
 */
export function admitEnvelope(guard: ReplayGuard, envelope: { readonly id: Uint8Array; readonly time: number }, now: number): ReplayGuard {
  if (!Number.isSafeInteger(now)) throw new AudioError('INVALID_ARGUMENT', `now ${now} is not an integer of milliseconds`);
  const { time } = envelope;
  if (envelope.id.length !== 16 || !Number.isSafeInteger(time)) throw new AudioError('INVALID_ARGUMENT', 'an envelope id is 16 bytes and its time an integer');
  const id = toHex(envelope.id);
  if (time > now + guard.skewMs) throw new AudioError('STALE', `envelope time ${time} is ${time - now} ms ahead of this clock`);
  if (time < now - guard.windowMs) throw new AudioError('STALE', `envelope time ${time} is older than the ${guard.windowMs} ms replay window`);
  if (time <= guard.floor) throw new AudioError('STALE', `envelope time ${time} is at or before ${guard.floor}, beyond what this guard remembers`);
  if (guard.seen.some((s) => s.id === id)) throw new AudioError('REPLAYED', `envelope ${id} was already received`);

  const horizon = now - guard.windowMs;
  let floor = guard.floor;
  const kept: SeenEnvelope[] = [];
  for (const s of guard.seen) {
    if (s.time < horizon) floor = Math.max(floor, s.time);
    else kept.push(s);
  }
  const at = kept.findIndex((s) => s.time > time);
  kept.splice(at < 0 ? kept.length : at, 0, { id, time });
  while (kept.length > guard.maxEntries) floor = Math.max(floor, (kept.shift() as SeenEnvelope).time);
  return { ...guard, floor, seen: kept };
}

export function replayGuardToJson(guard: ReplayGuard): string {
  return JSON.stringify(guard);
}

/** Parses a persisted guard; anything malformed is CORRUPT (the toy then starts a fresh one). */
export function replayGuardFromJson(json: string): ReplayGuard {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new AudioError('CORRUPT', 'replay guard is not JSON');
  }
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { seen?: unknown }).seen)) {
    throw new AudioError('CORRUPT', 'replay guard is not an object with a seen list');
  }
  const g = value as Record<string, unknown> & { seen: unknown[] };
  const settings = { windowMs: g.windowMs, skewMs: g.skewMs, maxEntries: g.maxEntries, floor: g.floor } as ReplayGuard;
  checkSettings(settings, 'CORRUPT');
  const seen = g.seen.map((s, i): SeenEnvelope => {
    const e = s as Partial<SeenEnvelope> | null;
    if (typeof e?.id !== 'string' || !/^[0-9a-f]{32}$/.test(e.id) || typeof e.time !== 'number' || !Number.isSafeInteger(e.time)) {
      throw new AudioError('CORRUPT', `replay guard entry ${i} is not {id: 32 hex digits, time: integer}`);
    }
    return { id: e.id, time: e.time };
  });
  if (seen.length > settings.maxEntries || seen.some((s, i) => i > 0 && s.time < (seen[i - 1] as SeenEnvelope).time)) {
    throw new AudioError('CORRUPT', 'replay guard entries are too many or out of order');
  }
  return { ...settings, seen };
}
