// The replay guard: each envelope is admitted once, inside its time window, with bounded
// memory, and survives being persisted as JSON.
import fc from 'fast-check';
import { admitEnvelope, createReplayGuard, replayGuardFromJson, replayGuardToJson } from '../../audio/replay-guard';
import type { ReplayGuard } from '../../audio/replay-guard';
import { parsesOrAudioError, thrown } from './fixtures';

const id = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? n & 0xff : i === 1 ? n >> 8 : 0));
const HOUR = 3600_000;
const now = Date.UTC(2026, 10, 23);

describe('the replay guard', () => {
  it('admits an envelope once and refuses it after as REPLAYED', () => {
    const guard = admitEnvelope(createReplayGuard(), { id: id(1), time: now - HOUR }, now);
    expect(thrown(() => admitEnvelope(guard, { id: id(1), time: now - HOUR }, now + 1000)).code).toBe('REPLAYED');
    expect(admitEnvelope(guard, { id: id(2), time: now - HOUR }, now).seen).toHaveLength(2);
  });

  it('refuses envelopes older than the window or too far in the future as STALE', () => {
    const guard = createReplayGuard({ windowMs: 24 * HOUR, skewMs: 60_000 });
    expect(thrown(() => admitEnvelope(guard, { id: id(1), time: now - 25 * HOUR }, now)).code).toBe('STALE');
    expect(thrown(() => admitEnvelope(guard, { id: id(1), time: now + 120_000 }, now)).code).toBe('STALE');
    expect(admitEnvelope(guard, { id: id(1), time: now + 30_000 }, now).seen).toHaveLength(1);
  });

  it('forgets ids that left the window, and keeps refusing their times', () => {
    let guard = createReplayGuard({ windowMs: HOUR });
    guard = admitEnvelope(guard, { id: id(1), time: now }, now);
    guard = admitEnvelope(guard, { id: id(2), time: now + 2 * HOUR }, now + 2 * HOUR);
    expect(guard.seen.map((s) => s.time)).toEqual([now + 2 * HOUR]);
    // Even with the clock set back, the forgotten envelope cannot come back.
    expect(thrown(() => admitEnvelope(guard, { id: id(1), time: now }, now)).code).toBe('STALE');
  });

  it('keeps at most maxEntries, raising its floor over what it forgets', () => {
    let guard = createReplayGuard({ maxEntries: 3 });
    for (let n = 0; n < 5; n++) guard = admitEnvelope(guard, { id: id(n), time: now + n }, now + 10);
    expect(guard.seen).toHaveLength(3);
    expect(guard.floor).toBe(now + 1);
    expect(thrown(() => admitEnvelope(guard, { id: id(0), time: now }, now + 10)).code).toBe('STALE');
  });

  it('never admits an envelope twice, admits every fresh one in its window, and stays bounded (across JSON too)', () => {
    // Envelope n has a fixed time; the clock moves on irregularly; the guard is persisted and
    // reloaded at random points.
    const timeOf = (n: number): number => now + n * 2 * HOUR;
    const event = fc.record({ n: fc.nat({ max: 15 }), advance: fc.nat({ max: 5 * HOUR }), persist: fc.boolean() });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        let guard: ReplayGuard = createReplayGuard({ windowMs: 12 * HOUR, skewMs: HOUR, maxEntries: 4 });
        let clock = now - 2 * HOUR;
        const admitted = new Set<number>();
        for (const e of events) {
          clock += e.advance;
          const time = timeOf(e.n);
          const fresh = !admitted.has(e.n) && time > guard.floor && time >= clock - 12 * HOUR && time <= clock + HOUR;
          try {
            guard = admitEnvelope(guard, { id: id(e.n), time }, clock);
            expect(fresh).toBe(true);
            admitted.add(e.n);
          } catch (error) {
            expect(parsesOrAudioError(() => { throw error; }) && !fresh).toBe(true);
          }
          if (e.persist) guard = replayGuardFromJson(replayGuardToJson(guard));
          expect(guard.seen.length).toBeLessThanOrEqual(4);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips through JSON and refuses malformed JSON as CORRUPT', () => {
    const guard = admitEnvelope(createReplayGuard(), { id: id(9), time: now }, now);
    expect(replayGuardFromJson(replayGuardToJson(guard))).toEqual(guard);
    expect(thrown(() => replayGuardFromJson('{"seen":[{"id":"zz","time":1}]}')).code).toBe('CORRUPT');
    fc.assert(fc.property(fc.string(), (s) => parsesOrAudioError(() => replayGuardFromJson(s))), { numRuns: 200 });
    fc.assert(fc.property(fc.jsonValue(), (v) => parsesOrAudioError(() => replayGuardFromJson(JSON.stringify(v)))), { numRuns: 200 });
  });
});
