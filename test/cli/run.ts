// Runs the `plushlink` command as a user does (node cli/plushlink.js ...), in a child process.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'cli', 'plushlink.js');

export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `plushlink ARGS` to the end. */
export function plushlink(args: readonly string[], options: { readonly timeoutMs?: number } = {}): Ran {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: options.timeoutMs ?? 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `plushlink ARGS` without waiting: for a child process that resolves when it exits. */
export function plushlinkAsync(args: readonly string[]): Promise<Ran> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/** Starts a long-running `plushlink ARGS` (a toy); stop it with its kill(). */
export function startPlushlink(args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
}

/** Collects a long-running child's stdout and waits for lines in it. */
export class OutputWatcher {
  private text = '';
  private waiters: Array<() => void> = [];

  constructor(child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.text += chunk.toString();
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  get output(): string {
    return this.text;
  }

  /** Resolves with the first match of `pattern` in the output so far or to come. */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${this.text}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
