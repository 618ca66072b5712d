// Per connection: throughput over time in each direction against the link's capacity at that
// moment (radio/link-timing.ts, from the PHY, data length and interval in force), and the share of
// each connection event's interval that its packets used. uPlot draws them: a small (~50 kB),
// dependency-free, canvas time-series library that stays fast with thousands of points.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { linkCapacity } from '../../radio/link-timing';
import type { AirModel, Connection } from '../decode/air-model';

const WIDTH = 440;

function throughput(model: AirModel, c: Connection): uPlot.AlignedData {
  const bins = Math.max(20, Math.min(400, Math.ceil(model.durationUs / Math.max(c.intervalUs, 1))));
  const binUs = Math.max(1, model.durationUs / bins);
  const xs = Array.from({ length: bins }, (_, i) => (i * binUs) / 1e6);
  const up = new Array<number>(bins).fill(0);
  const down = new Array<number>(bins).fill(0);
  for (const p of model.packets) {
    if (p.connection !== c.index || (p.kind !== 'data' && p.kind !== 'acl')) continue;
    const bin = Math.min(bins - 1, Math.floor(p.timeUs / binUs));
    (p.sender === 'central' ? up : down)[bin]! += p.payloadBytes;
  }
  const kbps = (bytes: number): number => (bytes * 8) / binUs * 1000;
  const capacity: Array<number | null> = new Array<number | null>(bins).fill(null);
  let k = 0;
  for (let i = 0; i < bins && c.events.length > 0; i++) {
    while (k + 1 < c.events.length && c.events[k + 1]!.startUs <= i * binUs) k++;
    const e = c.events[k]!;
    if (e.startUs > (i + 1) * binUs && k === 0) continue;
    capacity[i] = linkCapacity({ phy: e.phy, dataLength: c.dataLength, intervalMs: e.intervalUs / 1000 }).llPayloadBitsPerSecond / 1000;
  }
  return [xs, up.map(kbps), down.map(kbps), capacity];
}

export function drawCharts(model: AirModel, c: Connection, throughputBox: HTMLElement, eventBox: HTMLElement): void {
  throughputBox.replaceChildren();
  eventBox.replaceChildren();
  new uPlot(
    {
      title: `${c.name}: ${model.format === 'pcap-ble-ll' ? 'LL' : 'ACL'} payload kbit/s`,
      width: WIDTH,
      height: 180,
      scales: { x: { time: false } },
      axes: [{ label: 's' }, {}],
      series: [{}, { label: 'central →', stroke: '#1e88e5', points: { show: false } }, { label: '← peripheral', stroke: '#fb8c00', points: { show: false } }, { label: 'capacity (one way)', stroke: '#9e9e9e', dash: [4, 4], points: { show: false } }],
    },
    throughput(model, c),
    throughputBox,
  );
  if (c.events.length === 0) return;
  new uPlot(
    {
      title: 'share of each connection event used (%)',
      width: WIDTH,
      height: 160,
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [{ label: 's' }, {}],
      series: [{}, { label: 'used', stroke: '#1565c0', paths: uPlot.paths.points!(), points: { show: true, size: 3 } }],
    },
    [c.events.map((e) => e.startUs / 1e6), c.events.map((e) => Math.min(100, ((e.endUs - e.startUs) / e.intervalUs) * 100))],
    eventBox,
  );
}
