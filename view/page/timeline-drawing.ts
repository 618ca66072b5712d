// The timeline's painting, one function per layer of the picture, from a Frame: what is in view
// and how it maps to pixels. timeline.ts owns the state and the input; this draws.
import { type AirModel, PacketFlag, type PacketKind } from '../decode/air-model';
import { firstAtOrAfter } from './search';

export const AXIS = 24;
export const ROW = 26;
export const LABEL = 230;

export const KIND_COLOURS: Readonly<Record<PacketKind, string>> = {
  advertising: '#8e24aa',
  'scan-request': '#f9a825',
  'scan-response': '#fb8c00',
  connect: '#d81b60',
  data: '#1e88e5',
  empty: '#b0bec5',
  control: '#43a047',
  'hci-command': '#6d4c41',
  'hci-event': '#00897b',
  acl: '#1e88e5',
};

/** Everything one drawing needs to know. */
export interface Frame {
  readonly model: AirModel;
  readonly startUs: number;
  readonly endUs: number;
  readonly usPerPx: number;
  /** Indices of the packets shown (filtered), ascending. */
  readonly visible: Int32Array;
  readonly selected: number;
  readonly maxDurationUs: number;
  /** Per connection, its events' row (-1 without events). */
  readonly eventRows: Int32Array;
  readonly rows: number;
  /** Indices of packets that change the link. */
  readonly linkChanges: readonly number[];
}

/** Where time `us` is drawn, in CSS pixels from the canvas's left edge. */
export const xOf = (f: Frame, us: number): number => LABEL + (us - f.startUs) / f.usPerPx;

/** Lane backgrounds and names: devices, then connections with events. */
export function drawRows(ctx: CanvasRenderingContext2D, f: Frame, width: number): void {
  const names = [...f.model.lanes.map((l) => `${l.name}`), ...f.model.connections.filter((c) => c.events.length > 0).map((c) => `${c.name} events`)];
  names.forEach((name, row) => {
    const y = AXIS + row * ROW;
    ctx.fillStyle = row % 2 ? '#f3f5f7' : '#ffffff';
    ctx.fillRect(0, y, width, ROW);
    ctx.fillStyle = '#263238';
    ctx.fillText(name.length > 40 ? `${name.slice(0, 39)}…` : name, 4, y + ROW / 2 + 4);
  });
  ctx.strokeStyle = '#cfd8dc';
  ctx.beginPath();
  ctx.moveTo(LABEL - 0.5, 0);
  ctx.lineTo(LABEL - 0.5, AXIS + f.rows * ROW);
  ctx.stroke();
}

/** Time ticks every 1, 2 or 5 × 10^n µs, at least 90 px apart, labelled in s, ms or µs. */
export function drawAxis(ctx: CanvasRenderingContext2D, f: Frame, height: number): void {
  const target = 90 * f.usPerPx;
  const power = Math.pow(10, Math.floor(Math.log10(target)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= target) ?? power * 10;
  const { startUs, endUs } = f;
  const unit = step >= 1e5 ? { div: 1e6, name: 's' } : step >= 100 ? { div: 1e3, name: 'ms' } : { div: 1, name: 'µs' };
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / unit.div)));
  ctx.fillStyle = '#455a64';
  ctx.strokeStyle = '#eceff1';
  ctx.beginPath();
  for (let t = Math.ceil(startUs / step) * step; t <= endUs; t += step) {
    const x = Math.round(xOf(f, t)) + 0.5;
    ctx.moveTo(x, AXIS - 6);
    ctx.lineTo(x, height);
    ctx.fillText(`${(t / unit.div).toFixed(decimals)} ${unit.name}`, x + 3, 14);
  }
  ctx.stroke();
}

/** Each connection event: its interval's slot, and the part its exchanges used. */
export function drawEvents(ctx: CanvasRenderingContext2D, f: Frame): void {
  let row = f.model.lanes.length;
  const { startUs, endUs } = f;
  for (const c of f.model.connections) {
    if (c.events.length === 0) continue;
    const y = AXIS + row++ * ROW + 4;
    let lo = 0;
    let hi = c.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c.events[mid]!.startUs + c.events[mid]!.intervalUs < startUs) lo = mid + 1;
      else hi = mid;
    }
    let lastX = -1;
    for (let k = lo; k < c.events.length; k++) {
      const e = c.events[k]!;
      if (e.startUs > endUs) break;
      const x = xOf(f, e.startUs);
      const slot = Math.max(1, e.intervalUs / f.usPerPx);
      if (slot < 2 && Math.floor(x) === lastX) continue;
      lastX = Math.floor(x);
      ctx.fillStyle = '#e3f2fd';
      ctx.fillRect(x, y, slot, ROW - 8);
      ctx.fillStyle = '#1565c0';
      ctx.fillRect(x, y, Math.max(1, (e.endUs - e.startUs) / f.usPerPx), ROW - 8);
    }
  }
}

