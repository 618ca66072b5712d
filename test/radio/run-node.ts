// Runs a plain Node process (an app attached to an air from outside): its first line, then its exit.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface Run {
  readonly firstLine: Promise<string>;
  readonly exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Runs a node process; resolves its first line of output, then its exit. */
export function runNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Run {
  let onLine: (line: string) => void = () => undefined;
  const firstLine = new Promise<string>((resolve) => (onLine = resolve));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('\n')) onLine(stdout.split('\n')[0]!);
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      onLine('');
      resolve({ code, stdout, stderr });
    });
  });
  return { firstLine, exit };
}
