// Faults a link can suffer, all drawn from seeded generators so a failing run replays exactly:
// packet loss, independent (Bernoulli) or bursty (Gilbert-Elliott), and a host latency that
// delays what a controller hands its host. Range and power-off live in path-loss.ts and air.ts.
import { Prng } from './prng';

export type LossModel =
  | { readonly kind: 'none' }
  /** Every packet is lost with the same probability, whatever happened before. */
  | { readonly kind: 'independent'; readonly probability: number }
  /**
   * Two-state Markov loss (Gilbert-Elliott): a good and a bad state with their own loss
   * probabilities, moving between them per packet, so losses come in bursts as with
   * interference from Wi-Fi or a body between phone and toy.
   */
  | {
      readonly kind: 'gilbert-elliott';
      readonly goodToBad: number;
      readonly badToGood: number;
      readonly lossInGood?: number;
      readonly lossInBad?: number;
    };

export interface LinkFaults {
  readonly loss?: LossModel;
  /** Delay, in simulated ms, between a controller receiving data and its host getting it. */
  readonly latencyMs?: number;
  /** Extra delay drawn uniformly from [0, jitterMs) per packet (order is kept). */
  readonly jitterMs?: number;
}

/** One direction's loss process: a seeded generator and, for Gilbert-Elliott, its state. */
export class LossProcess {
  private bad = false;

  constructor(
    private readonly model: LossModel,
    private readonly prng: Prng,
  ) {}

  /** Whether the next packet is lost. Draws the same numbers for the same seed and model. */
  lost(): boolean {
    const m = this.model;
    switch (m.kind) {
      case 'none':
        return false;
      case 'independent':
        return this.prng.next() < m.probability;
      case 'gilbert-elliott': {
        this.bad = this.bad ? this.prng.next() >= m.badToGood : this.prng.next() < m.goodToBad;
        return this.prng.next() < (this.bad ? (m.lossInBad ?? 1) : (m.lossInGood ?? 0));
      }
    }
  }
}

/** The host latency of one controller: each packet's delay, never reordering packets. */
export class LatencyProcess {
  private lastUs = 0;

  constructor(
    private readonly faults: LinkFaults,
    private readonly prng: Prng,
  ) {}

  /** When a packet received at `nowUs` reaches the host. */
  deliveryTime(nowUs: number): number {
    const delay = (this.faults.latencyMs ?? 0) + (this.faults.jitterMs ? this.prng.next() * this.faults.jitterMs : 0);
    this.lastUs = Math.max(this.lastUs, nowUs + delay * 1000);
    return this.lastUs;
  }

  get active(): boolean {
    return (this.faults.latencyMs ?? 0) > 0 || (this.faults.jitterMs ?? 0) > 0;
  }
}
