// The `plushlink` subcommands and the dispatch between them: `plushlink --help` lists them,
// `plushlink CMD --help` prints one's help, anything else runs it. main.ts is the process around it.
import { airCommand } from './air-command';
import { bridgeCommand } from './bridge-command';
import type { Command, Output } from './command';
import { demoCommand } from './demo';
import { fetchCommand } from './fetch-command';
import { inboxCommand } from './inbox-command';
import { inviteCommand } from './invite-command';
import { joinCommand } from './join-command';
import { membersCommand } from './members-command';
import { moveCommand } from './move-command';
import { pairCommand } from './pair-command';
import { pawCommand } from './paw-command';
import { relayCommand } from './relay-command';
import { resetCommand } from './reset-command';
import { sendCommand } from './send-command';
import { toyCommand } from './toy-command';
import { UsageError } from './usage-error';
import { viewCommand } from './view-command';

export const COMMANDS: readonly Command[] = [demoCommand, toyCommand, pawCommand, pairCommand, sendCommand, fetchCommand, membersCommand, resetCommand, airCommand, viewCommand, relayCommand, inviteCommand, joinCommand, inboxCommand, bridgeCommand, moveCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: plushlink <command> [options]

Build and test a Bluetooth LE talking plush toy without the plush.

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "plushlink <command> --help" for a command's options.`;
}

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function runCommandLine(argv: readonly string[], out: Output): Promise<number> {
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

