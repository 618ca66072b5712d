// A btsnoop capture of one controller's HCI into the view's model: commands and events on the
// controller's own lane, ACL data on the lane of whichever end sent it (this device, or the peer
// an LE Connection Complete named for that handle), each ACL packet decoded through L2CAP, ATT and
// plushlink. HCI does not show connection events: those need the air's capture.
import { AclBoundary, AdvReportType, Ev, H4, LeEv, Op, Status } from '../../radio/hci';
import type { Role } from '../../radio/link';
import type { AirModel, Connection, Lane, PacketKind, ViewPacket } from './air-model';
import type { CaptureFile } from './capture-file';
import { type DecodeNode, bdAddr, hex, hexNumber, type Layer, node, u16 } from './decode-tree';
import { Conversation } from './l2cap';
import { hciName, llName, namesByValue } from './spec-names';

/** LE Enhanced Connection Complete (v1): what a controller with privacy sends instead. */
const ENHANCED_CONNECTION_COMPLETE = 0x0a;

const COMMANDS = namesByValue(Op, hciName);
const EVENTS = namesByValue(Ev, hciName);
const LE_EVENTS = namesByValue(LeEv, (key) => `LE_${hciName(key)}`);
const REPORT_TYPES = namesByValue(AdvReportType, (key) => llName(key));

const commandName = (opcode: number): string => COMMANDS.get(opcode) ?? `command ${hexNumber(opcode, 4)}`;

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
    const name = EVENTS.get(code) ?? `event ${hexNumber(code, 2)}`;
    if (code === Ev.commandComplete) return { summary: `${name} ${commandName(u16(params, 1))} status ${hexNumber(params[3] ?? 0, 2)}`, nodes: [node(`HCI ${name}`, [node(`command: ${commandName(u16(params, 1))}`), node(`return parameters: ${hex(params.subarray(3))}`)])] };
    if (code === Ev.commandStatus) return { summary: `${name} ${commandName(u16(params, 2))} status ${hexNumber(params[0] ?? 0, 2)}`, nodes: [node(`HCI ${name}`, [node(`command: ${commandName(u16(params, 2))}`), node(`status: ${hexNumber(params[0] ?? 0, 2)}`)])] };
    if (code === Ev.disconnectionComplete) {
      const link = links.get(u16(params, 1) & 0x0fff);
      return { summary: `${name} handle ${hexNumber(u16(params, 1), 4)} reason ${hexNumber(params[3] ?? 0, 2)}`, nodes: [node(`HCI ${name}`, [node(`handle ${hexNumber(u16(params, 1), 4)}, reason ${hexNumber(params[3] ?? 0, 2)}`)])], ...(link ? { connection: link.connection.index } : {}) };
    }
    if (code === Ev.leMeta) {
      const sub = params[0] ?? 0;
      const subName = LE_EVENTS.get(sub) ?? `LE subevent ${hexNumber(sub, 2)}`;
      if ((sub === LeEv.connectionComplete || sub === ENHANCED_CONNECTION_COMPLETE) && params[1] === Status.success) {
        const handle = u16(params, 2) & 0x0fff;
        const peer = bdAddr(params, 6);
        const intervalUs = u16(params, sub === LeEv.connectionComplete ? 12 : 24) * 1250;
        const link = linkFor(handle, peer, params[4] === 0 ? 'central' : 'peripheral');
        link.connection.intervalUs = intervalUs;
        return { summary: `${subName} handle ${hexNumber(handle, 4)} peer ${peer} (${link.localRole === 'central' ? 'we are central' : 'we are peripheral'})`, nodes: [node(`HCI LE Meta: ${subName}`, [node(`handle ${hexNumber(handle, 4)}, role ${link.localRole}, peer ${peer}, interval ${intervalUs / 1000} ms`)])], connection: link.connection.index };
      }
      if (sub === LeEv.advertisingReport) {
        const address = bdAddr(params, 4);
        const type = REPORT_TYPES.get(params[2] ?? 0) ?? `event type ${params[2]}`;
        return { summary: `${subName} ${type} from ${address}`, nodes: [node(`HCI LE Meta: ${subName}`, [node(`${type}, address ${address}`), node(`data: ${hex(params.subarray(11, params.length - 1))}`)])] };
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
      const first = boundary !== AclBoundary.continuing;
      const link = linkFor(handle);
      const peerRole: Role = link.localRole === 'central' ? 'peripheral' : 'central';
      sender = r.received ? peerRole : link.localRole;
      connection = link.connection.index;
      lane = r.received ? (peerRole === 'central' ? link.connection.central : link.connection.peripheral) : 0;
      link.connection.packets++;
      const upper = link.conversation.push(sender, first, b.subarray(5));
      ({ layer, summary, step } = upper);
      nodes = () => [node(`HCI ACL: handle ${hexNumber(handle, 4)}, ${first ? 'first' : 'continuation'} fragment, ${u16(b, 3)} bytes, ${r.received ? 'received' : 'sent'}`), ...upper.nodes()];
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
