// btsnoop capture of one controller's HCI traffic (the format `btmon -r`, Wireshark and tshark
// read): a 16-byte file header, then one record per H4 packet with its direction and time.
// Records are written synchronously, so a capture is complete up to the moment a process dies.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Controller } from './controller';
import { H4 } from './hci';

/** Datalink type 1002: HCI UART (H4), the packet type byte included in each record. */
const DATALINK_H4 = 1002;
/** Microseconds from 0000-01-01 (btsnoop's epoch) to 1970-01-01. */
const EPOCH_OFFSET_US = 0x00dcddb30f2f8000n;

export class BtsnoopWriter {
  private fd: number | undefined;
  private readonly startUs = BigInt(Date.now()) * 1000n;
  private readonly startHr = process.hrtime.bigint();
  records = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
    const header = Buffer.alloc(16);
    header.write('btsnoop\0', 0, 'latin1');
    header.writeUInt32BE(1, 8);
    header.writeUInt32BE(DATALINK_H4, 12);
    writeSync(this.fd, header);
  }

  /** Records one H4 packet; `received` means controller to host. */
  write(packet: Buffer, received: boolean): void {
    if (this.fd === undefined) return;
    const type = packet[0];
    const commandOrEvent = type === H4.command || type === H4.event;
    const record = Buffer.alloc(24);
    record.writeUInt32BE(packet.length, 0);
    record.writeUInt32BE(packet.length, 4);
    record.writeUInt32BE((received ? 1 : 0) | (commandOrEvent ? 2 : 0), 8);
    record.writeUInt32BE(0, 12);
    const elapsedUs = (process.hrtime.bigint() - this.startHr) / 1000n;
    record.writeBigInt64BE(EPOCH_OFFSET_US + this.startUs + elapsedUs, 16);
    writeSync(this.fd, Buffer.concat([record, packet]));
    this.records++;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Captures everything crossing `controller`'s HCI into a btsnoop file at `path`. */
export function captureBtsnoop(controller: Controller, path: string): BtsnoopWriter {
  const writer = new BtsnoopWriter(path);
  controller.tap((direction, packet) => writer.write(packet, direction === 'toHost'));
  return writer;
}
