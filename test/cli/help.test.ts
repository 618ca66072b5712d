// Every command explains itself with --help, and refuses what it does not understand in one
// line on stderr with exit code 2, naming where to look. Most checks run the command line in this
// process (each child process costs a second); a few run the real `plushlink` to check the wiring.
import type { Output } from '../../cli/command';
import { COMMANDS, runCommandLine } from '../../cli/commands';
import { errorLine } from '../../cli/error-line';
import { plushlinkAsync } from './run';

/** Runs a command line in this process, as main.ts does: output, error line, exit code. */
async function run(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  const out: Output = { print: (line) => void (stdout += `${line}\n`), status: process.stderr };
  try {
    return { status: await runCommandLine(argv, out), stdout, stderr: '' };
  } catch (error) {
    const { line, exitCode } = errorLine(error);
    return { status: exitCode, stdout, stderr: `plushlink: ${line}\n` };
  }
}

const NAMES = COMMANDS.map((c) => c.name);

describe('plushlink --help', () => {
  it('lists every command', async () => {
    const help = await run(['--help']);
    expect(help.status).toBe(0);
    expect(NAMES).toEqual(['demo', 'toy', 'paw', 'pair', 'send', 'fetch', 'members', 'reset', 'air', 'view', 'relay', 'invite', 'join', 'inbox', 'bridge', 'move']);
    for (const command of NAMES) expect(help.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  });

  it.each(NAMES)('explains "%s", and rejects an unknown option in one line', async (command) => {
    const help = await run([command, '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^usage: plushlink ${command}`));
    const bad = await run([command, '--bogus', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`plushlink: ${command}: unknown option --bogus (see plushlink ${command} --help)\n`);
  });

  it('rejects an unknown command, a missing value, a stray argument, a missing file and a missing toy in one line each', async () => {
    expect(await run(['fly'])).toEqual({ status: 2, stdout: '', stderr: 'plushlink: unknown command "fly" (try plushlink --help)\n' });
    expect((await run(['pair', '--code'])).stderr).toBe('plushlink: pair: --code needs a value (see plushlink pair --help)\n');
    expect((await run(['reset', 'now'])).stderr).toBe('plushlink: reset: unexpected argument "now" (see plushlink reset --help)\n');
    expect((await run(['send', '--toy-dir', '/nonexistent/toy', 'x.wav'])).stderr).toBe('plushlink: cannot open x.wav: no such file or directory\n');
    expect((await run(['members', '--toy-dir', '/nonexistent/toy'])).stderr).toBe(
      'plushlink: no toy is running in /nonexistent/toy (start one with: plushlink toy --dir /nonexistent/toy)\n',
    );
  });

  it('does the same as a real process: help on stdout, one error line on stderr, exit codes 0 and 2', async () => {
    const [help, bad] = await Promise.all([plushlinkAsync(['fetch', '--help']), plushlinkAsync(['fetch', '--bogus'])]);
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^usage: plushlink fetch/);
    expect([bad.status, bad.stdout, bad.stderr]).toEqual([2, '', 'plushlink: fetch: unknown option --bogus (see plushlink fetch --help)\n']);
  });
});
