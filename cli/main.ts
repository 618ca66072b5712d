// The `plushlink` process: runs the command line, turns every failure into one clear line on
// stderr with a non-zero exit code (2 for usage mistakes, 1 otherwise), and exits explicitly when
// the command is done: a phone's link to a toy's air keeps the process alive the way a Bluetooth
// adapter would.
import type { Output } from './command';
import { runCommandLine } from './commands';
import { errorLine } from './error-line';

const output: Output = { print: (line) => void process.stdout.write(`${line}\n`), status: process.stderr };

runCommandLine(process.argv.slice(2), output).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const { line, exitCode } = errorLine(error);
    process.stderr.write(`plushlink: ${line}\n`);
    process.exit(exitCode);
  },
);
