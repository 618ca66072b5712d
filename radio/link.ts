// A link-layer connection between two controllers on the air: its parameters as both ends see
// them (interval, latency, supervision timeout, data length per direction, PHY), and the
// identifiers its CONNECT_IND set up (access address, CRC seed, channel hop).

export type Role = 'central' | 'peripheral';
export type Phy = '1M' | '2M' | 'coded';

export interface ConnectionParameters {
  /** Connection interval in units of 1.25 ms (6..3200). */
  readonly intervalUnits: number;
  /** Peripheral latency in connection events (0..499). */
  readonly latency: number;
  /** Supervision timeout in units of 10 ms (10..3200). */
  readonly timeoutUnits: number;
}

/** The smallest LL data payload every controller supports, and the largest DLE allows. */
export const MIN_DATA_LENGTH = 27;
export const MAX_DATA_LENGTH = 251;

export interface LinkEnd<C> {
  readonly controller: C;
  readonly handle: number;
  /** Largest LL payload this end sends. */
  txOctets: number;
}

/** What the CONNECT_IND that opened a link carried besides its parameters. */
export interface LinkIdentity {
  readonly accessAddress: number;
  readonly crcInit: number;
  /** Channel Selection Algorithm #1 hop increment, 5..16. */
  readonly hop: number;
  /** Creation order on its air: labels the link's own random streams (loss) so they replay. */
  readonly serial: number;
}

export class Link<C> {
  params: ConnectionParameters;
  phy: Phy = '1M';
  encrypted = false;
  open = true;
  /** Most packet exchanges per connection event the central's controller makes; unlimited when absent. */
  packetsPerEvent: number | undefined;

  constructor(
    readonly central: LinkEnd<C>,
    readonly peripheral: LinkEnd<C>,
    params: ConnectionParameters,
    readonly identity: LinkIdentity = { accessAddress: 0x50655065, crcInit: 0x555555, hop: 7, serial: 0 },
  ) {
    this.params = params;
  }

  end(controller: C): LinkEnd<C> {
    return this.central.controller === controller ? this.central : this.peripheral;
  }

  other(controller: C): LinkEnd<C> {
    return this.central.controller === controller ? this.peripheral : this.central;
  }

  roleOf(controller: C): Role {
    return this.central.controller === controller ? 'central' : 'peripheral';
  }

  side(role: Role): LinkEnd<C> {
    return role === 'central' ? this.central : this.peripheral;
  }
}

export function otherRole(role: Role): Role {
  return role === 'central' ? 'peripheral' : 'central';
}

/** Checks the ranges and the timeout rule of Vol 4, Part E, 7.8.12. */
export function validConnectionParameters(minUnits: number, maxUnits: number, p: Omit<ConnectionParameters, 'intervalUnits'>): boolean {
  if (minUnits < 6 || maxUnits > 3200 || minUnits > maxUnits) return false;
  if (p.latency > 499 || p.timeoutUnits < 10 || p.timeoutUnits > 3200) return false;
  // The timeout must outlast (1 + latency) * interval * 2, or the link would time out between events.
  return p.timeoutUnits * 10 > (1 + p.latency) * maxUnits * 1.25 * 2;
}
