// The `plushlink` command line: dispatches subcommands, prints --help, and turns every failure
// into one clear line on stderr with a non-zero exit code (2 for usage mistakes, 1 otherwise).
// It exits explicitly when a command is done: a phone's link to a toy's air keeps the process
// alive the way a Bluetooth adapter would.
import { airCommand } from './air-command';
import type { Command, Output } from './command';
import { demoCommand } from './demo';
import { errorLine } from './error-line';
import { UsageError } from './usage-error';

const COMMANDS: readonly Command[] = [demoCommand, airCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: plushlink <command> [options]

Build and test a Bluetooth LE talking plush toy without the plush.

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "plushlink <command> --help" for a command's options.`;
}

async function main(argv: readonly string[], out: Output): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.print(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}" (try plushlink --help)`);
  if (args.includes('--help') || args.includes('-h')) {
    out.print(command.help);
    return 0;
  }
  return command.run(args, out);
}

const output: Output = { print: (line) => void process.stdout.write(`${line}\n`), status: process.stderr };

main(process.argv.slice(2), output).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const { line, exitCode } = errorLine(error);
    process.stderr.write(`plushlink: ${line}\n`);
    process.exit(exitCode);
  },
);
