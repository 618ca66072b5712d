// `plushlink paw --dir DIR [--long]`: presses the paw of the toy running in DIR from another
// terminal or a script, by signalling its process (SIGUSR1 a press, SIGUSR2 a long press).
import { parseCommandLine } from './args';
import type { Command } from './command';
import { runningToy } from './toy-dir';
import { UsageError } from './usage-error';

export const pawCommand: Command = {
  name: 'paw',
  summary: "press the paw of the toy running in a folder (--long: a long press)",
  help: `usage: plushlink paw --dir DIR [--long]

Presses the paw button of the toy started with "plushlink toy --dir DIR", as the person holding
the toy would: a press opens the pairing window on a new toy, records a message once the toy has
an owner, and confirms a factory reset; a long press always opens the pairing window.

  --dir DIR   the toy's folder
  --long      a long press`,

  async run(args, out) {
    const { values } = parseCommandLine('paw', args, { dir: { type: 'string' }, long: { type: 'boolean' } } as const);
    if (!values.dir) throw new UsageError('paw needs --dir DIR (the folder of a running toy)');
    const toy = runningToy(values.dir);
    process.kill(toy.pid, values.long ? 'SIGUSR2' : 'SIGUSR1');
    out.print(`${values.long ? 'long-pressed' : 'pressed'} the paw of toy ${toy.toyId}`);
    return 0;
  },
};
