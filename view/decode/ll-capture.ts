// A sniffer capture of the air (LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR) into the view's model: each
// packet's pseudo-header and link-layer PDU (Core Vol 6, Part B, 2.3 and 2.4), lanes per device
// address, connections from CONNECT_IND, connection events from the packets' timing, resends
// from sequence numbers, and the L2CAP/ATT/plushlink above every data packet.
import { packetAirTimeUs } from '../../radio/link-timing';
import type { Phy, Role } from '../../radio/link';
import { ADVERTISING_ACCESS_ADDRESS, AdvPdu, LlControl } from '../../radio/ll-pdu';
import { type AirModel, type Connection, type Lane, PacketFlag, type PacketKind, type ViewPacket } from './air-model';
import type { CaptureFile } from './capture-file';
import { type DecodeNode, bdAddr, hex, hexNumber, type Layer, node, u16, u24, u32 } from './decode-tree';
import { Conversation } from './l2cap';
import { ConnectionTracker } from './connection-events';
import { llName, namesByValue } from './spec-names';

const ADV_TYPES = namesByValue(AdvPdu, (key) => llName(key));
const CONTROL = namesByValue(LlControl, (key) => llName(key, 'LL_'));
const PHYS: readonly Phy[] = ['1M', '2M', 'coded'];

/** The channel index (0..39) of an RF channel (2402 MHz + 2 MHz × n). */
function channelIndex(rf: number): number {
  if (rf === 0) return 37;
  if (rf === 12) return 38;
  if (rf === 39) return 39;
  return rf <= 11 ? rf - 1 : rf - 2;
}

/** Names in advertising data: the complete or shortened local name, if any. */
function advertisedName(data: Uint8Array): string | undefined {
  for (let i = 0; i + 1 < data.length; ) {
    const length = data[i] as number;
    if (length === 0) break;
    const type = data[i + 1];
    if (type === 0x08 || type === 0x09) return new TextDecoder().decode(data.subarray(i + 2, i + 1 + length));
    i += length + 1;
  }
  return undefined;
}

function adStructures(data: Uint8Array): DecodeNode[] {
  const out: DecodeNode[] = [];
  for (let i = 0; i + 1 < data.length; ) {
    const length = data[i] as number;
    if (length === 0) break;
    const type = data[i + 1] as number;
    const body = data.subarray(i + 2, i + 1 + length);
    const name = type === 0x01 ? 'flags' : type === 0x08 || type === 0x09 ? `local name "${new TextDecoder().decode(body)}"` : type === 0x06 || type === 0x07 ? '128-bit service UUIDs' : type === 0xff ? 'manufacturer data' : `type ${hexNumber(type, 2)}`;
    out.push(node(`AD ${name}: ${hex(body)}`));
    i += length + 1;
  }
  return out;
}

interface Decoded {
  readonly kind: PacketKind;
  readonly layer: Layer;
  readonly lane: number;
  readonly connection: number | undefined;
  readonly sender: Role | undefined;
  readonly summary: string;
  readonly step: string | undefined;
  readonly nodes: () => readonly DecodeNode[];
  readonly flags: number;
}

