// A btsnoop capture of one controller's HCI into the view's model: commands and events on the
// controller's own lane, ACL data on the lane of whichever end sent it (this device, or the peer
// an LE Connection Complete named for that handle), each ACL packet decoded through L2CAP, ATT and
// plushlink. HCI does not show connection events: those need the air's capture.
import type { Role } from '../../radio/link';
import type { AirModel, Connection, Lane, PacketKind, ViewPacket } from './air-model';
import type { CaptureFile } from './capture-file';
import { type DecodeNode, bdAddr, hex, hexNumber, type Layer, node, u16 } from './decode-tree';
import { Conversation } from './l2cap';

const H4 = { command: 1, acl: 2, event: 4 } as const;

const COMMANDS: Readonly<Record<number, string>> = {
  0x0c01: 'Set_Event_Mask', 0x0c03: 'Reset', 0x0c6d: 'Write_LE_Host_Supported', 0x0c6c: 'Read_LE_Host_Supported',
  0x1001: 'Read_Local_Version_Information', 0x1002: 'Read_Local_Supported_Commands', 0x1003: 'Read_Local_Supported_Features',
  0x1005: 'Read_Buffer_Size', 0x1009: 'Read_BD_ADDR', 0x0406: 'Disconnect', 0x1405: 'Read_RSSI',
  0x2001: 'LE_Set_Event_Mask', 0x2002: 'LE_Read_Buffer_Size', 0x2003: 'LE_Read_Local_Supported_Features', 0x2005: 'LE_Set_Random_Address',
  0x2006: 'LE_Set_Advertising_Parameters', 0x2008: 'LE_Set_Advertising_Data', 0x2009: 'LE_Set_Scan_Response_Data',
  0x200a: 'LE_Set_Advertising_Enable', 0x200b: 'LE_Set_Scan_Parameters', 0x200c: 'LE_Set_Scan_Enable', 0x200d: 'LE_Create_Connection',
  0x200e: 'LE_Create_Connection_Cancel', 0x2013: 'LE_Connection_Update', 0x2016: 'LE_Read_Remote_Features', 0x2019: 'LE_Enable_Encryption',
  0x201a: 'LE_Long_Term_Key_Request_Reply', 0x201b: 'LE_Long_Term_Key_Request_Negative_Reply', 0x2022: 'LE_Set_Data_Length',
  0x2030: 'LE_Read_PHY', 0x2031: 'LE_Set_Default_PHY', 0x2032: 'LE_Set_PHY',
};
const EVENTS: Readonly<Record<number, string>> = {
  0x05: 'Disconnection_Complete', 0x08: 'Encryption_Change', 0x0e: 'Command_Complete', 0x0f: 'Command_Status', 0x13: 'Number_Of_Completed_Packets', 0x3e: 'LE Meta',
};
const LE_EVENTS: Readonly<Record<number, string>> = {
  0x01: 'LE_Connection_Complete', 0x02: 'LE_Advertising_Report', 0x03: 'LE_Connection_Update_Complete', 0x04: 'LE_Read_Remote_Features_Complete',
  0x05: 'LE_Long_Term_Key_Request', 0x07: 'LE_Data_Length_Change', 0x0a: 'LE_Enhanced_Connection_Complete', 0x0c: 'LE_PHY_Update_Complete',
};

const commandName = (opcode: number): string => COMMANDS[opcode] ?? `command ${hexNumber(opcode, 4)}`;

interface Link {
  readonly connection: Connection;
  readonly localRole: Role;
  readonly conversation: Conversation;
}

