// Bluetooth device addresses: the "aa:bb:cc:dd:ee:ff" text form hosts print, and the 6-byte
// little-endian form HCI carries.

export type AddressType = 'public' | 'random';

/** A device address in text form, most significant byte first, lower case. */
export type BdAddr = string;

export function addressToBytes(address: BdAddr): Buffer {
  const hex = address.split(':').reverse().join('');
  if (!/^[0-9a-f]{12}$/i.test(hex)) throw new RangeError(`not a Bluetooth address: ${address}`);
  return Buffer.from(hex, 'hex');
}

export function addressFromBytes(bytes: Uint8Array): BdAddr {
  return Array.from(bytes.subarray(0, 6))
    .reverse()
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
}

export function addressTypeCode(type: AddressType): number {
  return type === 'random' ? 1 : 0;
}
