// Benchmark of the virtual radio on the fast clock, through the real noble and bleno: time from
// an empty air to the first GATT read, and GATT throughput both ways with a bounded window of
// packets in flight (never a flood: noble's and bleno's queues degrade past ~16k entries).
// Prints one JSON object. Run: npx tsx bench/radio-fast.ts [--count N] [--window W]
import os from 'node:os';
import { Air } from '../radio/air';
import { loadBleno, loadNoble } from '../radio/loaders';
import { find, NOTIFY_CHAR, READ_CHAR, SERVICE, startPeripheral, WRITE_CHAR } from '../radio/self-test';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const count = arg('count', 20000);
  const window = arg('window', 64);
  const size = 244; // the largest write that fits an ATT MTU of 247 in one LL PDU with DLE

  const t0 = performance.now();
  const air = new Air({ seed: 1 });
  const radio = { kind: 'virtual' as const, air };
  const { bleno } = loadBleno(radio, { name: 'toy' });
  const { noble } = loadNoble(radio, { name: 'phone' });
  const toy = await startPeripheral(bleno, 'Bench', Buffer.from('ready'));
  const peripheral = await find(noble, 'Bench');
  await peripheral.connectAsync();
  const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], []);
  const byUuid = new Map(characteristics.map((c) => [c.uuid, c]));
  await byUuid.get(READ_CHAR)!.readAsync();
  const firstReadMs = performance.now() - t0;

  // Phone to toy: writes without response, at most `window` not yet seen by the toy.
  const writer = byUuid.get(WRITE_CHAR)!;
  const payload = Buffer.alloc(size, 0x5a);
  const writeStart = performance.now();
  let sent = 0;
  while (sent < count) {
    while (sent - toy.written.length < window && sent < count) {
      writer.write(payload, true);
      sent++;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (toy.written.length < count) await new Promise((resolve) => setImmediate(resolve));
  const writeSeconds = (performance.now() - writeStart) / 1000;

  // Toy to phone: notifications, with the same window.
  const notifier = byUuid.get(NOTIFY_CHAR)!;
  let received = 0;
  notifier.on('data', () => received++);
  await notifier.subscribeAsync();
  await toy.subscribed;
  const notifyStart = performance.now();
  let notified = 0;
  while (notified < count) {
    while (notified - received < window && notified < count) {
      toy.notify(payload);
      notified++;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (received < count) await new Promise((resolve) => setImmediate(resolve));
  const notifySeconds = (performance.now() - notifyStart) / 1000;

  await peripheral.disconnectAsync();
  air.close();
  console.log(
    JSON.stringify(
      {
        bench: 'radio-fast',
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
        clock: 'fast',
        payloadBytes: size,
        window,
        count,
        firstGattReadMs: Math.round(firstReadMs * 10) / 10,
        writeWithoutResponse: { perSecond: Math.round(count / writeSeconds), megabytesPerSecond: Math.round((count * size) / writeSeconds / 1e4) / 100 },
        notifications: { perSecond: Math.round(count / notifySeconds), megabytesPerSecond: Math.round((count * size) / notifySeconds / 1e4) / 100 },
      },
      null,
      2,
    ),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
