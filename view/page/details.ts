// The decode of one packet, layer by layer, as nested lists.
import type { DecodeNode } from '../decode/decode-tree';
import type { ViewPacket } from '../decode/air-model';
import { escape } from './packet-list';

function tree(nodes: readonly DecodeNode[]): string {
  return `<ul>${nodes.map((n) => `<li>${escape(n.label)}${n.children ? tree(n.children) : ''}</li>`).join('')}</ul>`;
}

export function showDetails(box: HTMLElement, packet: ViewPacket): void {
  box.innerHTML = tree(packet.detail());
  box.dataset['frame'] = String(packet.frame);
}
