// The packet list, synchronised with the timeline: only the rows in view exist in the DOM (a list
// of tens of thousands of rows would take seconds to lay out), each a packet of the filtered set.
import { type AirModel, PacketFlag } from '../decode/air-model';

const ROW = 20;

export class PacketList {
  private indices: Int32Array = new Int32Array(0);
  private selected = -1;
  private readonly spacer: HTMLElement;

  constructor(
    private readonly box: HTMLElement,
    private readonly model: AirModel,
    private readonly onSelect: (packetIndex: number) => void,
  ) {
    this.spacer = box.querySelector('#list-spacer')!;
    box.addEventListener('scroll', () => this.render());
    new ResizeObserver(() => this.render()).observe(box);
    box.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
      if (row?.dataset['index']) this.onSelect(Number(row.dataset['index']));
    });
  }

  setIndices(indices: Int32Array): void {
    this.indices = indices;
    this.spacer.style.height = `${indices.length * ROW}px`;
    this.render();
  }

  setSelected(packetIndex: number): void {
    this.selected = packetIndex;
    const position = this.positionOf(packetIndex);
    if (position >= 0) {
      const top = position * ROW;
      if (top < this.box.scrollTop || top > this.box.scrollTop + this.box.clientHeight - ROW) this.box.scrollTop = top - this.box.clientHeight / 2;
    }
    this.render();
  }

  private positionOf(packetIndex: number): number {
    let lo = 0;
    let hi = this.indices.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.indices[mid]! < packetIndex) lo = mid + 1;
      else hi = mid;
    }
    return this.indices[lo] === packetIndex ? lo : -1;
  }

  private render(): void {
    const first = Math.max(0, Math.floor(this.box.scrollTop / ROW) - 5);
    const last = Math.min(this.indices.length, first + Math.ceil(this.box.clientHeight / ROW) + 10);
    const rows: string[] = [];
    for (let k = first; k < last; k++) {
      const i = this.indices[k]!;
      const p = this.model.packets[i]!;
      const lane = this.model.lanes[p.lane]!.name;
      const classes = ['row', i === this.selected ? 'selected' : '', p.flags & (PacketFlag.retransmission | PacketFlag.unacknowledged) ? 'flagged' : ''].join(' ');
      const marks = `${p.flags & PacketFlag.retransmission ? ' [resent]' : ''}${p.flags & PacketFlag.unacknowledged ? ' [not acknowledged]' : ''}`;
      rows.push(
        `<div class="${classes}" data-index="${i}" data-frame="${p.frame}" style="top:${k * ROW}px"><span>${p.frame}</span><span>${(p.timeUs / 1e6).toFixed(6)}</span><span>${escape(lane)}</span><span>${p.connection === undefined ? '' : p.connection + 1}</span><span>${p.layer}</span><span>${p.step ?? ''}</span><span>${escape(p.summary + marks)}</span></div>`,
      );
    }
    this.spacer.innerHTML = rows.join('');
  }
}

export function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
