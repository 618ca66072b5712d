// Filters (device, connection, layer, protocol step) and a free-text search over each packet's
// summary and protocol step (decodes are made only when a packet is opened); the result is the ascending list of packet indices shown everywhere.
import type { AirModel, ViewPacket } from '../decode/air-model';
import { LAYERS } from '../decode/decode-tree';

export interface FilterState {
  readonly lane: number | undefined;
  readonly connection: number | undefined;
  readonly layer: string | undefined;
  readonly step: string | undefined;
  readonly search: string;
}

function matches(p: ViewPacket, f: FilterState): boolean {
  if (f.lane !== undefined && p.lane !== f.lane) return false;
  if (f.connection !== undefined && p.connection !== f.connection) return false;
  if (f.layer !== undefined && p.layer !== f.layer) return false;
  if (f.step !== undefined && p.step !== f.step) return false;
  if (f.search !== '' && !p.summary.toLowerCase().includes(f.search) && !(p.step?.toLowerCase().includes(f.search) ?? false)) return false;
  return true;
}

export function applyFilters(model: AirModel, f: FilterState): Int32Array {
  if (f.lane === undefined && f.connection === undefined && f.layer === undefined && f.step === undefined && f.search === '') {
    return Int32Array.from({ length: model.packets.length }, (_, i) => i);
  }
  const out: number[] = [];
  model.packets.forEach((p, i) => {
    if (matches(p, f)) out.push(i);
  });
  return Int32Array.from(out);
}

function fill(select: HTMLSelectElement, options: ReadonlyArray<readonly [string, string]>): void {
  for (const [value, label] of options) select.add(new Option(label, value));
}

/**
 * Fills the filter controls from the model, sets them to `initial` (what a live page had before
 * its capture grew) and calls `changed` with the state now and on every edit.
 */
export function bindFilters(model: AirModel, initial: FilterState | undefined, changed: (state: FilterState) => void): void {
  const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
  const lane = $<HTMLSelectElement>('filter-lane');
  const connection = $<HTMLSelectElement>('filter-connection');
  const layer = $<HTMLSelectElement>('filter-layer');
  const step = $<HTMLSelectElement>('filter-step');
  const search = $<HTMLInputElement>('filter-search');
  fill(lane, model.lanes.map((l, i) => [String(i), l.name]));
  fill(connection, model.connections.map((c) => [String(c.index), c.name]));
  const layers = new Set(model.packets.map((p) => p.layer));
  fill(layer, LAYERS.filter((l) => layers.has(l)).map((l) => [l, l]));
  fill(step, [...new Set(model.packets.map((p) => p.step).filter((s): s is string => s !== undefined))].map((s) => [s, s]));
  const number = (value: string): number | undefined => (value === '' ? undefined : Number(value));
  const read = (): FilterState => ({
    lane: number(lane.value),
    connection: number(connection.value),
    layer: layer.value || undefined,
    step: step.value || undefined,
    search: search.value.trim().toLowerCase(),
  });
  if (initial) {
    lane.value = initial.lane === undefined ? '' : String(initial.lane);
    connection.value = initial.connection === undefined ? '' : String(initial.connection);
    layer.value = initial.layer ?? '';
    step.value = initial.step ?? '';
    search.value = initial.search;
  }
  changed(read());
  for (const control of [lane, connection, layer, step]) control.addEventListener('change', () => changed(read()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => changed(read()), 150);
  });
}
