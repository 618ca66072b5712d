// The timeline: one lane per device with every packet at its time and air time, one row per
// connection with its connection events (the event's share of the interval drawn inside its
// slot), resends and unacknowledged packets marked, link changes as vertical lines, and a time
// axis; zoom from the whole run down to microseconds. Drawn on a canvas by hand: tens of
// thousands of rectangles per frame is what a canvas does well and what charting libraries (SVG
// or series-based) do not; each frame draws only what is visible, at most one mark per pixel.
import { type AirModel, PacketFlag, type PacketKind } from '../decode/air-model';
import { firstAtOrAfter } from './search';

const AXIS = 24;
const ROW = 26;
const LABEL = 230;
const MIN_US_PER_PX = 0.01;

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

export interface TimelineHooks {
  select(packetIndex: number): void;
}

export class Timeline {
  private startUs = 0;
  private usPerPx = 1;
  private visible: Int32Array;
  private selected = -1;
  private pending = false;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly maxDurationUs: number;
  private readonly linkChanges: number[];
  /** Whether the user has zoomed or panned (a live page then keeps the span they chose). */
  moved = false;
  /** Milliseconds each draw took, for the benchmark. */
  readonly drawTimes: number[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly model: AirModel,
    private readonly hooks: TimelineHooks,
  ) {
    this.ctx = canvas.getContext('2d')!;
    this.visible = Int32Array.from(model.packets.keys());
    this.maxDurationUs = model.packets.reduce((m, p) => Math.max(m, p.durationUs), 0);
    this.linkChanges = [...model.packets.keys()].filter((i) => (model.packets[i]!.flags & PacketFlag.linkChange) !== 0);
    new ResizeObserver(() => this.request()).observe(canvas);
    this.listen();
    this.zoomAll();
  }

  /** Rows of connections with events, after the device lanes; -1 for a connection without any. */
  private get eventRows(): Int32Array {
    let row = this.model.lanes.length;
    return Int32Array.from(this.model.connections, (c) => (c.events.length > 0 ? row++ : -1));
  }

  private get rows(): number {
    return this.model.lanes.length + this.model.connections.filter((c) => c.events.length > 0).length;
  }

  private get plotWidth(): number {
    return Math.max(1, this.canvas.clientWidth - LABEL);
  }

  zoomAll(): void {
    this.moved = false;
    const span = Math.max(1, this.model.durationUs);
    this.usPerPx = (span * 1.02) / this.plotWidth;
    this.startUs = -span * 0.01;
    this.request();
  }

  /** Shows only these packets (indices into the model's packets, ascending). */
  setVisible(indices: Int32Array): void {
    this.visible = indices;
    this.request();
  }

  setSelected(index: number, reveal: boolean): void {
    this.selected = index;
    const p = this.model.packets[index];
    if (p && reveal) {
      const x = (p.timeUs - this.startUs) / this.usPerPx;
      if (x < 0 || x > this.plotWidth) this.startUs = p.timeUs - (this.plotWidth / 2) * this.usPerPx;
    }
    this.request();
  }

  /** Shows the span from `startUs` to `endUs`. */
  show(startUs: number, endUs: number): void {
    this.usPerPx = Math.max(MIN_US_PER_PX, (endUs - startUs) / this.plotWidth);
    this.startUs = startUs;
    this.request();
  }

  /** Where on the canvas (CSS pixels from its left edge) time `us` is drawn. */
  xOf(us: number): number {
    return this.x(us);
  }

  /** The vertical middle of a device's lane (CSS pixels from the canvas's top). */
  laneMiddle(lane: number): number {
    return AXIS + lane * ROW + ROW / 2;
  }

  panBy(px: number): void {
    this.startUs -= px * this.usPerPx;
    this.request();
  }

  zoomAt(px: number, factor: number): void {
    const at = this.startUs + px * this.usPerPx;
    const maxUsPerPx = (Math.max(1, this.model.durationUs) * 4) / this.plotWidth;
    this.usPerPx = Math.min(maxUsPerPx, Math.max(MIN_US_PER_PX, this.usPerPx * factor));
    this.startUs = at - px * this.usPerPx;
    this.request();
  }

  get range(): { readonly startUs: number; readonly endUs: number } {
    return { startUs: this.startUs, endUs: this.startUs + this.plotWidth * this.usPerPx };
  }

