// The air view page: fetches the capture the CLI serves, decodes it in the browser, and wires the
// timeline, the packet list, the decode, the filters and the charts together. Live (while an air
// runs), it fetches the capture again every second and remounts on the grown model, keeping the
// filters, the selection and, once the user has zoomed or panned, the visible span.
// `performance` marks (view:start, view:fetched, view:decoded, view:mounted, view:drawn) time the first load
// for bench/view.ts.
import type { AirModel, PacketKind } from '../decode/air-model';
import { buildModel } from '../decode/model';
import './view.css';
import { drawCharts } from './charts';
import { showDetails } from './details';
import { applyFilters, bindFilters, type FilterState } from './filters';
import { escape, PacketList } from './packet-list';
import { KIND_COLOURS, Timeline } from './timeline';

declare global {
  interface Window {
    plushlinkView?: { readonly model: AirModel; readonly timeline: Timeline; readonly ready: boolean };
  }
}

interface ViewConfig {
  readonly live: boolean;
}

/** What survives a remount on a grown capture. */
interface Kept {
  readonly filters: FilterState | undefined;
  readonly selectedFrame: number | undefined;
  readonly span: { readonly startUs: number; readonly endUs: number } | undefined;
  readonly chartConnection: string | undefined;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Replaces an element by a copy without its event listeners (and, unless `deep`, its children). */
function fresh<T extends HTMLElement>(id: string, deep = false): T {
  const old = $<T>(id);
  const copy = old.cloneNode(deep) as T;
  old.replaceWith(copy);
  return copy;
}

/** Builds the whole page for `model`; returns how to read back what a remount must keep. */
function mount(model: AirModel, name: string, live: boolean, kept: Kept | undefined): () => Kept {
  for (const id of ['filter-lane', 'filter-connection', 'filter-layer', 'filter-step']) fresh<HTMLSelectElement>(id).add(new Option('all', ''));
  const canvas = fresh<HTMLCanvasElement>('timeline');
  const listBox = fresh('list', true);
  fresh('filter-search').setAttribute('value', kept?.filters?.search ?? '');
  const zoomAll = fresh('zoom-all', true);
  const chartSelect = fresh<HTMLSelectElement>('chart-connection');

  $('source').textContent = name;
  $('status').textContent = `${model.packets.length} packets, ${(model.durationUs / 1e6).toFixed(3)} s, ${model.format === 'pcap-ble-ll' ? 'air (sniffer pcap)' : 'one controller (btsnoop HCI)'}${live ? ', live' : ''}`;
  const kinds = new Set(model.packets.map((p) => p.kind));
  const legend = Object.entries(KIND_COLOURS).filter(([kind]) => kinds.has(kind as PacketKind)).map(([kind, colour]) => `<span><i style="background:${colour}"></i>${kind}</span>`);
  if (model.format === 'pcap-ble-ll') legend.push('<span><i style="background:#c62828"></i>resent (▼) / not acknowledged (▬)</span>', '<span><i style="background:#ef6c00"></i>link change</span>', '<span><i style="background:#1565c0"></i>connection event (used part of its interval)</span>', '<span><i style="background:#ffb300"></i>data inside an event, zoomed in (central above, peripheral below)</span>');
  $('legend').innerHTML = legend.join('');
  $('lanes').innerHTML = model.lanes.map((l, i) => `<li data-lane="${i}" data-name="${escape(l.name)}" data-count="${l.count}">${escape(l.name)} (${l.role}): ${l.count} packets</li>`).join('');

  let selected = -1;
  let filters: FilterState | undefined = kept?.filters;
  const select = (index: number, reveal = true): void => {
    selected = index;
    timeline.setSelected(index, reveal);
    list.setSelected(index);
    showDetails($('details'), model.packets[index]!);
  };
  const rows = model.lanes.length + model.connections.filter((c) => c.events.length > 0).length;
  $('timeline-box').style.height = `min(45vh, ${24 + rows * 26 + 24}px)`;
  const timeline = new Timeline(canvas, model, { select: (i) => select(i, false) });
  const list = new PacketList(listBox, model, (i) => select(i));
  const show = (indices: Int32Array): void => {
    timeline.setVisible(indices);
    list.setIndices(indices);
    $('count').textContent = `${indices.length} of ${model.packets.length} packets`;
    $('count').dataset['shown'] = String(indices.length);
    if (selected >= 0) list.setSelected(selected);
  };
  bindFilters(model, kept?.filters, (state) => {
    filters = state;
    show(applyFilters(model, state));
  });
  zoomAll.addEventListener('click', () => timeline.zoomAll());
  if (kept?.span) timeline.show(kept.span.startUs, kept.span.endUs);
  const again = kept?.selectedFrame === undefined ? -1 : model.packets.findIndex((p) => p.frame === kept.selectedFrame);
  if (again >= 0) select(again, false);

  for (const c of model.connections) chartSelect.add(new Option(c.name, String(c.index)));
  const busiest = [...model.connections].sort((a, b) => b.packets - a.packets)[0];
  chartSelect.value = kept?.chartConnection ?? (busiest ? String(busiest.index) : '');
  const chart = (): void => {
    const c = model.connections[Number(chartSelect.value)];
    if (c) drawCharts(model, c, $('throughput'), $('event-use'));
  };
  chartSelect.addEventListener('change', chart);
  chart();
  window.plushlinkView = { model, timeline, ready: true };

  return () => ({
    filters,
    selectedFrame: model.packets[selected]?.frame,
    span: timeline.moved ? timeline.range : undefined,
    chartConnection: chartSelect.value || undefined,
  });
}

async function fetchCapture(): Promise<{ readonly name: string; readonly bytes: Uint8Array } | undefined> {
  const response = await fetch('capture', { cache: 'no-store' });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`the capture could not be fetched: ${response.status} ${await response.text()}`);
  return { name: response.headers.get('x-capture-name') ?? 'capture', bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function main(): Promise<void> {
  performance.mark('view:start');
  const config = (await (await fetch('config')).json()) as ViewConfig;
  let capture = await fetchCapture();
  while (!capture && config.live) {
    $('status').textContent = 'waiting for the air to start…';
    await new Promise((resolve) => setTimeout(resolve, 500));
    capture = await fetchCapture();
  }
  if (!capture) throw new Error('no capture');
  performance.mark('view:fetched');
  const model = buildModel(capture.bytes, { partial: config.live });
  performance.mark('view:decoded');
  let keep = mount(model, capture.name, config.live, undefined);
  performance.mark('view:mounted');
  requestAnimationFrame(() => {
    performance.mark('view:drawn');
    document.body.dataset['ready'] = 'true';
  });
  let size = capture.bytes.length;
  while (config.live) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const next = await fetchCapture().catch(() => undefined);
    if (!next || next.bytes.length === size) continue;
    size = next.bytes.length;
    keep = mount(buildModel(next.bytes, { partial: true }), next.name, true, keep());
  }
}

main().catch((error: unknown) => {
  $('status').textContent = `cannot show this capture: ${error instanceof Error ? error.message : String(error)}`;
  document.body.dataset['ready'] = 'error';
});
