// Link-layer PDUs as they go over the air (Vol 6, Part B, 2.3 and 2.4): the advertising PDUs a
// sniffer sees (ADV_IND, SCAN_REQ, SCAN_RSP, CONNECT_IND), the LL control PDUs the realistic clock
// sends, and the CRC-24 that ends every packet.
import { addressToBytes, AddressType, BdAddr } from './address';
import type { ConnectionParameters, LinkIdentity, Phy } from './link';

/** The access address and CRC seed of every advertising channel packet. */
export const ADVERTISING_ACCESS_ADDRESS = 0x8e89bed6;
export const ADVERTISING_CRC_INIT = 0x555555;

export const AdvPdu = { advInd: 0x0, advDirectInd: 0x1, advNonconnInd: 0x2, scanReq: 0x3, scanRsp: 0x4, connectInd: 0x5, advScanInd: 0x6 } as const;

/** The PDU type an HCI advertising type (LE_Set_Advertising_Parameters) sends. */
export function advPduType(hciType: number): number {
  return [AdvPdu.advInd, AdvPdu.advDirectInd, AdvPdu.advScanInd, AdvPdu.advNonconnInd, AdvPdu.advDirectInd][hciType] ?? AdvPdu.advInd;
}

export interface Addressed {
  readonly address: BdAddr;
  readonly type: AddressType;
}

function advertisingPdu(type: number, tx: Addressed, rx: Addressed | undefined, body: Buffer): Buffer {
  const header = type | (tx.type === 'random' ? 0x40 : 0) | (rx?.type === 'random' ? 0x80 : 0);
  return Buffer.concat([Buffer.from([header, body.length]), body]);
}

export function advIndPdu(hciType: number, adv: Addressed, data: Buffer): Buffer {
  return advertisingPdu(advPduType(hciType), adv, undefined, Buffer.concat([addressToBytes(adv.address), data]));
}

export function scanReqPdu(scanner: Addressed, adv: Addressed): Buffer {
  return advertisingPdu(AdvPdu.scanReq, scanner, adv, Buffer.concat([addressToBytes(scanner.address), addressToBytes(adv.address)]));
}

export function scanRspPdu(adv: Addressed, data: Buffer): Buffer {
  return advertisingPdu(AdvPdu.scanRsp, adv, undefined, Buffer.concat([addressToBytes(adv.address), data]));
}

export function connectIndPdu(initiator: Addressed, adv: Addressed, id: LinkIdentity, params: ConnectionParameters): Buffer {
  const ll = Buffer.alloc(22);
  ll.writeUInt32LE(id.accessAddress >>> 0, 0);
  ll.writeUIntLE(id.crcInit, 4, 3);
  ll.writeUInt8(2, 7); // transmit window size: 2.5 ms
  ll.writeUInt16LE(0, 8); // transmit window offset
  ll.writeUInt16LE(params.intervalUnits, 10);
  ll.writeUInt16LE(params.latency, 12);
  ll.writeUInt16LE(params.timeoutUnits, 14);
  ll.fill(0xff, 16, 20); // every data channel in use
  ll.writeUInt8(0x1f, 20);
  ll.writeUInt8(id.hop & 0x1f, 21); // sleep clock accuracy 0: 251-500 ppm
  return advertisingPdu(AdvPdu.connectInd, initiator, adv, Buffer.concat([addressToBytes(initiator.address), addressToBytes(adv.address), ll]));
}

// ---- LL control PDUs (LLID 3) -------------------------------------------------------------------

export const LlControl = { connectionUpdateInd: 0x00, terminateInd: 0x02, phyReq: 0x16, phyRsp: 0x17, phyUpdateInd: 0x18 } as const;

export function terminateInd(reason: number): Buffer {
  return Buffer.from([LlControl.terminateInd, reason]);
}

/** LL_CONNECTION_UPDATE_IND with its instant still to be written (at offset 10). */
export function connectionUpdateInd(params: ConnectionParameters): Buffer {
  const p = Buffer.alloc(12);
  p.writeUInt8(LlControl.connectionUpdateInd, 0);
  p.writeUInt8(2, 1); // window size
  p.writeUInt16LE(0, 2); // window offset
  p.writeUInt16LE(params.intervalUnits, 4);
  p.writeUInt16LE(params.latency, 6);
  p.writeUInt16LE(params.timeoutUnits, 8);
  return p;
}

const phyBit = (phy: Phy): number => (phy === '1M' ? 1 : phy === '2M' ? 2 : 4);

/** LL_PHY_REQ or LL_PHY_RSP: the PHYs one side prefers to send and receive on. */
export function phyPreference(opcode: typeof LlControl.phyReq | typeof LlControl.phyRsp, phy: Phy): Buffer {
  return Buffer.from([opcode, phyBit(phy), phyBit(phy)]);
}

/** LL_PHY_UPDATE_IND with its instant still to be written (at offset 3). */
export function phyUpdateInd(phy: Phy): Buffer {
  return Buffer.from([LlControl.phyUpdateInd, phyBit(phy), phyBit(phy), 0, 0]);
}

/** Writes an instant (event counter modulo 65536) into a control PDU. */
export function setInstant(pdu: Buffer, offset: number, counter: number): void {
  pdu.writeUInt16LE(counter & 0xffff, offset);
}

// ---- CRC ----------------------------------------------------------------------------------------

/**
 * CRC-24 (x^24 + x^10 + x^9 + x^6 + x^4 + x^3 + x + 1) over a PDU, its bits least significant
 * first, the register preset with CRCInit as the CONNECT_IND carries it (Vol 6, Part B, 3.1.1).
 * Returned as the three octets that follow the PDU in a capture (checked against Wireshark).
 */
export function crc24(init: number, pdu: Uint8Array): Buffer {
  let state = init & 0xffffff;
  for (const byte of pdu) {
    for (let bit = 0; bit < 8; bit++) {
      const feedback = ((byte >> bit) & 1) ^ ((state >> 23) & 1);
      state = (state << 1) & 0xffffff;
      if (feedback) state ^= 0x00065b;
    }
  }
  return Buffer.from([reverse8((state >> 16) & 0xff), reverse8((state >> 8) & 0xff), reverse8(state & 0xff)]);
}

function reverse8(x: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((x >> i) & 1) << (7 - i);
  return r;
}
