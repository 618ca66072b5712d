// The air view page: fetches the capture the CLI serves, decodes it in the browser, and wires the
// timeline, the packet list, the decode, the filters and the charts together. `performance`
// marks (view:fetched, view:decoded, view:drawn) time the load for bench/view.ts.
import type { AirModel } from '../decode/air-model';
import { buildModel } from '../decode/model';
import './view.css';
import { drawCharts } from './charts';
import { showDetails } from './details';
import { applyFilters, bindFilters } from './filters';
import { escape, PacketList } from './packet-list';
import { Timeline } from './timeline';

declare global {
  interface Window {
    plushlinkView?: { readonly model: AirModel; readonly timeline: Timeline; readonly ready: boolean };
  }
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

async function main(): Promise<void> {
  performance.mark('view:start');
  const response = await fetch('capture');
  if (!response.ok) throw new Error(`the capture could not be fetched: ${response.status}`);
  const name = response.headers.get('x-capture-name') ?? 'capture';
  const bytes = new Uint8Array(await response.arrayBuffer());
  performance.mark('view:fetched');
  const model = buildModel(bytes);
  performance.mark('view:decoded');
  $('source').textContent = name;
  $('status').textContent = `${model.packets.length} packets, ${(model.durationUs / 1e6).toFixed(3)} s, ${model.format === 'pcap-ble-ll' ? 'air (sniffer pcap)' : 'one controller (btsnoop HCI)'}`;
  $('lanes').innerHTML = model.lanes.map((l, i) => `<li data-lane="${i}" data-name="${escape(l.name)}" data-count="${l.count}">${escape(l.name)} (${l.role}): ${l.count} packets</li>`).join('');

  let selected = -1;
  const select = (index: number, reveal = true): void => {
    selected = index;
    timeline.setSelected(index, reveal);
    list.setSelected(index);
    showDetails($('details'), model.packets[index]!);
  };
  const rows = model.lanes.length + model.connections.filter((c) => c.events.length > 0).length;
  $('timeline-box').style.height = `min(45vh, ${24 + rows * 26 + 24}px)`;
  const timeline = new Timeline($<HTMLCanvasElement>('timeline'), model, { select: (i) => select(i, false) });
  const list = new PacketList($('list'), model, (i) => select(i));
  const show = (indices: Int32Array): void => {
    timeline.setVisible(indices);
    list.setIndices(indices);
    $('count').textContent = `${indices.length} of ${model.packets.length} packets`;
    $('count').dataset['shown'] = String(indices.length);
    if (selected >= 0) list.setSelected(selected);
  };
  bindFilters(model, (state) => show(applyFilters(model, state)));
  show(Int32Array.from(model.packets.keys()));
  $('zoom-all').addEventListener('click', () => timeline.zoomAll());

  const chartSelect = $<HTMLSelectElement>('chart-connection');
  for (const c of model.connections) chartSelect.add(new Option(c.name, String(c.index)));
  const busiest = [...model.connections].sort((a, b) => b.packets - a.packets)[0];
  if (busiest) chartSelect.value = String(busiest.index);
  const chart = (): void => {
    const c = model.connections[Number(chartSelect.value)];
    if (c) drawCharts(model, c, $('throughput'), $('event-use'));
  };
  chartSelect.addEventListener('change', chart);
  chart();

  requestAnimationFrame(() => {
    performance.mark('view:drawn');
    window.plushlinkView = { model, timeline, ready: true };
    document.body.dataset['ready'] = 'true';
  });
}

main().catch((error: unknown) => {
  $('status').textContent = `cannot show this capture: ${error instanceof Error ? error.message : String(error)}`;
  document.body.dataset['ready'] = 'error';
});
