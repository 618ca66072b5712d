// `plushlink view FILE`: shows a sniffer pcap of the air or a btsnoop capture in the browser,
// served on loopback at a free port (printed), until interrupted. The file is checked first, so a
// missing or foreign file is one clear error line and a non-zero exit, not a blank page.
import { readFileSync } from 'node:fs';
import { buildModel } from '../view/decode/model';
import { CaptureError } from '../view/decode/capture-file';
import { serveView } from '../view/server';
import { integerOption, parseCommandLine } from './args';
import type { Command } from './command';
import { untilInterrupted } from './signals';
import { UsageError } from './usage-error';

const OPTIONS = { port: { type: 'string' } } as const;

export const viewCommand: Command = {
  name: 'view',
  summary: 'show a capture (air pcap or btsnoop) as a timeline in the browser',
  help: `usage: plushlink view FILE [--port N]

Serves the air view for FILE on http://127.0.0.1:PORT/ and prints that URL; Ctrl-C stops.
FILE is a sniffer capture of the air (the pcap that snifferPath writes) or a btsnoop capture of
one device (plushlink demo writes them in OUT/captures). The page shows a timeline per device,
connection events, every packet decoded through LL, L2CAP, ATT and plushlink's own frames, and
throughput per connection.

  --port N    the port to listen on (default: a free one)`,

  async run(args, out) {
    const { values, positionals } = parseCommandLine('view', args, OPTIONS, 1);
    const file = positionals[0];
    if (file === undefined) throw new UsageError('view needs exactly one capture FILE');
    const port = integerOption('view', 'port', values.port, 0, 65535) ?? 0;
    const bytes = readFileSync(file);
    let packets: number;
    try {
      packets = buildModel(bytes).packets.length;
    } catch (error) {
      if (error instanceof CaptureError) throw new Error(`${file} is not a capture plushlink can show: ${error.message}`);
      throw error;
    }
    const server = await serveView({ capture: file, port });
    out.print(`air view of ${file} (${packets} packets): ${server.url}`);
    out.print('Ctrl-C stops');
    await untilInterrupted();
    await server.close();
    return 0;
  },
};
