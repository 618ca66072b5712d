// Binary search over time-ordered packet indices: where drawing and picking start.
import type { ViewPacket } from '../decode/air-model';

/** The first position in `indices` whose packet starts at or after `timeUs`. */
export function firstAtOrAfter(indices: Int32Array, packets: readonly ViewPacket[], timeUs: number): number {
  let lo = 0;
  let hi = indices.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (packets[indices[mid]!]!.timeUs < timeUs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
