// Captures for the air view's tests: a realistic-radio sniffer pcap of a phone pairing with the
// toy and sending it a short voice message over a lossy link (so resends are on the air), with
// the air's own record of which packets their receiver missed; and the demo's btsnoop captures.
import { join } from 'node:path';
import { writeWav } from '../../audio/wav';
import { ToyClient } from '../../client/toy-client';
import { ToyFirmware } from '../../firmware-sim/firmware';
import { ToyGattServer } from '../../firmware-sim/gatt-server';
import { speechLike } from '../../firmware-sim/microphone';
import { Air } from '../../radio/air';
import { loadBleno } from '../../radio/loaders';
import type { AirPacket } from '../../radio/sniffer-pcap';
import { plushlink } from '../cli/run';

export interface SniffedRun {
  readonly pcap: string;
  /** Every packet as the air emitted it, in order. */
  readonly packets: readonly AirPacket[];
}

/** Pairs a phone with a toy on a realistic, lossy air and sends a 2 s message, sniffing it all. */
export async function sniffPairingAndMessage(dir: string): Promise<SniffedRun> {
  const pcap = join(dir, 'air.pcap');
  const air = new Air({ seed: 21, clock: 'realistic', link: { phy: '2M', intervalMs: 15, dataLength: 251 }, faults: { loss: { kind: 'independent', probability: 0.03 } }, snifferPath: pcap });
  const packets: AirPacket[] = [];
  air.observe((p) => packets.push(p));
  let toy: ToyFirmware | undefined;
  try {
    toy = await ToyFirmware.boot({ dir: join(dir, 'toy') });
    await ToyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'toy' }).bleno, toy);
    const phone = await ToyClient.create({ radio: { kind: 'virtual', air }, store: join(dir, 'phone.json'), label: 'Parent' });
    await toy.pawPress();
    const session = await phone.pair(toy.identity.toyId, { code: toy.identity.code }, { timeoutMs: 60_000 });
    await session.sendMessage(writeWav({ sampleRate: 16000, channels: [speechLike(2 * 16000, 1)] }));
    await session.disconnect();
    await air.clock.idle();
  } finally {
    // Off before the air goes: its pairing window's timer would otherwise make it advertise on a
    // closed air later, in whatever test the worker runs then.
    toy?.powerOff();
    air.close();
  }
  return { pcap, packets };
}

/** Runs `plushlink demo` into `dir` and returns the toy's btsnoop capture. */
export function demoToyCapture(dir: string): string {
  const result = plushlink(['demo', '--out', dir, '--generated-voice'], { timeoutMs: 60_000 });
  if (result.status !== 0) throw new Error(`demo failed: ${result.stderr}${result.stdout}`);
  const match = /captures\/(toy-\d+\.btsnoop)/.exec(result.stdout);
  if (!match) throw new Error(`no toy capture in:\n${result.stdout}`);
  return join(dir, 'captures', match[1]!);
}
