// The `plushlink` process: runs the command line, turns every failure into one clear line on
// stderr with a non-zero exit code (2 for usage mistakes, 130 when interrupted, 141 when the
// reader of its output went away, 1 otherwise), and exits explicitly when the command is done: a
// phone's link to a toy's air keeps the process alive the way a Bluetooth adapter would. A
// command that neither finished nor failed never exits 0.
import type { Output } from './command';
import { runCommandLine } from './commands';
import { errorLine, interruptedLine } from './error-line';
import { packageVersion } from './version';

const interrupt = new AbortController();
const onSignal = (signal: NodeJS.Signals): void => {
  if (interrupt.signal.aborted) process.exit(130); // a second Ctrl-C: stop waiting for the hang-up
  interrupt.abort(signal);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// A reader that went away (`plushlink demo | head`) ends the command the way SIGPIPE ends a Unix
// tool: at once, with no stack trace, and with 141 (128 + SIGPIPE) for shells that check.
const EXIT_BROKEN_PIPE = 141;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
    throw error;
  });
}

const output: Output = { print: (line) => void process.stdout.write(`${line}\n`), status: process.stderr, signal: interrupt.signal };
const argv = process.argv.slice(2);

function fail(line: string, exitCode: number): never {
  process.stderr.write(`plushlink: ${line}\n`);
  process.exit(exitCode);
}

// Nothing left to wait for, yet the command has not settled: it would otherwise end with 0.
process.on('beforeExit', () => fail('stopped with nothing left to wait for, before finishing (a bug: please report it)', 1));

if (argv[0] === '--version' || argv[0] === '-V') {
  process.stdout.write(`plushlink ${packageVersion()}\n`);
  process.exit(0);
}

runCommandLine(argv, output).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (interrupt.signal.aborted) fail(interruptedLine(interrupt.signal.reason as NodeJS.Signals, error), 130);
    const { line, exitCode } = errorLine(error);
    fail(line, exitCode);
  },
);
