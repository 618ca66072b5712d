// Builds the air view page into view/dist: one bundled script (decoders from view/decode,
// radio/ and pairing/, uPlot) and one stylesheet, beside index.html. No CDN, nothing fetched at
// run time. `npm run build:view` runs it; the CLI and the browser tests call buildView().
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export const VIEW_DIST = join(__dirname, 'dist');

export async function buildView(outDir: string = VIEW_DIST): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({
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
  return outDir;
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