/** Every visible packet at its air time, at most one mark per pixel per lane; resends and unacknowledged packets marked. */
export function drawPackets(ctx: CanvasRenderingContext2D, f: Frame): void {
  const packets = f.model.packets;
  const { startUs, endUs } = f;
  const lastX = new Float64Array(f.model.lanes.length).fill(-1);
  const marks: Array<[number, number, number]> = [];
  const eventRows = f.eventRows;
  for (let k = firstAtOrAfter(f.visible, packets, startUs - f.maxDurationUs); k < f.visible.length; k++) {
    const i = f.visible[k]!;
    const p = packets[i]!;
    if (p.timeUs > endUs) break;
    const x = xOf(f, p.timeUs);
    const w = p.durationUs / f.usPerPx;
    const y = AXIS + p.lane * ROW + 5;
    if (p.flags & (PacketFlag.retransmission | PacketFlag.unacknowledged)) marks.push([x, y, p.flags]);
    if (w < 1 && Math.floor(x) === lastX[p.lane] && i !== f.selected) continue;
    lastX[p.lane] = Math.floor(x);
    ctx.fillStyle = KIND_COLOURS[p.kind];
    ctx.fillRect(x, y, Math.max(1, w), ROW - 13);
    if (w > 60) {
      ctx.fillStyle = '#fff';
      ctx.fillText(p.summary.slice(0, Math.floor(w / 6)), x + 2, y + 11);
    }
    // Zoomed in to single exchanges, each packet also shows inside its connection event:
    // the central's in the upper half, the peripheral's in the lower.
    const eventRow = p.connection === undefined ? -1 : (eventRows[p.connection] ?? -1);
    if (w >= 2 && eventRow >= 0 && p.sender !== undefined) {
      ctx.fillStyle = p.kind === 'empty' ? '#cfd8dc' : '#ffb300';
      ctx.fillRect(x, AXIS + eventRow * ROW + (p.sender === 'central' ? 5 : ROW / 2 + 1), w, ROW / 2 - 6);
    }
  }
  for (const [x, y, flags] of marks) {
    ctx.fillStyle = '#c62828';
    if (flags & PacketFlag.retransmission) {
      ctx.beginPath();
      ctx.moveTo(x, y - 4);
      ctx.lineTo(x + 4, y - 4);
      ctx.lineTo(x + 2, y);
      ctx.fill();
    }
    if (flags & PacketFlag.unacknowledged) ctx.fillRect(x, y + ROW - 12, 5, 3);
  }
  const s = packets[f.selected];
  if (s) {
    const x = xOf(f, s.timeUs);
    ctx.strokeStyle = '#d50000';
    ctx.lineWidth = 2;
    ctx.strokeRect(x - 2, AXIS + s.lane * ROW + 2, Math.max(1, s.durationUs / f.usPerPx) + 4, ROW - 4);
    ctx.lineWidth = 1;
  }
}

/** PHY and parameter updates and terminations as dashed lines across every lane. */
export function drawLinkChanges(ctx: CanvasRenderingContext2D, f: Frame, height: number): void {
  const { startUs, endUs } = f;
  ctx.strokeStyle = '#ef6c00';
  ctx.fillStyle = '#ef6c00';
  for (const i of f.linkChanges) {
    const p = f.model.packets[i]!;
    if (p.timeUs < startUs || p.timeUs > endUs) continue;
    const x = Math.round(xOf(f, p.timeUs)) + 0.5;
    ctx.beginPath();
    ctx.setLineDash([3, 3]);
    ctx.moveTo(x, AXIS);
    ctx.lineTo(x, height);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillText(p.summary.split(':')[0]!, x + 3, AXIS + f.rows * ROW + 12);
  }
}
