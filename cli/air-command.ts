// `plushlink air --serve tcp:127.0.0.1:PORT`: serves a virtual air to other processes, one
// controller per TCP connection, until interrupted.
import { Air } from '../radio/air';
import { serveH4OverTcp } from '../radio/h4-tcp-server';
import { option, UsageError } from './usage-error';

export const AIR_HELP = `usage: plushlink air --serve tcp:127.0.0.1:PORT [--seed N] [--capture DIR]

Serves a virtual air on loopback: every TCP connection gets its own virtual controller speaking
HCI H4. Join it from another process with an unmodified noble or bleno app:
  PLUSHLINK_AIR=tcp:127.0.0.1:PORT node -r tsx/cjs -r plushlink/radio/preload app.js

  --serve SPEC   where to listen (tcp:HOST:PORT; PORT 0 picks a free one)
  --seed N       seed of the air (default 1)
  --capture DIR  write one btsnoop capture per device into DIR`;

export async function air(args: readonly string[], print: (line: string) => void): Promise<void> {
  const spec = option(args, 'serve');
  if (!spec) throw new UsageError('plushlink air needs --serve tcp:HOST:PORT');
  const match = /^tcp:([^:]+):(\d+)$/.exec(spec);
  if (!match) throw new UsageError(`--serve ${spec}: expected tcp:HOST:PORT`);
  const captureDir = option(args, 'capture');
  const theAir = new Air({ seed: Number(option(args, 'seed') ?? 1), log: print, ...(captureDir ? { captureDir } : {}) });
  const server = await serveH4OverTcp(theAir, { host: match[1]!, port: Number(match[2]), log: print });
  print(`serving an air at ${server.airSpec} (PLUSHLINK_AIR=${server.airSpec}); Ctrl-C stops`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await server.close();
  theAir.close();
}
