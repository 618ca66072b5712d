// Waiting on what a long-running `plushlink` process (toy, air) prints: its stdout is collected
// as it comes, and line() resolves with the first match of a pattern (or fails after 20 s,
// showing everything printed so far).
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

export function watchOutput(child: ChildProcessWithoutNullStreams): { line(pattern: RegExp): Promise<RegExpMatchArray>; text(): string } {
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  return {
    text: () => output,
    async line(pattern) {
      const deadline = Date.now() + 20000;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`no line matching ${pattern} in:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
