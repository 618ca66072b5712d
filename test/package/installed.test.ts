// The package an app installs: `npm pack` of this project, installed from the tarball into fresh
// folders (no tsx, no sources, no dev dependencies), runs the README's quick start unchanged as
// an ES module, as CommonJS and as TypeScript compiled with node16 and bundler resolution; the
// `plushlink` command and the PLUSHLINK_AIR preload work from it; and it ships nothing else.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../cli/run';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Packed {
  readonly filename: string;
  readonly size: number;
  readonly entryCount: number;
  readonly files: ReadonlyArray<{ readonly path: string }>;
}

/** The README's quick start, exactly as printed there. */
function readmeQuickStart(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Client library'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('no ts block in the README section "Client library"');
  return block;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** What the quick start prints when it did everything it says. */
const QUICK_START_OUTPUT = /^paired as owner\n(sending: \d+\/\d+ bytes\n)+message [0-9a-f]{32} stored and played by the toy\nfetched \d+ bytes of Ogg Opus into .*recording\.ogg\n$/;

describe('the installed package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-package-'));
  const app = join(dir, 'app');
  let packed: Packed;

  // A phone's keys and a toy's flash lying in the tree, as after trying the CLI there (git-ignored).
  const secrets = [join(ROOT, '.plushlink', 'phone.json'), join(ROOT, 'mytoy', 'flash', 'identity'), join(ROOT, '.plushlink', 'pending-sends', 'x.sealed')];

  beforeAll(() => {
    for (const secret of secrets) {
      mkdirSync(dirname(secret), { recursive: true });
      writeFileSync(secret, 'secret');
    }
    try {
      // `npm pack` runs the build (prepare) first, so the tarball holds this tree's code.
      packed = (JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', dir], ROOT)) as Packed[])[0]!;
    } finally {
      for (const secret of secrets) rmSync(secret, { force: true });
      for (const folder of [join(ROOT, '.plushlink', 'pending-sends'), join(ROOT, '.plushlink'), join(ROOT, 'mytoy', 'flash'), join(ROOT, 'mytoy')]) {
        try {
          rmdirSync(folder); // only if this test made it and left it empty
        } catch {
          // not empty, or not there: not ours to remove
        }
      }
    }
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', version: '1.0.0', private: true }));
    // From the npm cache (npm ci filled it); the native HCI socket is optional and not needed on
    // the virtual radio, so it is neither installed nor built.
    run(NPM, ['install', join(dir, packed.filename), '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', '--ignore-scripts'], app);
    process.stdout.write(`packed: ${packed.filename}, ${packed.size} bytes, ${packed.entryCount} files\n`);
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships compiled JavaScript, types and source maps, the command and the docs, and nothing else', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain('dist/client/index.js');
    expect(paths).toContain('dist/client/index.d.ts');
    expect(paths).toContain('dist/client/index.js.map');
    expect(paths).toContain('cli/plushlink.js');
    expect(paths).toContain('dist/view/dist/index.html'); // the air view page, built: no bundler needed
    const unexpected = paths.filter(
      (p) => !/^(dist\/.*\.(js|d\.ts|js\.map|d\.ts\.map)|dist\/view\/dist\/(index\.html|view\.css(\.map)?)|cli\/plushlink\.js|docs\/[A-Z-]+\.md|README\.md|package\.json)$/.test(p),
    );
    expect(unexpected).toEqual([]);
    expect(paths.filter((p) => /(^|\/)(test|bench)\//.test(p) || /phone\.json$|\.sealed$|(^|\/)flash\//.test(p))).toEqual([]);
  });

  it('runs the quick start as an ES module (.mjs) with plain node', () => {
    const js = ts.transpileModule(readmeQuickStart(), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    writeFileSync(join(app, 'quick-start.mjs'), js);
    expect(run(process.execPath, ['quick-start.mjs'], app)).toMatch(QUICK_START_OUTPUT);
  });

  it('runs the quick start as CommonJS (.cjs) with plain node', () => {
    const js = ts.transpileModule(readmeQuickStart(), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    writeFileSync(join(app, 'quick-start.cjs'), js);
    expect(run(process.execPath, ['quick-start.cjs'], app)).toMatch(QUICK_START_OUTPUT);
  });

  it.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }, undefined],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'module'],
  ])('type-checks and runs the quick start compiled by tsc with %s resolution', (name, resolution, type) => {
    const project = join(app, name);
    mkdirSync(project);
    writeFileSync(join(project, 'quick-start.ts'), readmeQuickStart());
    if (type) writeFileSync(join(project, 'package.json'), JSON.stringify({ type }));
    const compilerOptions = { ...resolution, target: 'ES2022', strict: true, outDir: 'out', types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['quick-start.ts'] }));
    run(process.execPath, [TSC, '-p', '.'], project);
    expect(run(process.execPath, [join('out', 'quick-start.js')], project)).toMatch(QUICK_START_OUTPUT);
  });

  it('runs the plushlink command from the package: a toy that an unmodified noble app joins with -r plushlink/preload, and the air view of its capture', async () => {
    const bin = join(app, 'node_modules', '.bin', 'plushlink');
    expect(run(bin, ['--version'], app)).toBe(`plushlink ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
    const captures = join(dir, 'captures');
    const toy = spawn(bin, ['toy', '--dir', join(dir, 'toy'), '--port', '0', '--no-qr', '--capture', captures], { cwd: app });
    try {
      const air = await new Promise<string>((resolve, reject) => {
        let out = '';
        toy.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const found = /is on the air at (tcp:\S+)/.exec(out);
          if (found) resolve(found[1]!);
        });
        toy.on('exit', () => reject(new Error(`the toy exited: ${out}`)));
      });
      cpSync(join(ROOT, 'test', 'package', 'noble-app.cjs'), join(app, 'noble-app.cjs'));
      const heard = run(process.execPath, ['-r', 'plushlink/preload', 'noble-app.cjs'], app, { ...process.env, PLUSHLINK_AIR: air });
      expect(heard).toMatch(/^heard Plush [0-9a-f]{4}\n$/);
    } finally {
      toy.kill('SIGINT');
      await new Promise((resolve) => toy.once('exit', resolve));
    }
    // The air view of the toy's capture, served by the installed command from the page it ships.
    const capture = join(captures, readdirSync(captures).find((f) => f.startsWith('toy-'))!);
    const view = spawn(bin, ['view', capture], { cwd: app });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        view.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const found = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (found) resolve(found[1]!);
        });
        view.on('exit', () => reject(new Error(`plushlink view exited: ${out}`)));
      });
      const page = await fetch(url);
      expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('view.js')]);
      const script = await fetch(new URL('view.js', url));
      expect(script.status).toBe(200);
      expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
      expect((await fetch(new URL('capture', url))).status).toBe(200);
    } finally {
      view.kill('SIGINT');
      await new Promise((resolve) => view.once('exit', resolve));
    }
  });
});