export function modelFromAir(file: CaptureFile): AirModel {
  const lanes: Lane[] = [];
  const laneByAddress = new Map<string, number>();
  const connections = new ConnectionTracker();
  const conversations: Conversation[] = [];
  const byAccessAddress = new Map<number, Connection>();

  const lane = (address: string, role: string): number => {
    let index = laneByAddress.get(address);
    if (index === undefined) {
      index = lanes.push({ name: address, role, count: 0 }) - 1;
      laneByAddress.set(address, index);
    }
    return index;
  };
  const connectionOf = (aa: number, central?: string, peripheral?: string): Connection => {
    let c = byAccessAddress.get(aa);
    if (!c || central !== undefined) {
      const name = `connection ${connections.list.length + 1} (AA ${hexNumber(aa, 8)})`;
      c = connections.open(name, lane(central ?? `central of ${hexNumber(aa, 8)}`, 'central'), lane(peripheral ?? `peripheral of ${hexNumber(aa, 8)}`, 'peripheral'));
      byAccessAddress.set(aa, c);
      conversations[c.index] = new Conversation();
    }
    return c;
  };

  const advertising = (pdu: Uint8Array, phyText: () => string): Decoded => {
    const header = pdu[0] ?? 0;
    const type = header & 0x0f;
    const name = ADV_TYPES.get(type) ?? `advertising PDU ${type}`;
    const body = pdu.subarray(2);
    const a = bdAddr(body, 0);
    const fields: DecodeNode[] = [node(`PDU type: ${name}, TxAdd ${(header >> 6) & 1}, RxAdd ${(header >> 7) & 1}, length ${pdu[1] ?? 0}, ${phyText()}`)];
    let kind: PacketKind = 'advertising';
    let summary: string = name;
    let laneIndex: number;
    let connection: number | undefined;
    if (type === AdvPdu.scanReq) {
      kind = 'scan-request';
      laneIndex = lane(a, 'scanner');
      summary = `SCAN_REQ to ${bdAddr(body, 6)}`;
      fields.push(node(`ScanA: ${a}`), node(`AdvA: ${bdAddr(body, 6)}`));
    } else if (type === AdvPdu.connectInd) {
      kind = 'connect';
      const ll = body.subarray(12);
      const aa = u32(ll, 0);
      const c = connectionOf(aa, a, bdAddr(body, 6));
      connections.setParameters(c, u16(ll, 10) * 1250);
      connection = c.index;
      laneIndex = c.central;
      summary = `CONNECT_IND to ${bdAddr(body, 6)}: interval ${(u16(ll, 10) * 1.25).toFixed(2)} ms`;
      fields.push(
        node(`InitA: ${a}`),
        node(`AdvA: ${bdAddr(body, 6)}`),
        node('LLData', [
          node(`access address: ${hexNumber(aa, 8)}`),
          node(`CRC init: ${hexNumber(u24(ll, 4), 6)}`),
          node(`interval: ${(u16(ll, 10) * 1.25).toFixed(2)} ms, latency ${u16(ll, 12)}, timeout ${u16(ll, 14) * 10} ms`),
          node(`channel map: ${hex(ll.subarray(16, 21))}, hop ${(ll[21] ?? 0) & 0x1f}`),
        ]),
      );
    } else {
      if (type === AdvPdu.scanRsp) kind = 'scan-response';
      laneIndex = lane(a, 'advertiser');
      const data = body.subarray(6);
      const device = advertisedName(data);
      const l = lanes[laneIndex]!;
      if (device && !l.name.includes('"')) l.name = `${l.name} "${device}"`;
      fields.push(node(`AdvA: ${a}`), node(`AdvData: ${hex(data)}`, adStructures(data)));
    }
    return { kind, layer: 'LL', lane: laneIndex, connection, sender: undefined, summary, step: undefined, nodes: () => [node('Link layer (advertising channel)', fields)], flags: 0 };
  };

  const data = (aa: number, pdu: Uint8Array, sender: Role, timeUs: number, endUs: number, phy: Phy, phyText: () => string): Decoded => {
    const c = connectionOf(aa);
    const header = pdu[0] ?? 0;
    const llid = header & 3;
    const length = pdu[1] ?? 0;
    const sn = (header >> 3) & 1;
    const original = connections.lastSent(c, sender);
    const flags = connections.packet(c, sender, sn, timeUs, endUs, phy);
    const ll = (): DecodeNode => node(`Link layer: ${sender === 'central' ? 'central → peripheral' : 'peripheral → central'}, LLID ${llid}, NESN ${(header >> 2) & 1}, SN ${sn}, MD ${(header >> 4) & 1}, length ${length}, ${phyText()}`);
    const lane = sender === 'central' ? c.central : c.peripheral;
    // Half the packets of a busy link are empty: they get no payload view and one closure.
    if (length === 0) return { lane, connection: c.index, sender, flags, kind: 'empty', layer: 'LL', summary: 'Empty PDU', step: undefined, nodes: () => [ll()] };
    if (flags & PacketFlag.retransmission && original) {
      // The same PDU again: its receiver keeps one copy (by sequence number), so it is decoded
      // once, where it was first sent; feeding it to L2CAP again would reassemble it twice.
      const resent = (): DecodeNode => node(`the same PDU as frame ${original.frame}, sent again because it was not acknowledged; decoded there`);
      return { lane, connection: c.index, sender, flags, kind: original.kind, layer: original.layer, summary: original.summary, step: original.step, nodes: () => [ll(), resent()] };
    }
    const payload = pdu.subarray(2, 2 + length);
    if (llid === 3) {
      const opcode = payload[0] ?? 0;
      const name = CONTROL.get(opcode) ?? `LL control ${hexNumber(opcode, 2)}`;
      const change = connections.control(c, opcode, payload);
      const summary = change ? `${name}: ${change}` : name;
      return { lane, connection: c.index, sender, flags: flags | (change ? PacketFlag.linkChange : 0), kind: 'control', layer: 'LL', summary, step: undefined, nodes: () => [ll(), node(`${name}: ${hex(payload.subarray(1))}`)] };
    }
    connections.dataLength(c, length);
    const upper = conversations[c.index]!.push(sender, llid === 2, payload);
    return { lane, connection: c.index, sender, flags, kind: 'data', layer: upper.layer, summary: upper.summary, step: upper.step, nodes: () => [ll(), ...upper.nodes()] };
  };

  const records = file.records;
  const order = Int32Array.from({ length: records.length }, (_, i) => i).sort((a, b) => records[a]!.timeUs - records[b]!.timeUs || a - b);
  const packets: ViewPacket[] = [];
  for (const i of order) {
    const r = records[i]!;
    const b = r.bytes;
    if (b.length < 10 + 4 + 2 + 3) continue;
    const flagsField = u16(b, 8);
    const pduType = (flagsField >> 7) & 7;
    const phy = PHYS[(flagsField >> 14) & 3] ?? '1M';
    const aa = u32(b, 10);
    const pdu = b.subarray(14, b.length - 3);
    const channel = channelIndex(b[0] ?? 0);
    const durationUs = packetAirTimeUs(phy, Math.max(0, pdu.length - 2));
    const rssi = ((b[1] ?? 0) << 24) >> 24;
    const phyText = (): string => `channel ${channel}, ${phy}, RSSI ${rssi} dBm`;
    const isAdvertising = aa === ADVERTISING_ACCESS_ADDRESS && pduType === 0;
    const sender: Role = pduType === 3 ? 'peripheral' : 'central';
    const d = isAdvertising ? advertising(pdu, phyText) : data(aa, pdu, sender, r.timeUs, r.timeUs + durationUs, phy, phyText);
    lanes[d.lane]!.count++;
    const packet: ViewPacket = {
      frame: i + 1,
      timeUs: r.timeUs,
      durationUs,
      lane: d.lane,
      connection: d.connection,
      sender: d.sender,
      kind: d.kind,
      layer: d.layer,
      channel,
      payloadBytes: Math.max(0, pdu.length - 2),
      summary: d.summary,
      step: d.step,
      flags: d.flags,
      detail: () => [node(`Frame ${i + 1}: ${b.length} bytes at ${(r.timeUs / 1e6).toFixed(6)} s, access address ${hexNumber(aa, 8)}`), ...d.nodes()],
    };
    packets.push(packet);
    if (d.connection !== undefined && d.sender !== undefined && !isAdvertising) connections.sent(connections.list[d.connection]!, d.sender, packet);
  }
  const last = packets[packets.length - 1];
  return { format: file.format, lanes, connections: connections.list, packets, durationUs: last ? last.timeUs + last.durationUs : 0 };
}
