// ATT (Core Vol 3, Part F) as the toy and phones use it: the opcode of every PDU, the handles and
// values of writes and notifications, and the characteristic declarations discovery returns, so
// later writes can be named by their characteristic's UUID.
import { type DecodeNode, hex, hexNumber, node, u16 } from './decode-tree';

const OPCODES: Readonly<Record<number, string>> = {
  0x01: 'Error Response', 0x02: 'Exchange MTU Request', 0x03: 'Exchange MTU Response',
  0x04: 'Find Information Request', 0x05: 'Find Information Response', 0x06: 'Find By Type Value Request',
  0x07: 'Find By Type Value Response', 0x08: 'Read By Type Request', 0x09: 'Read By Type Response',
  0x0a: 'Read Request', 0x0b: 'Read Response', 0x0c: 'Read Blob Request', 0x0d: 'Read Blob Response',
  0x10: 'Read By Group Type Request', 0x11: 'Read By Group Type Response', 0x12: 'Write Request',
  0x13: 'Write Response', 0x16: 'Prepare Write Request', 0x17: 'Prepare Write Response',
  0x18: 'Execute Write Request', 0x19: 'Execute Write Response', 0x1b: 'Handle Value Notification',
  0x1d: 'Handle Value Indication', 0x1e: 'Handle Value Confirmation', 0x52: 'Write Command',
};

/** A value carried to or from a characteristic: what the layer above decodes. */
export interface AttValue {
  readonly handle: number;
  readonly value: Uint8Array;
}

export interface AttDecode {
  readonly opcode: number;
  readonly name: string;
  /** The decode, made when asked for (most packets are never looked at). */
  readonly node: () => DecodeNode;
  readonly value?: AttValue;
}

/** A UUID in ATT's little-endian octets as bleno and noble print it (big-endian hex, no dashes). */
export function uuidText(bytes: Uint8Array): string {
  return hex(Uint8Array.from(bytes).reverse(), 16);
}

/** `characteristics`: value handles to UUIDs (filled from discovery); `names`: UUIDs to names. */
export function decodeAtt(pdu: Uint8Array, characteristics: Map<number, string>, names: ReadonlyMap<string, string>): AttDecode {
  const opcode = pdu[0] ?? 0;
  const name = OPCODES[opcode] ?? `opcode ${hexNumber(opcode, 2)}`;
  const carriesValue = opcode === 0x12 || opcode === 0x52 || opcode === 0x1b || opcode === 0x1d;
  const value = carriesValue ? { handle: u16(pdu, 1), value: pdu.subarray(3) } : undefined;
  const declarations = opcode === 0x09 ? learnCharacteristics(pdu, characteristics) : [];
  const uuid = value ? characteristics.get(value.handle) : undefined;
  const node_ = (): DecodeNode => {
    const fields: DecodeNode[] = [node(`Opcode: ${name} (${hexNumber(opcode, 2)})`)];
    if (value) {
      const known = uuid === undefined ? '' : ` (characteristic ${uuid}${names.has(uuid) ? ` ${names.get(uuid)}` : ''})`;
      fields.push(node(`Handle: ${hexNumber(value.handle, 4)}${known}`), node(`Value: ${hex(value.value)}`));
    } else if (opcode === 0x0b) {
      fields.push(node(`Value: ${hex(pdu.subarray(1))}`));
    } else if (opcode === 0x02 || opcode === 0x03) {
      fields.push(node(`MTU: ${u16(pdu, 1)}`));
    } else if (opcode === 0x01) {
      fields.push(node(`Request: ${OPCODES[pdu[1] ?? 0] ?? hexNumber(pdu[1] ?? 0, 2)}, handle ${hexNumber(u16(pdu, 2), 4)}, error ${hexNumber(pdu[4] ?? 0, 2)}`));
    } else if (opcode === 0x09) {
      fields.push(...(declarations.length > 0 ? declarations : [node(`Attribute data: ${hex(pdu.subarray(2))}`)]));
    } else if (pdu.length > 1) {
      fields.push(node(`Parameters: ${hex(pdu.subarray(1))}`));
    }
    return node(`ATT ${name}`, fields);
  };
  return { opcode, name, node: node_, ...(value ? { value } : {}) };
}

/** Characteristic declarations in a Read By Type Response: value handle to UUID. */
function learnCharacteristics(pdu: Uint8Array, characteristics: Map<number, string>): DecodeNode[] {
  const length = pdu[1] ?? 0;
  const out: DecodeNode[] = [];
  if (length !== 7 && length !== 21) return [];
  for (let offset = 2; offset + length <= pdu.length; offset += length) {
    const valueHandle = u16(pdu, offset + 3);
    const uuid = uuidText(pdu.subarray(offset + 5, offset + length));
    characteristics.set(valueHandle, uuid);
    out.push(node(`Characteristic ${uuid}: declaration ${hexNumber(u16(pdu, offset), 4)}, value handle ${hexNumber(valueHandle, 4)}, properties ${hexNumber(pdu[offset + 2] ?? 0, 2)}`));
  }
  return out;
}
