// Builds the air view page into view/dist: one bundled script (decoders from view/decode,
// radio/ and pairing/, uPlot) and one stylesheet, beside index.html. No CDN, nothing fetched at
// run time. `npm run build:view` runs it; the CLI and the browser tests call buildView().
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export const VIEW_DIST = join(__dirname, 'dist');

/** The sources a build read, relative to the working directory esbuild ran in (esbuild's metafile). */
const INPUTS = 'inputs.json';

export async function buildView(outDir: string = VIEW_DIST): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    metafile: true,
    entryPoints: { view: join(__dirname, 'page', 'main.ts') },
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: outDir,
    logLevel: 'warning',
  });
  copyFileSync(join(__dirname, 'page', 'index.html'), join(outDir, 'index.html'));
  const inputs = [...Object.keys(result.metafile.inputs).map((f) => resolve(f)), join(__dirname, 'page', 'index.html')];
  writeFileSync(join(outDir, INPUTS), JSON.stringify(inputs));
  return outDir;
}

/**
 * Whether `outDir` holds a build at least as new as every source it was made from (so a checkout
 * whose decoders or page changed does not serve yesterday's page). A build without its list of
 * sources, as a package ships it, counts as current when it is there.
 */
export function viewBuildIsCurrent(outDir: string = VIEW_DIST): boolean {
  const script = join(outDir, 'view.js');
  if (!existsSync(script)) return false;
  const list = join(outDir, INPUTS);
  if (!existsSync(list)) return true;
  const built = statSync(script).mtimeMs;
  return (JSON.parse(readFileSync(list, 'utf8')) as string[]).every((f) => !existsSync(f) || statSync(f).mtimeMs <= built);
}

if (require.main === module) {
  buildView().then(
    (dir) => console.log(`air view built into ${dir}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
