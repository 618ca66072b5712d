// The realistic clock predicts what real hardware achieves: the link-layer arithmetic matches the
// specification and the published figures, and the real noble and bleno, writing through the
// simulated connection events, reach that capacity without ever exceeding it.
import fc from 'fast-check';
import type { Phy } from '../../radio/link';
import { exchangeTimeUs, linkCapacity, packetAirTimeUs } from '../../radio/link-timing';
import { measureWriteThroughput } from '../../radio/throughput';

describe('link-layer timing from the specification', () => {
  it('gives packet air times with preamble, access address, header, CRC and no MIC', () => {
    expect(packetAirTimeUs('1M', 0)).toBe(80); // an empty PDU
    expect(packetAirTimeUs('1M', 27)).toBe(296);
    expect(packetAirTimeUs('1M', 251)).toBe(2088);
    expect(packetAirTimeUs('2M', 0)).toBe(44);
    expect(packetAirTimeUs('2M', 251)).toBe(1048);
    // Coded S=8 with the 4-octet MIC is the specification's 2704 µs for 27 octets.
    expect(packetAirTimeUs('coded', 27 + 4)).toBe(2704);
    expect(exchangeTimeUs('1M', 27)).toBe(296 + 150 + 80 + 150);
  });

  it('reproduces the published figures', () => {
    const kbps = (phy: Phy, dataLength: number, intervalMs: number, packetsPerEvent?: number): number =>
      linkCapacity({ phy, dataLength, intervalMs, ...(packetsPerEvent ? { packetsPerEvent } : {}) }).valueBitsPerSecond / 1000;
    expect(kbps('1M', 27, 7.5, 6)).toBeCloseTo(128, 5);
    expect(kbps('1M', 251, 7.5)).toBeGreaterThan(0.95 * 800);
    expect(kbps('1M', 251, 7.5)).toBeLessThan(800);
    expect(kbps('2M', 251, 30)).toBeGreaterThan(0.95 * 1400);
    expect(kbps('2M', 251, 30)).toBeLessThan(1400);
  });

  it('fits no more exchanges in an event than the interval holds', () => {
    fc.assert(
      fc.property(fc.constantFrom<Phy>('1M', '2M', 'coded'), fc.integer({ min: 27, max: 251 }), fc.integer({ min: 6, max: 3200 }), (phy, dataLength, units) => {
        const intervalMs = units * 1.25;
        const { exchangesPerEvent } = linkCapacity({ phy, dataLength, intervalMs });
        const exchange = exchangeTimeUs(phy, dataLength);
        return exchangesPerEvent === 1 || (exchangesPerEvent * exchange <= intervalMs * 1000 && (exchangesPerEvent + 1) * exchange > intervalMs * 1000);
      }),
      { seed: 8 },
    );
  });
});

describe('GATT throughput on the realistic clock', () => {
  const run = (phy: Phy, dataLength: number, intervalMs: number, packetsPerEvent?: number): Promise<number> => {
    const capacity = linkCapacity({ phy, dataLength, intervalMs, ...(packetsPerEvent ? { packetsPerEvent } : {}) });
    // About 25 intervals' worth, so the ramp-up is a small share of the run.
    const count = Math.max(60, Math.ceil((capacity.valueBitsPerSecond * Math.max(0.25, (25 * intervalMs) / 1000)) / (capacity.valueOctets * 8)));
    return measureWriteThroughput({ phy, dataLength, intervalMs, count, ...(packetsPerEvent ? { packetsPerEvent } : {}) }).then((r) => r.valueBitsPerSecond);
  };

  it('reaches the published 128 kbps on 1M without DLE at 7.5 ms and 6 packets per event, and 2M with DLE near 1.4 Mbps', async () => {
    expect((await run('1M', 27, 7.5, 6)) / 1000).toBeGreaterThan(0.95 * 128);
    expect((await run('2M', 251, 30)) / 1000).toBeGreaterThan(0.95 * 1366);
  });

  it('never exceeds the capacity computed for its parameters, and reaches 90% of it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Phy>('1M', '2M'),
        fc.constantFrom(27, 60, 123, 251),
        fc.integer({ min: 6, max: 24 }),
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        async (phy, dataLength, units, packetsPerEvent) => {
          const intervalMs = units * 1.25;
          const capacity = linkCapacity({ phy, dataLength, intervalMs, ...(packetsPerEvent ? { packetsPerEvent } : {}) }).valueBitsPerSecond;
          const measured = await run(phy, dataLength, intervalMs, packetsPerEvent);
          expect(measured).toBeLessThanOrEqual(capacity);
          expect(measured).toBeGreaterThanOrEqual(0.9 * capacity);
        },
      ),
      { numRuns: 8, seed: 21 },
    );
  });

  it('never loses throughput when the interval is halved while the per-event limit is what bounds an event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Phy>('1M', '2M'), fc.constantFrom(27, 251), fc.integer({ min: 6, max: 16 }), fc.integer({ min: 1, max: 6 }), async (phy, dataLength, halfUnits, limit) => {
        const half = halfUnits * 1.25;
        fc.pre(linkCapacity({ phy, dataLength, intervalMs: half }).exchangesPerEvent >= limit);
        expect(await run(phy, dataLength, half, limit)).toBeGreaterThanOrEqual(await run(phy, dataLength, half * 2, limit));
      }),
      { numRuns: 5, seed: 5 },
    );
  });

  it('shows why the limit matters: with none, halving the interval can waste more of each event (2M, DLE, 30 to 15 ms)', async () => {
    // 21 exchanges of 1392 µs fill 30 ms; 10 fill 15 ms, leaving 1080 µs idle twice as often.
    const at30 = await run('2M', 251, 30);
    const at15 = await run('2M', 251, 15);
    expect(at15).toBeLessThan(at30);
    expect(at15 / at30).toBeCloseTo(linkCapacity({ phy: '2M', dataLength: 251, intervalMs: 15 }).valueBitsPerSecond / linkCapacity({ phy: '2M', dataLength: 251, intervalMs: 30 }).valueBitsPerSecond, 1);
  });
});
