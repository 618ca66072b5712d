// Building the HCI events a controller sends and parsing the packets a host writes, with the
// length checks that keep a malformed packet from becoming anything but a status code.
import { AclBoundary, Ev, H4, LeEv } from './hci';

/** A command as the host wrote it. */
export interface HciCommand {
  readonly opcode: number;
  readonly params: Buffer;
}

/** An ACL data packet as the host wrote it. */
export interface HciAcl {
  readonly handle: number;
  readonly boundary: number;
  readonly data: Buffer;
}

export type HostPacket =
  | { readonly kind: 'command'; readonly command: HciCommand }
  | { readonly kind: 'acl'; readonly acl: HciAcl }
  | { readonly kind: 'malformed'; readonly reason: string; readonly opcode?: number };

/** Parses one whole H4 packet written by a host. Never throws. */
export function parseHostPacket(packet: Uint8Array): HostPacket {
  const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  if (buf.length < 1) return { kind: 'malformed', reason: 'empty packet' };
  const type = buf[0];
  if (type === H4.command) {
    if (buf.length < 4) return { kind: 'malformed', reason: `command header needs 4 bytes, got ${buf.length}` };
    const op = buf.readUInt16LE(1);
    const length = buf[3]!;
    if (buf.length !== 4 + length) {
      return { kind: 'malformed', opcode: op, reason: `command 0x${op.toString(16)} declares ${length} parameter bytes, carries ${buf.length - 4}` };
    }
    return { kind: 'command', command: { opcode: op, params: buf.subarray(4) } };
  }
  if (type === H4.acl) {
    if (buf.length < 5) return { kind: 'malformed', reason: `ACL header needs 5 bytes, got ${buf.length}` };
    const field = buf.readUInt16LE(1);
    const length = buf.readUInt16LE(3);
    if (buf.length !== 5 + length) {
      return { kind: 'malformed', reason: `ACL packet declares ${length} bytes, carries ${buf.length - 5}` };
    }
    return { kind: 'acl', acl: { handle: field & 0x0fff, boundary: (field >> 12) & 0b11, data: buf.subarray(5) } };
  }
  return { kind: 'malformed', reason: `packet type 0x${(type ?? 0).toString(16)} is not a command or ACL data` };
}

export function eventPacket(code: number, params: Uint8Array): Buffer {
  if (params.length > 255) throw new RangeError(`event 0x${code.toString(16)} parameters exceed 255 bytes`);
  return Buffer.concat([Buffer.from([H4.event, code, params.length]), params]);
}

export function commandComplete(op: number, returnParams: Uint8Array, numPackets = 1): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt8(numPackets, 0);
  head.writeUInt16LE(op, 1);
  return eventPacket(Ev.commandComplete, Buffer.concat([head, returnParams]));
}

export function commandStatus(op: number, status: number, numPackets = 1): Buffer {
  const params = Buffer.alloc(4);
  params.writeUInt8(status, 0);
  params.writeUInt8(numPackets, 1);
  params.writeUInt16LE(op, 2);
  return eventPacket(Ev.commandStatus, params);
}

export function leMetaEvent(subevent: number, params: Uint8Array): Buffer {
  return eventPacket(Ev.leMeta, Buffer.concat([Buffer.from([subevent]), params]));
}

export function disconnectionComplete(handle: number, reason: number, status = 0): Buffer {
  const params = Buffer.alloc(4);
  params.writeUInt8(status, 0);
  params.writeUInt16LE(handle, 1);
  params.writeUInt8(reason, 3);
  return eventPacket(Ev.disconnectionComplete, params);
}

export function numberOfCompletedPackets(counts: ReadonlyMap<number, number>): Buffer {
  const entries = [...counts.entries()];
  const params = Buffer.alloc(1 + entries.length * 4);
  params.writeUInt8(entries.length, 0);
  entries.forEach(([handle, count], i) => {
    params.writeUInt16LE(handle, 1 + i * 4);
    params.writeUInt16LE(Math.min(count, 0xffff), 3 + i * 4);
  });
  return eventPacket(Ev.numberOfCompletedPackets, params);
}

export function aclPacket(handle: number, boundary: number, data: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(H4.acl, 0);
  head.writeUInt16LE((handle & 0x0fff) | (boundary << 12), 1);
  head.writeUInt16LE(data.length, 3);
  return Buffer.concat([head, data]);
}

export interface ConnectionCompleteFields {
  readonly status: number;
  readonly handle: number;
  readonly role: 0 | 1;
  readonly peerAddressType: number;
  readonly peerAddress: Buffer;
  readonly intervalUnits: number;
  readonly latency: number;
  readonly timeoutUnits: number;
}

export function leConnectionComplete(f: ConnectionCompleteFields): Buffer {
  const p = Buffer.alloc(18);
  p.writeUInt8(f.status, 0);
  p.writeUInt16LE(f.handle, 1);
  p.writeUInt8(f.role, 3);
  p.writeUInt8(f.peerAddressType, 4);
  f.peerAddress.copy(p, 5);
  p.writeUInt16LE(f.intervalUnits, 11);
  p.writeUInt16LE(f.latency, 13);
  p.writeUInt16LE(f.timeoutUnits, 15);
  p.writeUInt8(0x00, 17); // central clock accuracy: 500 ppm, the worst case
  return leMetaEvent(LeEv.connectionComplete, p);
}

export interface AdvertisingReportFields {
  readonly eventType: number;
  readonly addressType: number;
  readonly address: Buffer;
  readonly data: Buffer;
  readonly rssi: number;
}

export function leAdvertisingReport(r: AdvertisingReportFields): Buffer {
  const p = Buffer.alloc(10 + r.data.length + 1);
  p.writeUInt8(1, 0); // one report per event: what noble and bleno parse most simply
  p.writeUInt8(r.eventType, 1);
  p.writeUInt8(r.addressType, 2);
  r.address.copy(p, 3);
  p.writeUInt8(r.data.length, 9);
  r.data.copy(p, 10);
  p.writeInt8(Math.max(-127, Math.min(20, Math.round(r.rssi))), 10 + r.data.length);
  return leMetaEvent(LeEv.advertisingReport, p);
}

export function isAclStart(boundary: number): boolean {
  return boundary === AclBoundary.firstNonFlushable || boundary === AclBoundary.firstFlushable;
}
