// A relay in its own process (`plushlink relay`), as an operator runs it: for the kill test and
// the benchmark. Resolves once it listens, with its URL and the child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface RelayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM and wait for the exit (graceful shutdown). */
  stop(): Promise<void>;
}

const CLI = join(__dirname, '..', '..', 'cli', 'plushlink.js');

export function spawnRelay(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<RelayProcess> {
  const child = spawn(process.execPath, [CLI, 'relay', '--port', '0', '--log-level', 'warn', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`relay did not start: ${stderr}`))), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /relay listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({
        url,
        child,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited (${code}) before listening: ${stderr}`));
    });
  });
}
