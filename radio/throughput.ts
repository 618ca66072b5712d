// GATT throughput on the realistic clock, through the real noble and bleno: the radio self-test's
// phone writes values without response to its toy, keeping a bounded window in flight (noble's
// callback fires when queued, and its queue degrades past ~16k entries), and the rate is measured
// in simulated time. Shared by the link benchmark and the timing tests.
import { Air } from './air';
import type { Phy } from './link';
import { ATT_WRITE_HEADER, exchangeTimeUs, L2CAP_HEADER } from './link-timing';
import { loadBleno, loadNoble } from './loaders';
import { find, SERVICE, startPeripheral, WRITE_CHAR } from './self-test';

export interface ThroughputRun {
  readonly phy: Phy;
  readonly dataLength: number;
  readonly intervalMs: number;
  readonly packetsPerEvent?: number;
  /** Values to write; the first few events of the run are its ramp-up. */
  readonly count: number;
  /** Writes in flight at most (queued at noble, not yet seen by the toy). */
  readonly window?: number;
  readonly seed?: number;
}

export interface ThroughputResult {
  readonly valueOctets: number;
  readonly count: number;
  /** Simulated seconds from the first write to the end of the exchange that carried the last value. */
  readonly simulatedSeconds: number;
  readonly valueBitsPerSecond: number;
  readonly wallSeconds: number;
}

/** One full PDU per write: the value fills the data length after the L2CAP and ATT headers. */
export async function measureWriteThroughput(run: ThroughputRun): Promise<ThroughputResult> {
  const wallStart = performance.now();
  const air = new Air({
    seed: run.seed ?? 1,
    clock: 'realistic',
    link: { intervalMs: run.intervalMs, phy: run.phy, dataLength: run.dataLength, ...(run.packetsPerEvent ? { packetsPerEvent: run.packetsPerEvent } : {}) },
  });
  try {
    const radio = { kind: 'virtual' as const, air };
    const { bleno } = loadBleno(radio, { name: 'toy' });
    const { noble, device } = loadNoble(radio, { name: 'phone' });
    const toy = await startPeripheral(bleno, 'Throughput', Buffer.from('ready'));
    const peripheral = await find(noble, 'Throughput');
    await peripheral.connectAsync();
    const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], [WRITE_CHAR]);
    const writer = characteristics[0]!;
    // Let the PHY update reach its instant before measuring.
    await air.clock.idle();
    const link = [...device!.controller.links.values()][0]!;
    if (link.phy !== run.phy) throw new Error(`link is on ${link.phy}, expected ${run.phy}`);

    const valueOctets = run.dataLength - L2CAP_HEADER - ATT_WRITE_HEADER;
    const payload = Buffer.alloc(valueOctets, 0x5a);
    const window = run.window ?? 64;
    const before = toy.written.length;
    const received = (): number => toy.written.length - before;
    const startMs = air.clock.now();
    let sent = 0;
    // The toy's host gets a value at the start of the exchange carrying it, when the clock reads that time.
    let lastArrivalMs = startMs;
    while (received() < run.count) {
      while (sent - received() < window && sent < run.count) {
        writer.write(payload, true);
        sent++;
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (received() > 0) lastArrivalMs = air.clock.now();
    }
    await peripheral.disconnectAsync();
    // Counting the last exchange whole and the wait for the first anchor makes this a rate the
    // link really sustained: it can fall short of the capacity, never exceed it.
    const simulatedSeconds = (lastArrivalMs + exchangeTimeUs(run.phy, run.dataLength) / 1000 - startMs) / 1000;
    return {
      valueOctets,
      count: run.count,
      simulatedSeconds,
      valueBitsPerSecond: (run.count * valueOctets * 8) / simulatedSeconds,
      wallSeconds: (performance.now() - wallStart) / 1000,
    };
  } finally {
    // The stacks' SIGINT and exit listeners never reach `process`: the loaders adopt them
    // (process-listeners.ts), so there is nothing to sweep here.
    air.close();
  }
}
