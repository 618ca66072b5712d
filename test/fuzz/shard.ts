// Which work a shard of a CI matrix does. The work is a list of units (a target and a replica
// number), numbered in target-name order so the plan does not depend on registry order: with
// T targets and N shards there are max(T, N) units, unit u runs target u mod T as replica
// floor(u / T), and shard i takes the units u with u mod N = i - 1. So N <= T splits the
// targets, N > T also splits seeds, and the N shards together run every unit exactly once.
import type { Shard } from './options';

export interface WorkUnit {
  readonly target: string;
  /** 0 for a target's first (or only) campaign; further replicas run from other seeds. */
  readonly replica: number;
  readonly seed: number;
}

/**
 * A replica's seed: the run's seed for replica 0 (so `--seed S --target T` alone replays it), a
 * well-mixed 32-bit function of seed and replica otherwise.
 */
export function replicaSeed(seed: number, replica: number): number {
  if (replica === 0) return seed | 0;
  // murmur3's finaliser over seed and replica: neighbouring replicas get unrelated seeds.
  let h = (seed ^ Math.imul(replica, 0x9e3779b1)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** The units shard `shard` runs (all units, one replica each, without a shard). */
export function planShard(targets: readonly string[], seed: number, shard?: Shard): WorkUnit[] {
  const names = [...new Set(targets)].sort();
  if (names.length === 0) return [];
  const count = shard?.count ?? 1;
  const units: WorkUnit[] = [];
  for (let u = (shard?.index ?? 1) - 1; u < Math.max(names.length, count); u += count) {
    const replica = Math.floor(u / names.length);
    units.push({ target: names[u % names.length]!, replica, seed: replicaSeed(seed, replica) });
  }
  return units;
}