export function modelFromHci(file: CaptureFile): AirModel {
  const lanes: Lane[] = [{ name: 'this controller', role: 'host ⇄ controller', count: 0 }];
  const connections: Connection[] = [];
  const links = new Map<number, Link>();
  const packets: ViewPacket[] = [];
  const laneByPeer = new Map<string, number>();

  const linkFor = (handle: number, peer?: string, localRole: Role = 'central'): Link => {
    let link = links.get(handle);
    if (!link || peer !== undefined) {
      const name = peer ?? `peer on handle ${hexNumber(handle, 4)}`;
      const lane = laneByPeer.get(name) ?? lanes.push({ name, role: localRole === 'central' ? 'peripheral' : 'central', count: 0 }) - 1;
      laneByPeer.set(name, lane);
      const connection: Connection = { index: connections.length, name: `connection ${connections.length + 1} (handle ${hexNumber(handle, 4)})`, central: localRole === 'central' ? 0 : lane, peripheral: localRole === 'central' ? lane : 0, intervalUs: 30_000, phy: '1M', dataLength: 27, events: [], packets: 0 };
      connections.push(connection);
      link = { connection, localRole, conversation: new Conversation() };
      links.set(handle, link);
    }
    return link;
  };

  const event = (b: Uint8Array): { summary: string; nodes: DecodeNode[]; connection?: number } => {
    const code = b[1] ?? 0;
    const params = b.subarray(3);
    const name = EVENTS[code] ?? `event ${hexNumber(code, 2)}`;
    if (code === 0x0e) return { summary: `${name} ${commandName(u16(params, 1))} status ${hexNumber(params[3] ?? 0, 2)}`, nodes: [node(`HCI ${name}`, [node(`command: ${commandName(u16(params, 1))}`), node(`return parameters: ${hex(params.subarray(3))}`)])] };
    if (code === 0x0f) return { summary: `${name} ${commandName(u16(params, 2))} status ${hexNumber(params[0] ?? 0, 2)}`, nodes: [node(`HCI ${name}`, [node(`command: ${commandName(u16(params, 2))}`), node(`status: ${hexNumber(params[0] ?? 0, 2)}`)])] };
    if (code === 0x05) {
      const link = links.get(u16(params, 1) & 0x0fff);
      return { summary: `${name} handle ${hexNumber(u16(params, 1), 4)} reason ${hexNumber(params[3] ?? 0, 2)}`, nodes: [node(`HCI ${name}`, [node(`handle ${hexNumber(u16(params, 1), 4)}, reason ${hexNumber(params[3] ?? 0, 2)}`)])], ...(link ? { connection: link.connection.index } : {}) };
    }
    if (code === 0x3e) {
      const sub = params[0] ?? 0;
      const subName = LE_EVENTS[sub] ?? `LE subevent ${hexNumber(sub, 2)}`;
      if ((sub === 0x01 || sub === 0x0a) && params[1] === 0) {
        const handle = u16(params, 2) & 0x0fff;
        const peer = bdAddr(params, 6);
        const intervalUs = u16(params, sub === 0x01 ? 12 : 24) * 1250;
        const link = linkFor(handle, peer, params[4] === 0 ? 'central' : 'peripheral');
        link.connection.intervalUs = intervalUs;
        return { summary: `${subName} handle ${hexNumber(handle, 4)} peer ${peer} (${link.localRole === 'central' ? 'we are central' : 'we are peripheral'})`, nodes: [node(`HCI LE Meta: ${subName}`, [node(`handle ${hexNumber(handle, 4)}, role ${link.localRole}, peer ${peer}, interval ${intervalUs / 1000} ms`)])], connection: link.connection.index };
      }
      if (sub === 0x02) {
        const address = bdAddr(params, 4);
        const types = ['ADV_IND', 'ADV_DIRECT_IND', 'ADV_SCAN_IND', 'ADV_NONCONN_IND', 'SCAN_RSP'];
        return { summary: `${subName} ${types[params[2] ?? 0] ?? ''} from ${address}`, nodes: [node(`HCI LE Meta: ${subName}`, [node(`event type ${types[params[2] ?? 0] ?? params[2]}, address ${address}`), node(`data: ${hex(params.subarray(11, params.length - 1))}`)])] };
      }
      return { summary: subName, nodes: [node(`HCI LE Meta: ${subName}`, [node(`parameters: ${hex(params.subarray(1))}`)])] };
    }
    return { summary: name, nodes: [node(`HCI ${name}`, [node(`parameters: ${hex(params)}`)])] };
  };

  file.records.forEach((r, i) => {
    const b = r.bytes;
    const type = b[0];
    let lane = 0;
    let kind: PacketKind = 'hci-event';
    let layer: Layer = 'HCI';
    let summary: string;
    let step: string | undefined;
    let connection: number | undefined;
    let sender: Role | undefined;
    let nodes: () => DecodeNode[];
    if (type === H4.command) {
      kind = 'hci-command';
      summary = commandName(u16(b, 1));
      const name = summary;
      nodes = () => [node(`HCI command ${name} (${hexNumber(u16(b, 1), 4)})`, [node(`parameters: ${hex(b.subarray(4))}`)])];
    } else if (type === H4.event) {
      const e = event(b);
      ({ summary, connection } = e);
      nodes = () => e.nodes;
    } else if (type === H4.acl) {
      kind = 'acl';
      const handle = u16(b, 1) & 0x0fff;
      const boundary = (u16(b, 1) >> 12) & 3;
      const link = linkFor(handle);
      const peerRole: Role = link.localRole === 'central' ? 'peripheral' : 'central';
      sender = r.received ? peerRole : link.localRole;
      connection = link.connection.index;
      lane = r.received ? (peerRole === 'central' ? link.connection.central : link.connection.peripheral) : 0;
      link.connection.packets++;
      const upper = link.conversation.push(sender, boundary !== 1, b.subarray(5));
      ({ layer, summary, step } = upper);
      nodes = () => [node(`HCI ACL: handle ${hexNumber(handle, 4)}, ${boundary === 1 ? 'continuation' : 'first'} fragment, ${u16(b, 3)} bytes, ${r.received ? 'received' : 'sent'}`), ...upper.nodes()];
    } else {
      summary = `H4 packet type ${type ?? '?'}`;
      const text = summary;
      nodes = () => [node(`${text}: ${hex(b)}`)];
    }
    lanes[lane]!.count++;
    packets.push({
      frame: i + 1,
      timeUs: r.timeUs,
      durationUs: 0,
      lane,
      connection,
      sender,
      kind,
      layer,
      channel: undefined,
      payloadBytes: type === H4.acl ? Math.max(0, b.length - 5) : 0,
      summary,
      step,
      flags: 0,
      detail: () => [node(`Frame ${i + 1}: ${b.length} bytes at ${(r.timeUs / 1e6).toFixed(6)} s, ${r.received ? 'controller → host' : 'host → controller'}`), ...nodes()],
    });
  });
  packets.sort((a, b) => a.timeUs - b.timeUs || a.frame - b.frame);
  const last = packets[packets.length - 1];
  return { format: file.format, lanes, connections, packets, durationUs: last ? last.timeUs : 0 };
}
