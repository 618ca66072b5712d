// A run's shared budget: total time and total inputs across its targets, handed out one target
// at a time as an equal share of what is left, so time a quick target leaves unused goes to the
// ones after it, and per-target limits (--time, --runs) still cap each share.

export interface Allotment {
  readonly runs: number;
  readonly timeLimitMs?: number;
}

export interface BudgetLimits {
  readonly totalMs?: number;
  readonly totalRuns?: number;
  readonly perTargetMs?: number;
  readonly perTargetRuns?: number;
}

/** Without any time limit a target runs this many inputs. */
export const DEFAULT_RUNS = 10_000;

export class Budget {
  private readonly started: number;
  private runsSpent = 0;

  constructor(
    private readonly limits: BudgetLimits,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** The share of the next target, when `unitsLeft` targets (it included) are still to run. */
  allot(unitsLeft: number): Allotment {
    const { totalMs, totalRuns, perTargetMs, perTargetRuns } = this.limits;
    const timeShare = totalMs === undefined ? undefined : Math.max(1, (totalMs - (this.now() - this.started)) / unitsLeft);
    const runsShare = totalRuns === undefined ? undefined : Math.max(1, Math.floor((totalRuns - this.runsSpent) / unitsLeft));
    const timeLimitMs = minDefined(timeShare, perTargetMs);
    const timed = timeLimitMs !== undefined;
    const runs = minDefined(runsShare, perTargetRuns) ?? (timed ? Number.MAX_SAFE_INTEGER : DEFAULT_RUNS);
    return { runs, ...(timed && { timeLimitMs: Math.round(timeLimitMs) }) };
  }

  spend(runs: number): void {
    this.runsSpent += runs;
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}
