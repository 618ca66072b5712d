// `plushlink air --serve tcp:127.0.0.1:PORT`: serves a virtual air to other processes, one
// controller per TCP connection, until interrupted.
import { Air } from '../radio/air';
import { serveH4OverTcp } from '../radio/h4-tcp-server';
import { integerOption, parseCommandLine } from './args';
import type { Command } from './command';
import { untilInterrupted } from './signals';
import { UsageError } from './usage-error';

const OPTIONS = { serve: { type: 'string' }, seed: { type: 'string' }, capture: { type: 'string' } } as const;

export const airCommand: Command = {
  name: 'air',
  summary: 'serve a virtual air to other processes (HCI H4 over TCP)',
  help: `usage: plushlink air --serve tcp:127.0.0.1:PORT [--seed N] [--capture DIR]

Serves a virtual air on loopback: every TCP connection gets its own virtual controller speaking
HCI H4. Join it from another process with an unmodified noble or bleno app:
  PLUSHLINK_AIR=tcp:127.0.0.1:PORT node -r tsx/cjs -r plushlink/radio/preload app.js

  --serve SPEC   where to listen (tcp:HOST:PORT; PORT 0 picks a free one)
  --seed N       seed of the air (default 1)
  --capture DIR  write one btsnoop capture per device into DIR`,

  async run(args, out) {
    const { values } = parseCommandLine('air', args, OPTIONS);
    const spec = values.serve;
    if (!spec) throw new UsageError('air needs --serve tcp:HOST:PORT');
    const match = /^tcp:([^:]+):(\d+)$/.exec(spec);
    if (!match) throw new UsageError(`--serve ${spec}: expected tcp:HOST:PORT`);
    const seed = integerOption('air', 'seed', values.seed, 0, 2 ** 31) ?? 1;
    const log = (line: string): void => out.print(line);
    const air = new Air({ seed, log, ...(values.capture ? { captureDir: values.capture } : {}) });
    const server = await serveH4OverTcp(air, { host: match[1]!, port: Number(match[2]), log });
    out.print(`serving an air at ${server.airSpec} (PLUSHLINK_AIR=${server.airSpec}); Ctrl-C stops`);
    await untilInterrupted();
    await server.close();
    air.close();
    return 0;
  },
};
