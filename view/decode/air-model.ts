// What the page draws, made from a capture: devices (one timeline lane each), connections with
// their connection events, and every packet in time order with its decode. Both capture formats
// produce it (./ll-capture.ts for the air, ./hci-capture.ts for one controller's HCI).
import type { Phy, Role } from '../../radio/link';
import type { DecodeNode, Layer } from './decode-tree';
import type { CaptureFormat } from './capture-file';

export type PacketKind =
  | 'advertising'
  | 'scan-request'
  | 'scan-response'
  | 'connect'
  | 'data'
  | 'empty'
  | 'control'
  | 'hci-command'
  | 'hci-event'
  | 'acl';

export const PacketFlag = {
  /** Sent again: the same sequence number as the sender's previous packet. */
  retransmission: 1,
  /** Not acknowledged by its receiver (lost, or its acknowledgement was). */
  unacknowledged: 2,
  /** Changes the link: a PHY or connection-parameter update, or its end. */
  linkChange: 4,
} as const;

export interface ViewPacket {
  /** Record number in the file, from 1, as Wireshark and tshark number frames. */
  readonly frame: number;
  readonly timeUs: number;
  readonly durationUs: number;
  readonly lane: number;
  readonly connection: number | undefined;
  readonly sender: Role | undefined;
  readonly kind: PacketKind;
  readonly layer: Layer;
  readonly channel: number | undefined;
  /** Link-layer or ACL payload octets. */
  readonly payloadBytes: number;
  readonly summary: string;
  /** The plushlink frame type this packet carries part of. */
  readonly step: string | undefined;
  flags: number;
  /** The full decode, layer by layer, made when asked for: most packets are never looked at. */
  readonly detail: () => readonly DecodeNode[];
}

export interface Lane {
  /** The device's address, and its advertised name once heard. */
  name: string;
  /** What the lane is: an address seen on the air, this controller, or a peer over HCI. */
  readonly role: string;
  count: number;
}

export interface ConnectionEvent {
  readonly startUs: number;
  endUs: number;
  packets: number;
  /** The connection interval and PHY in force at this event. */
  readonly intervalUs: number;
  readonly phy: Phy;
}

export interface Connection {
  readonly index: number;
  readonly name: string;
  readonly central: number;
  readonly peripheral: number;
  intervalUs: number;
  phy: Phy;
  /** Largest LL payload seen on it (27 unless Data Length Extension is in use). */
  dataLength: number;
  readonly events: ConnectionEvent[];
  packets: number;
}

export interface AirModel {
  readonly format: CaptureFormat;
  readonly lanes: readonly Lane[];
  readonly connections: readonly Connection[];
  /** In time order (ties in file order). */
  readonly packets: readonly ViewPacket[];
  readonly durationUs: number;
}
