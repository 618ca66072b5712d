// `plushlink demo`: the main demo on the embedded virtual radio. Until the toy firmware and the
// client library exist it shows the radio itself: a simulated peripheral on the real bleno, a
// central on the real noble, discovery, connection, GATT both ways, and btsnoop captures.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Air } from '../radio/air';
import { exerciseGatt } from '../radio/self-test';
import { option } from './usage-error';

export const DEMO_HELP = `usage: plushlink demo [--seed N] [--capture DIR]

Runs a phone (noble) and a toy (bleno), unmodified, on an embedded virtual radio: the phone scans,
connects, reads, writes, subscribes and hangs up. Each device's HCI traffic is written as a btsnoop
file that Wireshark or tshark opens.

  --seed N       seed of the air (addresses, ordering); the same seed replays the same run (default 1)
  --capture DIR  folder for the btsnoop captures (default: a new temporary folder)`;

export async function demo(args: readonly string[], print: (line: string) => void): Promise<void> {
  const seed = Number(option(args, 'seed') ?? 1);
  const captureDir = option(args, 'capture') ?? mkdtempSync(join(tmpdir(), 'plushlink-demo-'));
  const started = performance.now();
  const air = new Air({ seed, captureDir });
  try {
    print(`air: seed ${seed}, fast clock`);
    const session = await exerciseGatt(air);
    const phone = air.controllers.find((c) => c.name === 'phone')!;
    const toy = air.controllers.find((c) => c.name === 'toy')!;
    print(`toy ${toy.address} advertised "Plush 1"; phone ${phone.address} found it at ${session.rssi} dBm`);
    print(`connected (ATT MTU ${session.mtu.central}), read "${session.read}", wrote ${session.written.length} values, notified "${session.notified}"`);
    print(`phone hung up; link ${session.finalState}`);
    for (const c of [toy, phone]) print(`capture: ${air.capturePath(c)}`);
    print(`done in ${Math.round(performance.now() - started)} ms`);
  } finally {
    air.close();
  }
}
