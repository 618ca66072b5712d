// README.md's "Client library" example is test/cli/quick-start.ts with its imports spelled as an
// app spells them ('plushlink/...'). This checks the two agree, and runs the README's text as it
// stands from an app folder where plushlink is installed (a node_modules link to this checkout).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './run';

function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Client library'));
  const block = /```ts\n([\s\S]*?)\n```/.exec(section);
  if (!block) throw new Error('README.md has no ts block under "## Client library"');
  return block[1]!;
}

describe('the README quick start', () => {
  it('is test/cli/quick-start.ts, imported as an app imports plushlink', () => {
    const file = readFileSync(join(__dirname, 'quick-start.ts'), 'utf8');
    const body = file.replace(/^(\/\/.*\n)+/, '').trim().replaceAll("'../../", "'plushlink/");
    expect(readmeExample()).toBe(body);
  });

  it('runs as written in an app that has plushlink installed', () => {
    const app = mkdtempSync(join(tmpdir(), 'plushlink-app-'));
    try {
      mkdirSync(join(app, 'node_modules'));
      symlinkSync(ROOT, join(app, 'node_modules', 'plushlink'), 'dir');
      writeFileSync(join(app, 'quick-start.ts'), readmeExample());
      const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      const result = spawnSync(process.execPath, [tsx, 'quick-start.ts'], { cwd: app, encoding: 'utf8', timeout: 30_000 });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^paired as owner\n(sending: \d+\/\d+ bytes\n)+message [0-9a-f]{32} stored and played by the toy\nfetched \d+ bytes of Ogg Opus into .*recording\.ogg\n$/);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
