// Every TypeScript block in README.md runs as written: each is written to a file of its own, its
// `plushlink/...` imports pointed at this checkout (what the package's exports map names), and run
// in a fresh Node process, which must exit 0 by itself (nothing left holding the event loop).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** The TypeScript code blocks of a Markdown text, with the line each starts on. */
function typescriptBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README.md:${i + 1}: a code block is never closed`);
    blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** Points `plushlink/...` imports at the sources in this checkout. */
function fromCheckout(code: string): string {
  return code.replace(/from 'plushlink\/([^']+)'/g, (_, entry: string) => `from '${join(ROOT, entry)}'`);
}

function runTs(file: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'tsx/cjs', file], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const status = error ? ((error as { code?: number }).code ?? null) : 0;
      resolve({ status: typeof status === 'number' ? status : null, stdout, stderr });
    });
  });
}

const blocks = typescriptBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'plushlink-readme-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README.md', () => {
  it('has the TypeScript examples this test runs (quick start, radio, realistic radio)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it.each(blocks.map((b) => [b.line, b] as const))('runs the TypeScript block at line %i as written, and exits by itself', async (line, block) => {
    const file = join(dir, `readme-line-${line}.ts`);
    writeFileSync(file, fromCheckout(block.code));
    const run = await runTs(file);
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
  }, 90_000);
});
