// What a phone's operating system does below its apps: it never shows the air its identity
// address but a resolvable private address (Core Vol 6 Part B 1.3.2.2), made from its identity
// resolving key (IRK) so that only devices it shared the IRK with can recognise it. noble is a
// Linux host stack and always writes Own_Address_Type public; when a noble stands for a phone,
// this layer between it and its virtual socket does what the phone's OS would: it sets a
// resolvable private address (LE Set Random Address) before the first scan or connection after
// each start or HCI Reset, and scans and initiates with Own_Address_Type random. The controller
// sees ordinary HCI commands and honours them; captures show exactly what it received.
import { createCipheriv, randomBytes } from 'node:crypto';
import { addressFromBytes, addressToBytes, type BdAddr } from './address';
import { Ev, H4, Op } from './hci';

/** Own_Address_Type's offset in the parameters of the commands that carry one. */
const OWN_ADDRESS_TYPE_AT: ReadonlyMap<number, number> = new Map([
  [Op.leSetScanParameters, 5],
  [Op.leCreateConnection, 12],
]);
const OWN_PUBLIC = 0x00;
const OWN_RANDOM = 0x01;

/** The random address hash function ah (Vol 3, Part H, 2.2.2): AES-128 of prand under the IRK, low 24 bits. */
export function randomAddressHash(irk: Uint8Array, prand: Uint8Array): Buffer {
  if (irk.length !== 16 || prand.length !== 3) throw new RangeError('ah needs a 16-byte IRK and a 3-byte prand');
  const cipher = createCipheriv('aes-128-ecb', irk, null);
  cipher.setAutoPadding(false);
  const block = Buffer.concat([cipher.update(Buffer.concat([Buffer.alloc(13), prand])), cipher.final()]);
  return block.subarray(13);
}

/** A fresh resolvable private address for `irk`: prand (top bits 01, the rest random) then ah(IRK, prand). */
export function resolvablePrivateAddress(irk: Uint8Array, random: (n: number) => Uint8Array = randomBytes): BdAddr {
  const prand = Buffer.from(random(3));
  prand[0] = (prand[0]! & 0x3f) | 0x40;
  // The random part of prand may be neither all zeros nor all ones (Vol 6, Part B, 1.3.2.2).
  if ((prand[0] & 0x3f) === 0 && prand[1] === 0 && prand[2] === 0) prand[2] = 1;
  if ((prand[0] & 0x3f) === 0x3f && prand[1] === 0xff && prand[2] === 0xff) prand[2] = 0xfe;
  const bytes = Buffer.concat([prand, randomAddressHash(irk, prand)]);
  return addressFromBytes(bytes.reverse());
}

/** Whether `address` resolves with `irk` (what a device holding the phone's IRK checks). */
export function resolves(address: BdAddr, irk: Uint8Array): boolean {
  const bytes = addressToBytes(address).reverse();
  return (bytes[0]! & 0xc0) === 0x40 && randomAddressHash(irk, bytes.subarray(0, 3)).equals(bytes.subarray(3));
}

export class HostPrivacy {
  private addressSet = false;
  /** Command Completes of our own LE Set Random Address commands, still to be kept from the host. */
  private ownCompletions = 0;
  /** The address shown on the air since the last start or reset. */
  address: BdAddr;

  constructor(readonly irk: Uint8Array = randomBytes(16)) {
    this.address = resolvablePrivateAddress(irk);
  }

  /** The packets the controller gets for one packet the host wrote. */
  toController(packet: Buffer): Buffer[] {
    if (packet[0] !== H4.command || packet.length < 4) return [packet];
    const opcode = packet.readUInt16LE(1);
    if (opcode === Op.reset) {
      // A reset clears the controller's random address; the next one is a fresh address too.
      this.addressSet = false;
      this.address = resolvablePrivateAddress(this.irk);
      return [packet];
    }
    const at = OWN_ADDRESS_TYPE_AT.get(opcode);
    if (at === undefined || packet.length <= 4 + at || packet[4 + at] !== OWN_PUBLIC) return [packet];
    const rewritten = Buffer.from(packet);
    rewritten[4 + at] = OWN_RANDOM;
    if (this.addressSet) return [rewritten];
    this.addressSet = true;
    this.ownCompletions++;
    const setAddress = Buffer.concat([Buffer.from([H4.command, Op.leSetRandomAddress & 0xff, Op.leSetRandomAddress >> 8, 6]), addressToBytes(this.address)]);
    return [setAddress, rewritten];
  }

  /** Whether the host gets this packet from the controller (not the answers to this layer's own commands). */
  toHost(packet: Buffer): boolean {
    const ours = this.ownCompletions > 0 && packet[0] === H4.event && packet[1] === Ev.commandComplete && packet.length >= 6 && packet.readUInt16LE(4) === Op.leSetRandomAddress;
    if (ours) this.ownCompletions--;
    return !ours;
  }
}
