// The secure profile's GATT surface and advertisement (DESIGN.md, "GATT surface"): one service
// with a write-without-response characteristic in, a notify characteristic out, and a read-only
// info characteristic; standard Device Information and Battery services. Shared by the toy and
// the client so both sides name the same UUIDs.

import { chunkSizeFor } from '../audio/transfer-sender';
import { frameBytesFilling } from '../pairing/fragment';
import { TRANSFER_FRAME_OVERHEAD_BYTES } from '../pairing/session-messages';

/** 128-bit UUIDs as bleno and noble print them: 32 lower-case hex digits, no dashes. */
export const PLUSHLINK_SERVICE = 'b1a5e0011d7f4c2a9a51706c75736801';
export const FRAMES_IN = 'b1a5e0021d7f4c2a9a51706c75736801';
export const FRAMES_OUT = 'b1a5e0031d7f4c2a9a51706c75736801';
export const TOY_INFO = 'b1a5e0041d7f4c2a9a51706c75736801';

export const DEVICE_INFORMATION = '180a';
export const MANUFACTURER_NAME = '2a29';
export const MODEL_NUMBER = '2a24';
export const FIRMWARE_REVISION = '2a26';
export const BATTERY_SERVICE = '180f';
export const BATTERY_LEVEL = '2a19';

/**
 * The largest ATT value either side puts in one write or notification: 251 octets (the largest
 * LL payload with Data Length Extension) less the L2CAP (4) and ATT (3) headers, so each one
 * rides in a single link-layer packet. A larger value (noble and bleno agree an ATT MTU of 256)
 * would take two packets, the second mostly empty, and cost up to half the link's capacity.
 */
export const MAX_VALUE_PER_PACKET = 244;

/** The ATT payload frames are fragmented to on a link with this ATT MTU. */
export function fragmentPayload(attMtu: number): number {
  return Math.max(20, Math.min(MAX_VALUE_PER_PACKET, attMtu - 3));
}

/** Fragments (so link-layer packets) one voice transfer chunk's frame fills exactly. */
export const PACKETS_PER_TRANSFER_FRAME = 8;

/**
 * The transfer chunk size for a link: a chunk's TRANSPORT frame fills PACKETS_PER_TRANSFER_FRAME
 * fragments exactly, so no packet of a transfer goes out half empty. Both directions use it.
 */
export function transferChunkSize(attPayload: number): number {
  return chunkSizeFor(frameBytesFilling(attPayload, PACKETS_PER_TRANSFER_FRAME) - TRANSFER_FRAME_OVERHEAD_BYTES);
}

/** Company identifier 0xFFFF: reserved for testing, so plushlink claims nobody's id. */
export const COMPANY_ID = 0xffff;
export const FIRMWARE_VERSION = '0.1.0';
/** 2: takes streamed transfers (OPEN/END, envelope version 4), docs/PROTOCOL.md section 10.5. */
export const PROTOCOL_VERSION = 2;
/** The first protocol version whose toys take streamed transfers: a phone streams only to them. */
export const STREAMED_TRANSFERS_SINCE = 2;

/** What the toy advertises beyond its name: which toy it is and whether it takes a pairing. */
export interface ToyAdvert {
  readonly toyId: string;
  readonly pairingWindowOpen: boolean;
}

/** The read-only info characteristic, as JSON text. */
export interface ToyInfo {
  readonly model: string;
  readonly firmware: string;
  readonly protocol: number;
  readonly toyId: string;
  readonly pairing: 'open' | 'closed';
}

export function advertisingData(): Buffer {
  const uuid = Buffer.from(PLUSHLINK_SERVICE, 'hex').reverse();
  return Buffer.concat([Buffer.from([2, 0x01, 0x06]), Buffer.from([uuid.length + 1, 0x07]), uuid]);
}

export function scanResponseData(name: string, advert: ToyAdvert): Buffer {
  const nameBytes = Buffer.from(name, 'utf8').subarray(0, 14);
  const manufacturer = Buffer.concat([u16(COMPANY_ID), Buffer.from(advert.toyId, 'hex'), Buffer.from([advert.pairingWindowOpen ? 1 : 0])]);
  return Buffer.concat([Buffer.from([nameBytes.length + 1, 0x09]), nameBytes, Buffer.from([manufacturer.length + 1, 0xff]), manufacturer]);
}

/** Reads a toy's manufacturer data as noble reports it; undefined for anything else. */
export function parseAdvert(manufacturerData: Uint8Array | undefined): ToyAdvert | undefined {
  if (!manufacturerData || manufacturerData.length !== 11) return undefined;
  const data = Buffer.from(manufacturerData);
  if (data.readUInt16LE(0) !== COMPANY_ID) return undefined;
  return { toyId: data.subarray(2, 10).toString('hex'), pairingWindowOpen: data[10] === 1 };
}

/**
 * What a phone looking for one toy asks its controller to filter on: the toy's manufacturer data
 * (company id and toy id) in its scan response, as an AD type, offset and bytes.
 */
export function advertPattern(toyId: string): { readonly adType: number; readonly start: number; readonly pattern: Buffer } {
  return { adType: 0xff, start: 0, pattern: Buffer.concat([u16(COMPANY_ID), Buffer.from(toyId, 'hex')]) };
}

/** The name a toy advertises: "Plush" and the first four hex digits of its id. */
export function advertisedName(toyId: string): string {
  return `Plush ${toyId.slice(0, 4)}`;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
