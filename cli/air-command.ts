// `plushlink air --serve tcp:127.0.0.1:PORT [--toy DIR]`: serves a virtual air to other
// processes, one controller per TCP connection, optionally with a simulated toy on it and on the
// realistic clock, until interrupted.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPairingCode } from '../pairing/code';
import { Air } from '../radio/air';
import { PHONES } from '../radio/link-policy';
import { parseAirSpec } from '../radio/air-spec';
import { serveH4OverTcp } from '../radio/h4-tcp-server';
import { integerOption, parseCommandLine } from './args';
import type { Command } from './command';
import { startLiveView } from './live-view';
import { listenForPaw } from './paw-input';
import { untilInterrupted } from './signals';
import { startToyOnAir } from './toy-on-air';
import { UsageError } from './usage-error';

const OPTIONS = {
  serve: { type: 'string' },
  seed: { type: 'string' },
  capture: { type: 'string' },
  toy: { type: 'string' },
  clock: { type: 'string' },
  phone: { type: 'string' },
  view: { type: 'boolean' },
} as const;

export const airCommand: Command = {
  name: 'air',
  summary: 'serve a virtual air to other processes (HCI H4 over TCP)',
  help: `usage: plushlink air --serve tcp:127.0.0.1:PORT [--toy DIR] [--clock fast|realistic] [--phone ios|android] [--seed N] [--capture DIR] [--view]

Serves a virtual air on loopback: every TCP connection gets its own virtual controller speaking
HCI H4. Join it from another process with an unmodified noble or bleno app:
  PLUSHLINK_AIR=tcp:127.0.0.1:PORT node -r tsx/cjs -r plushlink/radio/preload app.js

  --serve SPEC       where to listen (tcp:HOST:PORT; PORT 0 picks a free one)
  --toy DIR          also switch on a simulated toy on this air, its flash in DIR/flash
  --clock C          fast (default: as soon as hosts allow) or realistic (connection events,
                     PHY, data length; the link parameters a phone would choose)
  --phone P          with --clock realistic: the link a phone of this kind sets up (ios: 30 ms,
                     2M, DLE; android: 30 ms, 2M, DLE, shorter updates allowed)
  --seed N           seed of the air (default 1)
  --capture DIR      write one btsnoop capture per device into DIR
  --view             with --clock realistic: sniff the air into a pcap (DIR/air.pcap with
                     --capture, else a temporary file) and serve the air view of it live on
                     loopback (the URL is printed)`,

  async run(args, out) {
    const { values } = parseCommandLine('air', args, OPTIONS);
    const spec = values.serve;
    if (!spec) throw new UsageError('air needs --serve tcp:HOST:PORT');
    const where = parseAirSpec(spec);
    if (!where) throw new UsageError(`--serve ${spec}: expected tcp:HOST:PORT`);
    const seed = integerOption('air', 'seed', values.seed, 0, 2 ** 31) ?? 1;
    const clock = values.clock ?? 'fast';
    if (clock !== 'fast' && clock !== 'realistic') throw new UsageError(`--clock ${clock}: expected fast or realistic`);
    const phone = values.phone;
    if (phone !== undefined && phone !== 'ios' && phone !== 'android') throw new UsageError(`--phone ${phone}: expected ios or android`);
    if (phone !== undefined && clock !== 'realistic') throw new UsageError('--phone needs --clock realistic');
    if (values.view && clock !== 'realistic') throw new UsageError('--view needs --clock realistic (only the realistic air has packets to sniff)');
    const scratch = values.view && !values.capture ? mkdtempSync(join(tmpdir(), 'plushlink-air-')) : undefined;
    const snifferPath = values.view ? join(values.capture ?? scratch!, 'air.pcap') : undefined;
    if (values.capture) mkdirSync(values.capture, { recursive: true });
    const log = (line: string): void => out.print(line);
    const air = new Air({
      seed,
      log,
      clock,
      ...(phone ? { link: PHONES[phone] } : {}),
      ...(values.capture ? { captureDir: values.capture } : {}),
      ...(snifferPath ? { snifferPath } : {}),
    });
    const view = snifferPath ? await startLiveView(out, snifferPath, () => snifferPath) : undefined;
    const server = await serveH4OverTcp(air, { ...where, log });
    const toy = values.toy ? await startToyOnAir(air, { dir: join(values.toy, 'flash'), speakerDir: join(values.toy, 'speaker'), log: (line) => out.print(`toy: ${line}`) }) : undefined;
    if (toy) out.print(`toy ${toy.firmware.identity.toyId} is on this air (pairing code ${formatPairingCode(toy.firmware.identity.code)}; paw: SIGUSR1, long press SIGUSR2)`);
    const stopPaw = toy ? listenForPaw(out, (long) => toy.firmware.pawPress({ long })) : () => undefined;
    out.print(`serving a ${clock} air at ${server.airSpec} (PLUSHLINK_AIR=${server.airSpec}); Ctrl-C stops`);
    await untilInterrupted();
    stopPaw();
    await toy?.server.stop().catch(() => undefined);
    await server.close();
    air.close();
    await view?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    return 0;
  },
};
