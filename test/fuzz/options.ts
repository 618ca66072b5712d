// The fuzz runner's command line: subcommands, options, durations, and the help text. Anything a
// person typed wrong is a UsageError (exit status 2), told before any target runs.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const HELP = `Usage: npm run fuzz -- [run] [options]
       npm run fuzz -- list
       npm run fuzz -- merge SUMMARY.json... [--json FILE]
       npm run fuzz -- merge-corpus DIR... [--into DIR]

run (the default) fuzzes targets with fast-check and prints a JSON summary.
  --target NAMES      comma-separated target names, or "all" (default)
  --runs N            inputs per target (default 10000, unlimited when a time is given)
  --time DURATION     time limit per target
  --budget DURATION   total time across all targets of this run (shared out as targets finish)
  --budget-runs N     total inputs across all targets of this run (shared out likewise)
  --shard I/N         run only shard I of N: targets (and, with more shards than targets, seeds)
                      are split deterministically so N machines with the same --seed do disjoint work
  --seed S            32-bit seed (default: random, printed); shards must share it
  --path P            replay one failure (with its --seed and a single --target)
  --corpus DIR        where failures are saved (default test/fuzz/corpus)
  --coverage          measure V8 line and branch coverage of pairing/, audio/, firmware-sim/ per target
  --json FILE         write the summary to FILE instead of stdout (stdout then stays empty)
  --quiet             no progress lines on stderr
list                  the targets, one per line
merge                 combine shard summaries: totals, every failure, and whether every target
                      planned by the shards was run
merge-corpus          copy corpus entries found on other machines into --into (default
                      test/fuzz/corpus); entries are named by content, so copies collapse

DURATION is a number with an optional unit: 90 (seconds), 90s, 10m, 1.5h, 500ms.

Exit status: 0 clean, 1 a failure was found (or merge: a shard failed or a target was not run),
2 usage error, 3 the runner itself broke.
`;

export interface RunOptions {
  readonly command: 'run';
  readonly targets: 'all' | readonly string[];
  /** Inputs per target; undefined means "the default", decided with the time limits. */
  readonly runs?: number;
  readonly seed: number;
  readonly timeMs?: number;
  readonly budgetMs?: number;
  readonly budgetRuns?: number;
  readonly shard?: Shard;
  readonly path?: string;
  readonly corpusDir?: string;
  readonly coverage: boolean;
  readonly jsonFile?: string;
  readonly quiet: boolean;
}

export interface Shard {
  /** 1-based, as CI matrices count. */
  readonly index: number;
  readonly count: number;
}

export type Command =
  | RunOptions
  | { readonly command: 'help' }
  | { readonly command: 'list' }
  | { readonly command: 'merge'; readonly files: readonly string[]; readonly jsonFile?: string }
  | { readonly command: 'merge-corpus'; readonly dirs: readonly string[]; readonly into?: string };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "90", "90s", "10m", "1.5h", "500ms" to milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`"${text}" is not a duration (e.g. 90, 90s, 10m, 1.5h)`);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
  if (ms <= 0) throw new UsageError(`duration ${text} must be positive`);
  return ms;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${text}: expected I/N with 1 <= I <= N`);
  return { index, count };
}

function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} ${text}: expected a positive integer`);
  return n;
}

const VALUE_FLAGS = ['--target', '--runs', '--time', '--budget', '--budget-runs', '--shard', '--seed', '--path', '--corpus', '--json', '--into'] as const;
const SWITCHES = ['--coverage', '--quiet', '--list', '--help', '-h'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

/** Splits argv into positionals, flag values and switches, refusing unknown or valueless flags. */
function tokenize(argv: readonly string[]): { positionals: string[]; values: Map<ValueFlag, string>; switches: Set<string> } {
  const positionals: string[] = [];
  const values = new Map<ValueFlag, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if ((SWITCHES as readonly string[]).includes(arg)) switches.add(arg);
    else if ((VALUE_FLAGS as readonly string[]).includes(arg)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      if (values.has(arg as ValueFlag)) throw new UsageError(`${arg} given twice`);
      values.set(arg as ValueFlag, value);
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg} (see --help)`);
    else positionals.push(arg);
  }
  return { positionals, values, switches };
}

function allowOnly(values: Map<ValueFlag, string>, switches: Set<string>, command: string, allowed: readonly string[]): void {
  for (const flag of [...values.keys(), ...switches]) {
    if (!allowed.includes(flag)) throw new UsageError(`${flag} does not apply to "${command}"`);
  }
}

export function parseCommand(argv: readonly string[], randomSeed: () => number): Command {
  const { positionals, values, switches } = tokenize(argv);
  if (switches.has('--help') || switches.has('-h') || positionals[0] === 'help') return { command: 'help' };
  const [command = 'run', ...rest] = positionals;
  if (command === 'list' || switches.has('--list')) {
    if (rest.length > 0) throw new UsageError('list takes no arguments');
    return { command: 'list' };
  }
  if (command === 'merge') {
    allowOnly(values, switches, command, ['--json']);
    if (rest.length === 0) throw new UsageError('merge needs at least one summary file');
    const jsonFile = values.get('--json');
    return { command, files: rest, ...(jsonFile !== undefined && { jsonFile }) };
  }
  if (command === 'merge-corpus') {
    allowOnly(values, switches, command, ['--into']);
    if (rest.length === 0) throw new UsageError('merge-corpus needs at least one corpus folder');
    const into = values.get('--into');
    return { command, dirs: rest, ...(into !== undefined && { into }) };
  }
  if (command !== 'run') throw new UsageError(`unknown command "${command}" (see --help)`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  allowOnly(values, switches, command, [...VALUE_FLAGS.filter((f) => f !== '--into'), '--coverage', '--quiet']);
  const get = <T>(flag: ValueFlag, parse: (text: string) => T): T | undefined => {
    const text = values.get(flag);
    return text === undefined ? undefined : parse(text);
  };
  const seedText = values.get('--seed');
  const seed = seedText === undefined ? randomSeed() : Number(seedText);
  // fast-check's generator takes a 32-bit integer; anything else would be silently truncated.
  if (!Number.isInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32) throw new UsageError(`--seed ${seedText}: expected a 32-bit integer`);
  const targetText = values.get('--target') ?? 'all';
  const targets = targetText === 'all' ? 'all' : targetText.split(',').filter((t) => t !== '');
  const path = values.get('--path');
  if (path !== undefined && (targets === 'all' || targets.length !== 1 || seedText === undefined)) {
    throw new UsageError('--path replays one failure: give it with --seed and a single --target');
  }
  const options: RunOptions = {
    command,
    targets,
    seed: seed | 0,
    coverage: switches.has('--coverage'),
    quiet: switches.has('--quiet'),
  };
  const optional = {
    runs: get('--runs', (t) => positiveInteger('--runs', t)),
    timeMs: get('--time', parseDuration),
    budgetMs: get('--budget', parseDuration),
    budgetRuns: get('--budget-runs', (t) => positiveInteger('--budget-runs', t)),
    shard: get('--shard', parseShard),
    path,
    corpusDir: values.get('--corpus'),
    jsonFile: values.get('--json'),
  };
  return Object.assign(options, Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined))) as RunOptions;
}
