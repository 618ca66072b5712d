// The `plushlink` command line: dispatches subcommands, prints --help, and turns every failure
// into one clear line on stderr with a non-zero exit code.
import { air, AIR_HELP } from './air-command';
import { demo, DEMO_HELP } from './demo';
import { UsageError } from './usage-error';

const HELP = `usage: plushlink <command> [options]

Build and test a Bluetooth LE talking plush toy without the plush.

commands:
  demo    run the main demo on an embedded virtual radio
  air     serve a virtual air to other processes (HCI H4 over TCP)

Run "plushlink <command> --help" for a command's options.`;

const COMMANDS: Record<string, { help: string; run: (args: readonly string[], print: (line: string) => void) => Promise<void> }> = {
  demo: { help: DEMO_HELP, run: demo },
  air: { help: AIR_HELP, run: air },
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    print(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}" (try plushlink --help)`);
  if (args.includes('--help') || args.includes('-h')) {
    print(command.help);
    return 0;
  }
  await command.run(args, print);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`plushlink: ${message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
