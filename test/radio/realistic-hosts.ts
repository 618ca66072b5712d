// Bare HCI hosts on a realistic-clock air: advertise, connect with chosen parameters, and wait
// for simulated time to settle. Shared by the fault, range and supervision tests.
import { LeEv, Op } from '../../radio/hci';
import type { RawHost } from './raw-host';

const u16 = (n: number): number[] => [n & 0xff, n >> 8];
const addr = (text: string): number[] => [...Buffer.from(text.split(':').reverse().join(''), 'hex')];

export function advertise(host: RawHost): void {
  host.command(Op.leSetAdvertisingParameters, [...u16(0x20), ...u16(0x20), 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0]);
  host.command(Op.leSetAdvertisingData, [3, 2, 1, 6, ...new Array(28).fill(0)]);
  host.command(Op.leSetAdvertiseEnable, [1]);
}

export interface Requested {
  readonly intervalUnits?: number;
  readonly latency?: number;
  readonly timeoutUnits?: number;
}

/** LE Create Connection towards `peripheral` (which must advertise for it to complete). */
export function createConnection(central: RawHost, peripheral: RawHost, p: Requested = {}): void {
  const interval = p.intervalUnits ?? 24;
  central.command(Op.leCreateConnection, [
    ...u16(0x60), ...u16(0x30), 0, 0, ...addr(peripheral.controller.address), 0,
    ...u16(interval), ...u16(interval), ...u16(p.latency ?? 0), ...u16(p.timeoutUnits ?? 50), ...u16(0), ...u16(0),
  ]);
}

/** Connects and waits until the air is idle; returns both handles. */
export async function connect(central: RawHost, peripheral: RawHost, wait: () => Promise<void>, p: Requested = {}): Promise<{ c: number; p: number }> {
  advertise(peripheral);
  createConnection(central, peripheral, p);
  await wait();
  const c = central.leMeta(LeEv.connectionComplete).at(-1);
  const q = peripheral.leMeta(LeEv.connectionComplete).at(-1);
  if (!c || !q || c[0] !== 0 || q[0] !== 0) throw new Error('no connection');
  return { c: c.readUInt16LE(1), p: q.readUInt16LE(1) };
}

/** An L2CAP basic frame on the ATT channel carrying `n` bytes of `fill`. */
export function l2cap(n: number, fill: number): Buffer {
  return Buffer.concat([Buffer.from([...u16(n), ...u16(4)]), Buffer.alloc(n, fill)]);
}