  private request(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private listen(): void {
    let drag: { x: number; moved: boolean } | undefined;
    this.canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.moved = true;
      this.zoomAt(e.offsetX - LABEL, Math.pow(1.0015, e.deltaY));
    }, { passive: false });
    this.canvas.addEventListener('mousedown', (e) => (drag = { x: e.clientX, moved: false }));
    window.addEventListener('mousemove', (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      if (Math.abs(dx) > 2) drag.moved = true;
      if (drag.moved) {
        this.moved = true;
        this.panBy(dx);
        drag.x = e.clientX;
      }
    });
    window.addEventListener('mouseup', (e) => {
      if (drag && !drag.moved && e.target === this.canvas) this.pick(e.offsetX, e.offsetY);
      drag = undefined;
    });
  }

  /** Selects the visible packet nearest to a click in a device lane. */
  private pick(x: number, y: number): void {
    const lane = Math.floor((y - AXIS) / ROW);
    if (lane < 0 || lane >= this.model.lanes.length || x < LABEL) return;
    const t = this.startUs + (x - LABEL) * this.usPerPx;
    const slack = 6 * this.usPerPx;
    const packets = this.model.packets;
    let best = -1;
    let bestDistance = Infinity;
    for (let k = firstAtOrAfter(this.visible, packets, t - slack - this.maxDurationUs); k < this.visible.length; k++) {
      const i = this.visible[k]!;
      const p = packets[i]!;
      if (p.timeUs > t + slack) break;
      if (p.lane !== lane) continue;
      const distance = t < p.timeUs ? p.timeUs - t : t > p.timeUs + p.durationUs ? t - p.timeUs - p.durationUs : 0;
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    }
    if (best >= 0 && bestDistance <= slack) this.hooks.select(best);
  }

  private draw(): void {
    const started = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    this.drawRows(ctx, width);
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL, 0, width - LABEL, height);
    ctx.clip();
    this.drawAxis(ctx, height);
    this.drawEvents(ctx);
    this.drawPackets(ctx);
    this.drawLinkChanges(ctx, height);
    ctx.restore();
    this.drawTimes.push(performance.now() - started);
  }

  private drawRows(ctx: CanvasRenderingContext2D, width: number): void {
    const names = [...this.model.lanes.map((l) => `${l.name}`), ...this.model.connections.filter((c) => c.events.length > 0).map((c) => `${c.name} events`)];
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
    ctx.lineTo(LABEL - 0.5, AXIS + this.rows * ROW);
    ctx.stroke();
  }

  private x(us: number): number {
    return LABEL + (us - this.startUs) / this.usPerPx;
  }

  private drawAxis(ctx: CanvasRenderingContext2D, height: number): void {
    const target = 90 * this.usPerPx;
    const power = Math.pow(10, Math.floor(Math.log10(target)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= target) ?? power * 10;
    const { startUs, endUs } = this.range;
    const unit = step >= 1e5 ? { div: 1e6, name: 's' } : step >= 100 ? { div: 1e3, name: 'ms' } : { div: 1, name: 'µs' };
    const decimals = Math.max(0, Math.ceil(-Math.log10(step / unit.div)));
    ctx.fillStyle = '#455a64';
    ctx.strokeStyle = '#eceff1';
    ctx.beginPath();
    for (let t = Math.ceil(startUs / step) * step; t <= endUs; t += step) {
      const x = Math.round(this.x(t)) + 0.5;
      ctx.moveTo(x, AXIS - 6);
      ctx.lineTo(x, height);
      ctx.fillText(`${(t / unit.div).toFixed(decimals)} ${unit.name}`, x + 3, 14);
    }
    ctx.stroke();
  }

  private drawEvents(ctx: CanvasRenderingContext2D): void {
    let row = this.model.lanes.length;
    const { startUs, endUs } = this.range;
    for (const c of this.model.connections) {
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
        const x = this.x(e.startUs);
        const slot = Math.max(1, e.intervalUs / this.usPerPx);
        if (slot < 2 && Math.floor(x) === lastX) continue;
        lastX = Math.floor(x);
        ctx.fillStyle = '#e3f2fd';
        ctx.fillRect(x, y, slot, ROW - 8);
        ctx.fillStyle = '#1565c0';
        ctx.fillRect(x, y, Math.max(1, (e.endUs - e.startUs) / this.usPerPx), ROW - 8);
      }
    }
  }

  private drawPackets(ctx: CanvasRenderingContext2D): void {
    const packets = this.model.packets;
    const { startUs, endUs } = this.range;
    const lastX = new Float64Array(this.model.lanes.length).fill(-1);
    const marks: Array<[number, number, number]> = [];
    const eventRows = this.eventRows;
    for (let k = firstAtOrAfter(this.visible, packets, startUs - this.maxDurationUs); k < this.visible.length; k++) {
      const i = this.visible[k]!;
      const p = packets[i]!;
      if (p.timeUs > endUs) break;
      const x = this.x(p.timeUs);
      const w = p.durationUs / this.usPerPx;
      const y = AXIS + p.lane * ROW + 5;
      if (p.flags & (PacketFlag.retransmission | PacketFlag.unacknowledged)) marks.push([x, y, p.flags]);
      if (w < 1 && Math.floor(x) === lastX[p.lane] && i !== this.selected) continue;
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
    const s = packets[this.selected];
    if (s) {
      const x = this.x(s.timeUs);
      ctx.strokeStyle = '#d50000';
      ctx.lineWidth = 2;
      ctx.strokeRect(x - 2, AXIS + s.lane * ROW + 2, Math.max(1, s.durationUs / this.usPerPx) + 4, ROW - 4);
      ctx.lineWidth = 1;
    }
  }

  private drawLinkChanges(ctx: CanvasRenderingContext2D, height: number): void {
    const { startUs, endUs } = this.range;
    ctx.strokeStyle = '#ef6c00';
    ctx.fillStyle = '#ef6c00';
    for (const i of this.linkChanges) {
      const p = this.model.packets[i]!;
      if (p.timeUs < startUs || p.timeUs > endUs) continue;
      const x = Math.round(this.x(p.timeUs)) + 0.5;
      ctx.beginPath();
      ctx.setLineDash([3, 3]);
      ctx.moveTo(x, AXIS);
      ctx.lineTo(x, height);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillText(p.summary.split(':')[0]!, x + 3, AXIS + this.rows * ROW + 12);
    }
  }
}
