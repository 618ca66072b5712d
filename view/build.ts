// Builds the air view page into view/dist: one bundled script (decoders from view/decode,
// radio/ and pairing/, uPlot) and one stylesheet, beside index.html. No CDN, nothing fetched at
// run time. `npm run build:view` runs it; the CLI and the browser tests call buildView().
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const VIEW_DIST = join(__dirname, 'dist');

/** The sources a build read, relative to the working directory esbuild ran in (esbuild's metafile). */
const INPUTS = 'inputs.json';

/**
 * Bundles the page into `outDir`. `forPackage` leaves out the list of sources it read: an installed
 * package has no sources, and its prebuilt page then counts as current (viewBuildIsCurrent).
 */
export async function buildView(outDir: string = VIEW_DIST, options: { readonly forPackage?: boolean } = {}): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  // Loaded only to build: esbuild is a development dependency, and the installed package ships the
  // page already built, so its CLI (which imports this file to check the build) must run without it.
  const { build } = await import('esbuild');
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
    write: false,
    logLevel: 'warning',
  });
  const html = join(__dirname, 'page', 'index.html');
  // The sources list goes last: until it is there, an older list still says the build is stale.
  const files = [
    ...result.outputFiles.map((f) => [f.path, f.contents] as const),
    [join(outDir, 'index.html'), readFileSync(html)] as const,
    ...(options.forPackage ? [] : [[join(outDir, INPUTS), Buffer.from(JSON.stringify([...Object.keys(result.metafile.inputs).map((f) => resolve(f)), html]))] as const]),
  ];
  for (const [path, contents] of files) writeAtomically(path, contents);
  return outDir;
}

/**
 * Writes a file under a temporary name and renames it into place, so a server (or a build running
 * at the same time, as two test files may) never reads half of it.
 */
function writeAtomically(path: string, contents: Uint8Array): void {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
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
  // `--package DIR`: the page an installed package serves (dist/view/dist, beside the compiled server).
  const at = process.argv.indexOf('--package');
  const packageDir = at >= 0 ? process.argv[at + 1] : undefined;
  buildView(packageDir ?? VIEW_DIST, { forPackage: packageDir !== undefined }).then(
    // On stderr: `npm pack --json` runs this build (prepare) and its stdout must stay the JSON.
    (dir) => console.error(`air view built into ${dir}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
