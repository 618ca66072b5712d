// Reads the two capture formats plushlink writes into records: a sniffer pcap of the air
// (LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, radio/sniffer-pcap.ts) and a btsnoop file of one
// controller's HCI (H4, radio/btsnoop.ts). Works on bytes only, so the page and the CLI share it;
// anything else is a CaptureError that says what is wrong with the file.

export type CaptureFormat = 'pcap-ble-ll' | 'btsnoop-h4';

export interface CaptureRecord {
  /** Microseconds since the earliest record (a sniffer writes records in emit order, not time order). */
  readonly timeUs: number;
  readonly bytes: Uint8Array;
  /** btsnoop only: controller to host. */
  readonly received: boolean;
}

export interface CaptureFile {
  readonly format: CaptureFormat;
  readonly records: readonly CaptureRecord[];
  /** Absolute time of the earliest record, microseconds since 1970 (0 for the air's simulated time). */
  readonly startUs: number;
}

export interface ReadOptions {
  /** A capture still being written: a truncated last record is left for later, not an error. */
  readonly partial?: boolean;
}

export class CaptureError extends Error {
  override readonly name = 'CaptureError';
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR = 256;
const BTSNOOP_H4 = 1002;
/** Microseconds from 0000-01-01 (btsnoop's epoch) to 1970-01-01. */
const BTSNOOP_EPOCH_OFFSET_US = 0x00dcddb30f2f8000n;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readPcap(bytes: Uint8Array, partial: boolean): CaptureFile {
  if (bytes.length < 24) throw new CaptureError('pcap header truncated');
  const dv = view(bytes);
  const magic = dv.getUint32(0, true);
  const little = magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS;
  const nanos = magic === PCAP_MAGIC_NS || dv.getUint32(0, false) === PCAP_MAGIC_NS;
  const linkType = dv.getUint32(20, little);
  if (linkType !== LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR) {
    throw new CaptureError(`pcap link type ${linkType}: only Bluetooth LE link layer with pseudo-header (256) is supported`);
  }
  // Two passes (record boundaries and the earliest time, then the records) so that each of tens
  // of thousands of records is allocated once.
  const offsets: number[] = [];
  const times: number[] = [];
  let first = Infinity;
  for (let offset = 24; offset < bytes.length; ) {
    if (offset + 16 > bytes.length) {
      if (partial) break;
      throw new CaptureError(`pcap record ${offsets.length + 1} header truncated`);
    }
    const seconds = dv.getUint32(offset, little);
    const fraction = dv.getUint32(offset + 4, little);
    const length = dv.getUint32(offset + 8, little);
    const start = offset + 16;
    if (start + length > bytes.length) {
      if (partial) break;
      throw new CaptureError(`pcap record ${offsets.length + 1} truncated`);
    }
    const us = seconds * 1e6 + (nanos ? fraction / 1000 : fraction);
    if (us < first) first = us;
    offsets.push(start);
    times.push(us);
    offset = start + length;
  }
  const origin = offsets.length > 0 ? first : 0;
  const records = offsets.map((start, i): CaptureRecord => ({ timeUs: times[i]! - origin, bytes: bytes.subarray(start, start + dv.getUint32(start - 8, little)), received: false }));
  return { format: 'pcap-ble-ll', records, startUs: origin };
}

function readBtsnoop(bytes: Uint8Array, partial: boolean): CaptureFile {
  if (bytes.length < 16) throw new CaptureError('btsnoop header truncated');
  const dv = view(bytes);
  const datalink = dv.getUint32(12, false);
  if (datalink !== BTSNOOP_H4) throw new CaptureError(`btsnoop datalink ${datalink}: only HCI UART (H4, 1002) is supported`);
  const records: CaptureRecord[] = [];
  let first: bigint | undefined;
  for (let offset = 16; offset < bytes.length; ) {
    if (offset + 24 > bytes.length) {
      if (partial) break;
      throw new CaptureError(`btsnoop record ${records.length + 1} header truncated`);
    }
    const length = dv.getUint32(offset + 4, false);
    const flags = dv.getUint32(offset + 8, false);
    const stamp = dv.getBigInt64(offset + 16, false);
    const start = offset + 24;
    if (start + length > bytes.length) {
      if (partial) break;
      throw new CaptureError(`btsnoop record ${records.length + 1} truncated`);
    }
    first ??= stamp;
    records.push({ timeUs: Number(stamp - first), bytes: bytes.subarray(start, start + length), received: (flags & 1) === 1 });
    offset = start + length;
  }
  return { format: 'btsnoop-h4', records, startUs: first === undefined ? 0 : Number(first - BTSNOOP_EPOCH_OFFSET_US) };
}

/** Parses a whole capture file, whichever of the two formats it is. */
export function readCapture(bytes: Uint8Array, options: ReadOptions = {}): CaptureFile {
  const partial = options.partial ?? false;
  if (bytes.length >= 8 && String.fromCharCode(...bytes.subarray(0, 8)) === 'btsnoop\0') return readBtsnoop(bytes, partial);
  if (bytes.length >= 4) {
    const magic = view(bytes).getUint32(0, true);
    if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) return readPcap(bytes, partial);
    const big = view(bytes).getUint32(0, false);
    if (big === PCAP_MAGIC_US || big === PCAP_MAGIC_NS) return readPcap(bytes, partial);
  }
  throw new CaptureError('not a pcap or btsnoop capture');
}
