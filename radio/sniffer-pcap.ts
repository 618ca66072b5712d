// A capture of the air itself, as a link-layer sniffer next to the devices records it: pcap with
// LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR (256), each packet behind the 10-octet pseudo-header (RF
// channel, signal power, reference access address, flags) and followed by its CRC, which
// Wireshark and tshark decode down to ATT. Timestamps are the simulated time of the air.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Air } from './air';
import type { Phy, Role } from './link';
import { crc24 } from './ll-pdu';

/** One packet on the air. */
export interface AirPacket {
  readonly timeUs: number;
  /** Channel index: 0..36 data, 37..39 advertising. */
  readonly channel: number;
  readonly accessAddress: number;
  readonly crcInit: number;
  /** Header and payload, without access address or CRC. */
  readonly pdu: Buffer;
  readonly phy: Phy;
  readonly rssi: number;
  /** Which end sent a data channel packet; absent on advertising channels. */
  readonly direction?: Role;
  /** Whether the packet's receiver got it (a sniffer hears lost packets too). */
  readonly received: boolean;
}

const LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR = 256;

const Flag = {
  dewhitened: 0x0001,
  signalPowerValid: 0x0002,
  referenceAccessAddressValid: 0x0010,
  crcChecked: 0x0400,
  crcValid: 0x0800,
} as const;

/** PDU type field (bits 7-9): advertising or unspecified, data central to peripheral, and back. */
const pduTypeBits = (direction: Role | undefined): number => (direction === undefined ? 0 : direction === 'central' ? 2 : 3) << 7;
const phyBits = (phy: Phy): number => (phy === '1M' ? 0 : phy === '2M' ? 1 : 2) << 14;

/** The RF channel (2402 MHz + 2 MHz × n) a channel index is sent on. */
export function rfChannel(channelIndex: number): number {
  if (channelIndex === 37) return 0;
  if (channelIndex === 38) return 12;
  if (channelIndex === 39) return 39;
  return channelIndex <= 10 ? channelIndex + 1 : channelIndex + 2;
}

/** One pcap record's bytes for a packet: pseudo-header, access address, PDU, CRC. */
export function phdrPacket(p: AirPacket): Buffer {
  const header = Buffer.alloc(10);
  header.writeUInt8(rfChannel(p.channel), 0);
  header.writeInt8(Math.max(-128, Math.min(127, Math.round(p.rssi))), 1);
  header.writeInt8(-128, 2); // noise power: not measured (its flag stays clear)
  header.writeUInt8(0, 3);
  header.writeUInt32LE(p.accessAddress >>> 0, 4);
  const flags = Flag.dewhitened | Flag.signalPowerValid | Flag.referenceAccessAddressValid | Flag.crcChecked | Flag.crcValid | pduTypeBits(p.direction) | phyBits(p.phy);
  header.writeUInt16LE(flags, 8);
  const aa = Buffer.alloc(4);
  aa.writeUInt32LE(p.accessAddress >>> 0, 0);
  return Buffer.concat([header, aa, p.pdu, crc24(p.crcInit, p.pdu)]);
}

export class PcapWriter {
  private fd: number | undefined;
  records = 0;

  constructor(
    readonly path: string,
    linkType = LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR,
  ) {
    this.fd = openSync(path, 'w');
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0); // microsecond timestamps
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(0x40000, 16); // snapshot length
    header.writeUInt32LE(linkType, 20);
    writeSync(this.fd, header);
  }

  write(timeUs: number, data: Buffer): void {
    if (this.fd === undefined) return;
    const record = Buffer.alloc(16);
    const us = Math.max(0, Math.round(timeUs));
    record.writeUInt32LE(Math.floor(us / 1e6), 0);
    record.writeUInt32LE(us % 1e6, 4);
    record.writeUInt32LE(data.length, 8);
    record.writeUInt32LE(data.length, 12);
    writeSync(this.fd, Buffer.concat([record, data]));
    this.records++;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Records everything an air emits into a pcap file. Timestamps start at the Unix epoch: a run replays byte for byte. */
export class AirSniffer {
  private readonly writer: PcapWriter;
  private readonly stop: () => void;

  constructor(air: Air, path: string) {
    this.writer = new PcapWriter(path);
    this.stop = air.observe((packet) => this.writer.write(packet.timeUs, phdrPacket(packet)));
  }

  get path(): string {
    return this.writer.path;
  }

  close(): void {
    this.stop();
    this.writer.close();
  }
}
