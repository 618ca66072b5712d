// What tshark, an independent decoder, says about a capture: its frames' fields, and from them
// how many packets each device sent (the view's lanes), counted without the view's code.
import { execFileSync } from 'node:child_process';

export function tsharkFields(file: string, fields: readonly string[]): string[][] {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  return out.split('\n').filter((line) => line.length > 0).map((line) => line.split('\t'));
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Packets per sending device in a sniffer pcap: advertiser, scanner, initiator, central or peripheral. */
export function packetsPerDeviceOnAir(pcap: string): Map<string, number> {
  const rows = tsharkFields(pcap, ['btle_rf.pdu_type', 'btle.advertising_header.pdu_type', 'btle.advertising_address', 'btle.scanning_address', 'btle.initiator_address', 'btle.master_bd_addr', 'btle.slave_bd_addr']);
  const devices = new Map<string, number>();
  for (const [direction, advType, adv, scanner, initiator, central, peripheral] of rows) {
    if (direction === '2') count(devices, central!);
    else if (direction === '3') count(devices, peripheral!);
    else if (advType === '0x03') count(devices, scanner!);
    else if (advType === '0x05') count(devices, initiator!);
    else count(devices, adv!);
  }
  return devices;
}

/**
 * Packets per device in one controller's btsnoop: everything but received ACL data is this
 * controller's; received ACL data is its peer's (the address its LE Connection Complete gave).
 */
export function packetsPerDeviceOverHci(btsnoop: string): Map<string, number> {
  const rows = tsharkFields(btsnoop, ['hci_h4.type', 'hci_h4.direction', 'bthci_acl.chandle', 'bthci_evt.le_meta_subevent', 'bthci_evt.connection_handle', 'bthci_evt.bd_addr', 'bthci_evt.status']);
  const peers = new Map<string, string>();
  const devices = new Map<string, number>();
  for (const [type, direction, aclHandle, subevent, handle, address, status] of rows) {
    if (subevent === '0x01' && status === '0x00') peers.set(Number(handle).toString(), address!);
    if (type === '0x02' && direction === '0x01') count(devices, peers.get(Number(aclHandle).toString()) ?? `peer on handle ${aclHandle}`);
    else count(devices, 'this controller');
  }
  return devices;
}
