// The timeline: one lane per device with every packet at its time and air time, one row per
// connection with its connection events, resends and unacknowledged packets marked, link changes
// as vertical lines, and a time axis; zoom from the whole run down to microseconds, pan, and pick
// a packet. This file holds the view's state and input; timeline-drawing.ts paints it. Drawn on a
// canvas by hand: tens of thousands of rectangles per frame is what a canvas does well and what
// charting libraries (SVG or series-based) do not; each frame draws only what is visible, at most
// one mark per pixel per lane.
import { type AirModel, PacketFlag } from '../decode/air-model';
import { firstAtOrAfter } from './search';
import { AXIS, drawAxis, drawEvents, drawLinkChanges, drawPackets, drawRows, type Frame, LABEL, ROW } from './timeline-drawing';

export { KIND_COLOURS } from './timeline-drawing';

const MIN_US_PER_PX = 0.01;

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
    return LABEL + (us - this.startUs) / this.usPerPx;
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
    const frame: Frame = {
      model: this.model,
      ...this.range,
      usPerPx: this.usPerPx,
      visible: this.visible,
      selected: this.selected,
      maxDurationUs: this.maxDurationUs,
      eventRows: this.eventRows,
      rows: this.rows,
      linkChanges: this.linkChanges,
    };
    drawRows(ctx, frame, width);
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL, 0, width - LABEL, height);
    ctx.clip();
    drawAxis(ctx, frame, height);
    drawEvents(ctx, frame);
    drawPackets(ctx, frame);
    drawLinkChanges(ctx, frame, height);
    ctx.restore();
    this.drawTimes.push(performance.now() - started);
  }
}
