// What the page shows for one packet: a tree of labelled fields, one subtree per protocol layer,
// and the few formatting helpers every layer's decoder uses.

export interface DecodeNode {
  readonly label: string;
  readonly children?: readonly DecodeNode[];
}

/** Protocol layers from the bottom up; a packet's layer is the deepest one decoded. */
export const LAYERS = ['HCI', 'LL', 'L2CAP', 'ATT', 'plushlink'] as const;
export type Layer = (typeof LAYERS)[number];

export const node = (label: string, children?: readonly DecodeNode[]): DecodeNode => (children ? { label, children } : { label });

export function hex(bytes: Uint8Array, max = 48): string {
  let out = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return bytes.length > max ? `${out}… (${bytes.length} bytes)` : out;
}

export const hexNumber = (value: number, digits: number): string => `0x${value.toString(16).padStart(digits, '0')}`;

/** A 6-octet little-endian Bluetooth device address as it is printed (most significant first). */
export function bdAddr(bytes: Uint8Array, offset: number): string {
  const parts: string[] = [];
  for (let i = 5; i >= 0; i--) parts.push((bytes[offset + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

export const u16 = (b: Uint8Array, o: number): number => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
export const u24 = (b: Uint8Array, o: number): number => u16(b, o) | ((b[o + 2] ?? 0) << 16);
export const u32 = (b: Uint8Array, o: number): number => (u24(b, o) + (b[o + 3] ?? 0) * 0x1000000) >>> 0;
