// Benchmark of the realistic radio against the physical limit: for each PHY, data length and
// connection interval, the link-layer capacity computed from the specification's timing
// (radio/link-timing.ts) beside the GATT throughput the real noble and bleno reach on the
// realistic clock (writes without response, bounded window), and their ratio. Also the
// published figures these configurations are usually quoted with. Prints one JSON object.
// Also the secure protocol's time for a 10 s and a 40 s voice message on each link (bench/transfer.ts), with the goals.
// Run: npm run bench:link [-- --seconds S]   (S: simulated seconds per configuration, default 1.5)
import os from 'node:os';
import type { Phy } from '../radio/link';
import { linkCapacity } from '../radio/link-timing';
import { measureWriteThroughput } from '../radio/throughput';
import { SECURE_VOICE_METHOD, TRANSFER_GOALS, secureVoice } from './transfer';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Config {
  readonly phy: Phy;
  readonly dataLength: number;
  readonly intervalMs: number;
  readonly packetsPerEvent?: number;
}

const kbps = (bps: number): number => Math.round(bps / 100) / 10;

async function row(config: Config, seconds: number): Promise<Record<string, unknown>> {
  const capacity = linkCapacity(config);
  const count = Math.max(100, Math.ceil((capacity.valueBitsPerSecond * seconds) / (capacity.valueOctets * 8)));
  const measured = await measureWriteThroughput({ ...config, count });
  return {
    phy: config.phy,
    dle: config.dataLength > 27,
    dataLength: config.dataLength,
    intervalMs: config.intervalMs,
    packetsPerEvent: config.packetsPerEvent ?? 'unlimited',
    valueBytes: capacity.valueOctets,
    exchangesPerEvent: capacity.exchangesPerEvent,
    capacityKbps: kbps(capacity.valueBitsPerSecond),
    simulatedKbps: kbps(measured.valueBitsPerSecond),
    ratio: Math.round((measured.valueBitsPerSecond / capacity.valueBitsPerSecond) * 1000) / 1000,
    values: count,
    simulatedSeconds: Math.round(measured.simulatedSeconds * 1000) / 1000,
    wallSeconds: Math.round(measured.wallSeconds * 100) / 100,
    ...(config.packetsPerEvent === undefined && { secureVoice: await secureVoiceRows(config) }),
  };
}

/** The secure protocol on the same link: a sealed 10 s and 40 s voice message (bench/transfer.ts). */
async function secureVoiceRows(config: Config): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const messageSeconds of [10, 40]) out[`${messageSeconds}s`] = await secureVoice(config, messageSeconds);
  return out;
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 1.5);
  const rows: Array<Record<string, unknown>> = [];
  for (const phy of ['1M', '2M'] as const) {
    for (const dataLength of [27, 251]) {
      for (const intervalMs of [7.5, 15, 30]) rows.push(await row({ phy, dataLength, intervalMs }, seconds));
    }
  }
  const published: Array<Record<string, unknown>> = [
    { figure: 'about 128 kbps: 1M, no DLE, 7.5 ms, 6 packets per event', ...(await row({ phy: '1M', dataLength: 27, intervalMs: 7.5, packetsPerEvent: 6 }, seconds)) },
    { figure: 'about 800 kbps: 1M, DLE', ...rows.find((r) => r.phy === '1M' && r.dle && r.intervalMs === 15)! },
    { figure: 'about 1.4 Mbps: 2M, DLE', ...rows.find((r) => r.phy === '2M' && r.dle && r.intervalMs === 30)! },
  ];
  const ratios = [...rows, published[0]!].map((r) => Number(r['ratio']));
  console.log(
    JSON.stringify(
      {
        bench: 'link',
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
        clock: 'realistic',
        method: 'GATT writes without response of (data length - 7) bytes, one LL PDU each, 64 in flight; capacity from the specification timing',
        rows,
        published,
        withinTenPercent: ratios.every((r) => r >= 0.9 && r <= 1),
        secureVoiceMethod: SECURE_VOICE_METHOD,
        fortySecondsOver2mDle15ms: (rows.find((r) => r.phy === '2M' && r.dle && r.intervalMs === 15)?.secureVoice as Record<string, { simulatedSeconds: number }> | undefined)?.['40s']?.simulatedSeconds,
        secureVoiceGoals: TRANSFER_GOALS.map((g) => {
          const voice = rows.find((r) => r.phy === g.phy && r.dataLength === g.dataLength && r.intervalMs === g.intervalMs)?.secureVoice as Record<string, { ratio: number }> | undefined;
          const ratio = voice?.[`${g.messageSeconds}s`]?.ratio;
          return { link: `${g.phy}, DLE, ${g.intervalMs} ms`, messageSeconds: g.messageSeconds, goal: g.goal, ratio, met: ratio !== undefined && ratio >= g.goal };
        }),
      },
      null,
      2,
    ),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
