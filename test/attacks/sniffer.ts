// A passive listener on the air. Neither profile uses link-layer encryption (bleno cannot), so a
// sniffer following the toy's connections sees every ATT PDU in the clear: the GATT discovery
// (which characteristic sits at which handle), every write and every notification. It taps the
// toy's controller, which carries exactly what a link-layer sniffer would follow.
import type { Controller } from '../../radio/controller';

export interface CapturedAtt {
  /** 'toToy' for what a central wrote, 'fromToy' for notifications. */
  readonly direction: 'toToy' | 'fromToy';
  readonly opcode: number;
  readonly handle: number;
  readonly value: Buffer;
}

const WRITE_REQUEST = 0x12;
const WRITE_COMMAND = 0x52;
const NOTIFICATION = 0x1b;
const READ_BY_TYPE_RESPONSE = 0x09;

export class Sniffer {
  readonly att: CapturedAtt[] = [];
  /** Characteristic value handles learned from captured discovery, by UUID. */
  readonly handles = new Map<number, string>();
  private readonly partial = new Map<string, { length: number; data: Buffer }>();

  private readonly untap: () => void;

  constructor(controller: Controller) {
    this.untap = controller.tap((direction, packet) => this.onPacket(direction === 'toHost' ? 'toToy' : 'fromToy', packet));
  }

  /** Stops listening; what was captured stays. */
  stop(): void {
    this.untap();
  }

  /** Values written to a characteristic, in order. */
  writesTo(uuid: string): Buffer[] {
    return this.att.filter((a) => a.direction === 'toToy' && (a.opcode === WRITE_COMMAND || a.opcode === WRITE_REQUEST) && this.handles.get(a.handle) === uuid).map((a) => a.value);
  }

  /** Every write a central made, with the characteristic it went to. */
  writes(): Array<{ uuid: string; value: Buffer; withoutResponse: boolean }> {
    return this.att
      .filter((a) => a.direction === 'toToy' && (a.opcode === WRITE_COMMAND || a.opcode === WRITE_REQUEST) && this.handles.has(a.handle))
      .map((a) => ({ uuid: this.handles.get(a.handle)!, value: a.value, withoutResponse: a.opcode === WRITE_COMMAND }));
  }

  notificationsFrom(uuid: string): Buffer[] {
    return this.att.filter((a) => a.opcode === NOTIFICATION && this.handles.get(a.handle) === uuid).map((a) => a.value);
  }

  private onPacket(direction: 'toToy' | 'fromToy', packet: Buffer): void {
    if (packet[0] !== 0x02 || packet.length < 5) return;
    const field = packet.readUInt16LE(1);
    const boundary = field >> 12;
    const key = `${direction}/${field & 0x0fff}`;
    const data = packet.subarray(5);
    if (boundary !== 0b01) {
      if (data.length < 4) return;
      this.partial.set(key, { length: data.readUInt16LE(0), data: Buffer.from(data.subarray(4)) });
      if (data.readUInt16LE(2) !== 0x0004) this.partial.delete(key); // not the ATT channel
    } else {
      const p = this.partial.get(key);
      if (!p) return;
      p.data = Buffer.concat([p.data, data]);
    }
    const p = this.partial.get(key);
    if (p && p.data.length >= p.length) {
      this.partial.delete(key);
      this.onAtt(direction, p.data.subarray(0, p.length));
    }
  }

  private onAtt(direction: 'toToy' | 'fromToy', pdu: Buffer): void {
    const opcode = pdu[0]!;
    if (opcode === READ_BY_TYPE_RESPONSE && pdu.length >= 2) {
      const each = pdu[1]!;
      // Characteristic declarations: declaration handle, properties, value handle, UUID.
      for (let i = 2; i + each <= pdu.length && (each === 7 || each === 21); i += each) {
        const valueHandle = pdu.readUInt16LE(i + 3);
        const uuid = Buffer.from(pdu.subarray(i + 5, i + each)).reverse().toString('hex');
        this.handles.set(valueHandle, uuid);
      }
      return;
    }
    if ((opcode === WRITE_COMMAND || opcode === WRITE_REQUEST || opcode === NOTIFICATION) && pdu.length >= 3) {
      this.att.push({ direction, opcode, handle: pdu.readUInt16LE(1), value: Buffer.from(pdu.subarray(3)) });
    }
  }
}
