// L2CAP over one connection (Core Vol 3, Part A): basic frames reassembled from link-layer or ACL
// fragments per direction, then handed to ATT on CID 4 and, for the secure profile's frame
// characteristics, to plushlink's own protocol. One Conversation per connection.
import type { Role } from '../../radio/link';
import { decodeAtt } from './att';
import { type DecodeNode, hex, hexNumber, type Layer, node, u16 } from './decode-tree';
import { CHARACTERISTIC_NAMES, FRAME_CHARACTERISTICS, PlushlinkStream } from './plushlink';

const CHANNELS: Readonly<Record<number, string>> = { 4: 'ATT', 5: 'LE signalling', 6: 'SMP' };

export interface UpperDecode {
  readonly layer: Layer;
  /** The decode, made when asked for. */
  readonly nodes: () => readonly DecodeNode[];
  readonly summary: string;
  readonly step: string | undefined;
}

class Direction {
  pending: Uint8Array | undefined;
  filled = 0;
  readonly plushlink = new PlushlinkStream();
}

export class Conversation {
  private readonly directions: Record<Role, Direction> = { central: new Direction(), peripheral: new Direction() };
  /** ATT value handles to characteristic UUIDs, learnt from discovery. */
  readonly characteristics = new Map<number, string>();

  /** One fragment of an L2CAP frame from `sender`; `start` says whether it begins a frame. */
  push(sender: Role, start: boolean, data: Uint8Array): UpperDecode {
    const d = this.directions[sender];
    if (start) {
      const length = u16(data, 0);
      d.pending = new Uint8Array(length + 4);
      d.filled = 0;
    } else if (d.pending === undefined) {
      return { layer: 'L2CAP', nodes: () => [node(`L2CAP continuation without a start: ${hex(data)}`)], summary: 'L2CAP continuation (no start)', step: undefined };
    }
    const pending = d.pending!;
    const take = Math.min(data.length, pending.length - d.filled);
    pending.set(data.subarray(0, take), d.filled);
    d.filled += take;
    if (d.filled < pending.length) {
      const filled = d.filled;
      return { layer: 'L2CAP', nodes: () => [node(`L2CAP fragment: ${filled} of ${pending.length} bytes`)], summary: `L2CAP fragment ${filled}/${pending.length}`, step: undefined };
    }
    d.pending = undefined;
    return this.frame(sender, pending);
  }

  private frame(sender: Role, frame: Uint8Array): UpperDecode {
    const length = u16(frame, 0);
    const cid = u16(frame, 2);
    const payload = frame.subarray(4);
    const l2cap = (): DecodeNode => node(`L2CAP: length ${length}, channel ${hexNumber(cid, 4)} (${CHANNELS[cid] ?? 'dynamic'})`);
    if (cid !== 4) return { layer: 'L2CAP', nodes: () => [l2cap(), node(`payload: ${hex(payload)}`)], summary: `L2CAP ${CHANNELS[cid] ?? hexNumber(cid, 4)}`, step: undefined };
    const att = decodeAtt(payload, this.characteristics, CHARACTERISTIC_NAMES);
    const uuid = att.value ? this.characteristics.get(att.value.handle) : undefined;
    if (att.value && uuid !== undefined && FRAME_CHARACTERISTICS.has(uuid) && att.value.value.length > 0) {
      const p = this.directions[sender].plushlink.push(att.value.value);
      return { layer: 'plushlink', nodes: () => [l2cap(), att.node(), p.node()], summary: p.summary, step: p.step };
    }
    return { layer: 'ATT', nodes: () => [l2cap(), att.node()], summary: att.name, step: undefined };
  }
}
