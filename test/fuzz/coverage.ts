// What code a campaign reached: V8's precise block coverage, taken through the inspector around
// each target (taking it resets the counters, so each target is measured alone), mapped back to
// the TypeScript sources through the transpiler's inline source maps (v8-to-istanbul), and
// summed per folder for the code under fuzz: pairing/, audio/, firmware-sim/. Works under tsx
// (the runner) and under jest (the bounded campaign in `npm test`) alike.
import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import libCoverage from 'istanbul-lib-coverage';
import v8ToIstanbul from 'v8-to-istanbul';

export const FUZZED_FOLDERS = ['pairing', 'audio', 'firmware-sim'] as const;
const ROOT = join(__dirname, '..', '..');

export interface Tally {
  readonly covered: number;
  readonly total: number;
  readonly pct: number;
}

export interface CoverageReport {
  readonly lines: Tally;
  readonly branches: Tally;
  /** The same per folder; files count only once loaded by the process. */
  readonly folders: Record<string, { readonly files: number; readonly lines: Tally; readonly branches: Tally }>;
}

function pathOf(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  return url.startsWith('/') ? url : undefined;
}

/** The fuzzed folder a file belongs to, or undefined for everything else. */
function folderOf(file: string): string | undefined {
  const rel = relative(ROOT, file);
  const top = rel.split(sep)[0];
  return !rel.startsWith('..') && !rel.includes('node_modules') && FUZZED_FOLDERS.includes(top as (typeof FUZZED_FOLDERS)[number]) ? top : undefined;
}

const tally = (covered: number, total: number): Tally => ({ covered, total, pct: total === 0 ? 100 : Math.round((covered / total) * 1000) / 10 });

export class CoverageRecorder {
  private readonly session = new Session();
  /** The transpiled source V8 ran, per script URL (it does not change once loaded). */
  private readonly sources = new Map<string, string>();
  /** Every loaded script of the fuzzed folders, by URL: V8 leaves out scripts nothing ran in. */
  private readonly scripts = new Map<string, string>();

  static async start(): Promise<CoverageRecorder> {
    const recorder = new CoverageRecorder();
    recorder.session.connect();
    recorder.session.on('Debugger.scriptParsed', ({ params }) => {
      const file = pathOf(params.url);
      if (file !== undefined && folderOf(file) !== undefined) recorder.scripts.set(params.url, params.scriptId);
    });
    await recorder.session.post('Profiler.enable');
    await recorder.session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    // On for the whole run: switching the debugger off makes V8 drop the block counters of
    // functions already compiled, and every later report would lose its branches.
    await recorder.session.post('Debugger.enable');
    return recorder;
  }

  /** Forgets what ran so far: the next report covers only what runs from now on. */
  async reset(): Promise<void> {
    await this.session.post('Profiler.takePreciseCoverage');
  }

  /** What ran in the fuzzed folders since the last reset or report (and resets). */
  async report(): Promise<CoverageReport> {
    const { result } = await this.session.post('Profiler.takePreciseCoverage');
    const ran = new Map(result.map((s) => [s.url, s.functions]));
    const map = libCoverage.createCoverageMap({});
    for (const [url, scriptId] of this.scripts) await this.addScript(map, url, scriptId, ran.get(url) ?? []);
    const folders: Record<string, { files: number; lines: Tally; branches: Tally }> = {};
    let [lc, lt, bc, bt] = [0, 0, 0, 0];
    for (const folder of FUZZED_FOLDERS) {
      const files = map.files().filter((f) => folderOf(f) === folder);
      const summary = libCoverage.createCoverageSummary();
      for (const f of files) summary.merge(map.fileCoverageFor(f).toSummary());
      folders[folder] = { files: files.length, lines: tally(summary.lines.covered, summary.lines.total), branches: tally(summary.branches.covered, summary.branches.total) };
      [lc, lt, bc, bt] = [lc + summary.lines.covered, lt + summary.lines.total, bc + summary.branches.covered, bt + summary.branches.total];
    }
    return { lines: tally(lc, lt), branches: tally(bc, bt), folders };
  }

  async stop(): Promise<void> {
    await this.session.post('Debugger.disable');
    await this.session.post('Profiler.stopPreciseCoverage');
    await this.session.post('Profiler.disable');
    this.session.disconnect();
  }

  private async addScript(map: libCoverage.CoverageMap, url: string, scriptId: string, functions: readonly Profiler.FunctionCoverage[]): Promise<void> {
    let source = this.sources.get(url);
    if (source === undefined) {
      ({ scriptSource: source } = await this.session.post('Debugger.getScriptSource', { scriptId }));
      this.sources.set(url, source);
    }
    const converter = v8ToIstanbul(pathOf(url)!, 0, { source });
    await converter.load();
    // V8 reports only functions that ran since the last take: v8-to-istanbul's "(empty-report)"
    // zeroes every line first (as c8 does for unloaded files), then what ran counts again.
    const unreached: Profiler.FunctionCoverage = { functionName: '(empty-report)', isBlockCoverage: false, ranges: [{ startOffset: 0, endOffset: source.length, count: 0 }] };
    converter.applyCoverage([unreached, ...functions]);
    map.merge(converter.toIstanbul());
    converter.destroy();
  }
}
