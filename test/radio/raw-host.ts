// A bare HCI host for tests: writes packets to one virtual controller and records what comes back.
import type { Air } from '../../radio/air';
import type { Controller, ControllerOptions } from '../../radio/controller';
import { Ev, H4, Op } from '../../radio/hci';

export interface ReceivedEvent {
  readonly code: number;
  readonly params: Buffer;
}

export class RawHost {
  readonly controller: Controller;
  readonly packets: Buffer[] = [];
  /** When each packet reached this host, in the air's clock (simulated ms on the realistic clock). */
  readonly times: number[] = [];

  constructor(air: Air, options: ControllerOptions = {}) {
    this.controller = air.addDevice(options).controller;
    this.controller.attachHost((packet) => {
      this.packets.push(packet);
      this.times.push(air.clock.now());
    });
    // Like noble and bleno: every event on, LE meta events included (off by default in the spec).
    this.command(0x0c01, [0xff, 0xff, 0xfb, 0xff, 0x07, 0xf8, 0xbf, 0x3d]);
  }

  command(opcode: number, params: number[] | Buffer = []): void {
    const p = Buffer.from(params);
    this.controller.fromHost(Buffer.concat([Buffer.from([H4.command, opcode & 0xff, opcode >> 8, p.length]), p]));
  }

  /** Sends one ACL packet (first fragment of an L2CAP message) on `handle`. */
  sendAcl(handle: number, data: Buffer): void {
    const head = Buffer.from([H4.acl, 0, 0, 0, 0]);
    head.writeUInt16LE(handle & 0x0fff, 1);
    head.writeUInt16LE(data.length, 3);
    this.controller.fromHost(Buffer.concat([head, data]));
  }

  /** Disconnection Complete events as [handle, reason, time]. */
  get disconnections(): Array<[number, number, number]> {
    return this.packets.flatMap((p, i) => (p[0] === H4.event && p[1] === Ev.disconnectionComplete ? [[p.readUInt16LE(4), p[6]!, this.times[i]!] as [number, number, number]] : []));
  }

  get events(): ReceivedEvent[] {
    return this.packets.filter((p) => p[0] === H4.event).map((p) => ({ code: p[1]!, params: p.subarray(3) }));
  }

  get acl(): Array<{ handle: number; boundary: number; data: Buffer }> {
    return this.packets
      .filter((p) => p[0] === H4.acl)
      .map((p) => ({ handle: p.readUInt16LE(1) & 0x0fff, boundary: p.readUInt16LE(1) >> 12, data: p.subarray(5) }));
  }

  /** Return parameters (status first) of the Command Complete events for `opcode`. */
  completions(opcode: number): Buffer[] {
    return this.events.filter((e) => e.code === Ev.commandComplete && e.params.readUInt16LE(1) === opcode).map((e) => e.params.subarray(3));
  }

  statuses(opcode: number): number[] {
    return this.events.filter((e) => e.code === Ev.commandStatus && e.params.readUInt16LE(2) === opcode).map((e) => e.params[0]!);
  }

  leMeta(subevent: number): Buffer[] {
    return this.events.filter((e) => e.code === Ev.leMeta && e.params[0] === subevent).map((e) => e.params.subarray(1));
  }
}

const u16 = (n: number): number[] => [n & 0xff, n >> 8];

/** Starts connectable undirected advertising (20 ms) with `data`, and `scanResponse` for scanners that ask. */
export function advertise(host: RawHost, data: number[] = [2, 1, 6], scanResponse: number[] = []): void {
  host.command(Op.leSetAdvertisingParameters, [...u16(0x20), ...u16(0x20), 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0]);
  host.command(Op.leSetAdvertisingData, [data.length, ...data, ...new Array(31 - data.length).fill(0)]);
  host.command(Op.leSetScanResponseData, [scanResponse.length, ...scanResponse, ...new Array(31 - scanResponse.length).fill(0)]);
  host.command(Op.leSetAdvertiseEnable, [1]);
}

export function scan(host: RawHost, active: boolean, filterDuplicates: boolean): void {
  host.command(Op.leSetScanParameters, [active ? 1 : 0, ...u16(0x10), ...u16(0x10), 0, 0]);
  host.command(Op.leSetScanEnable, [1, filterDuplicates ? 1 : 0]);
}

/** Lets everything the fast clock has queued be delivered. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
