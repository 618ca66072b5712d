// `npm run fuzz -- --help`: the fuzz runner's command line (options.ts has the reference). Long
// and sharded fuzz campaigns, merging shard summaries and corpora. Progress goes to stderr; the
// JSON summary goes to stdout, or only to --json FILE (so a CI step gets clean JSON whatever
// npm prints). Exit status: 0 clean, 1 failure found, 2 usage error, 3 the runner broke.
import { readFileSync, writeFileSync } from 'node:fs';
import { mergeCorpus } from './corpus-merge';
import { CoverageRecorder } from './coverage';
import { HELP, parseCommand, UsageError } from './options';
import { runFuzz } from './runner';
import { mergeSummaries, type RunSummary } from './summary';
import { loadTargets } from './targets';

export const EXIT = { clean: 0, failure: 1, usage: 2, broken: 3 } as const;

const stderr = (line: string): void => void process.stderr.write(`${line}\n`);

function emit(value: unknown, jsonFile: string | undefined): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (jsonFile === undefined) process.stdout.write(text);
  else writeFileSync(jsonFile, text);
}

function readSummary(file: string): RunSummary {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
  } catch (error) {
    throw new UsageError(`cannot read summary ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function main(): Promise<number> {
  // A seed that fits fast-check's 32-bit generator, printed so any campaign can be rerun.
  const command = parseCommand(process.argv.slice(2), () => (Date.now() ^ (Math.random() * 2 ** 31)) | 0);
  switch (command.command) {
    case 'help':
      process.stdout.write(HELP);
      return EXIT.clean;
    case 'list':
      for (const t of await loadTargets()) process.stdout.write(`${t.name.padEnd(26)} ${t.description}\n`);
      return EXIT.clean;
    case 'merge': {
      let merged;
      try {
        merged = mergeSummaries(command.files.map(readSummary));
      } catch (error) {
        throw error instanceof UsageError ? error : new UsageError(error instanceof Error ? error.message : String(error));
      }
      emit(merged, command.jsonFile);
      stderr(`merged ${merged.summaries} summaries: ${merged.status}${merged.missing.length ? `, not run: ${merged.missing.join(', ')}` : ''}`);
      return merged.status === 'clean' ? EXIT.clean : EXIT.failure;
    }
    case 'merge-corpus': {
      const result = mergeCorpus(command.dirs, (await loadTargets()).map((t) => t.name), command.into);
      emit(result, undefined);
      return result.refused.length > 0 ? EXIT.failure : EXIT.clean;
    }
    case 'run': {
      const unhandled: string[] = [];
      process.on('unhandledRejection', (reason) => {
        unhandled.push(String(reason));
        stderr(`unhandled rejection: ${String(reason)}`);
      });
      // Started before the targets load, so every file they load is known to the report.
      const coverage = command.coverage ? await CoverageRecorder.start() : undefined;
      const summary = await runFuzz(command, await loadTargets(), { log: command.quiet ? () => undefined : stderr, unhandled: () => unhandled, ...(coverage && { coverage }) });
      emit(summary, command.jsonFile);
      if (summary.failures.length > 0) stderr(`${summary.failures.length} failure(s); saved to the corpus, replay commands in the summary`);
      return summary.status === 'clean' ? EXIT.clean : EXIT.failure;
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      stderr(`fuzz: ${error.message}\n(npm run fuzz -- --help for usage)`);
      process.exit(EXIT.usage);
    }
    stderr(`${error instanceof Error ? error.stack : String(error)}`);
    process.exit(EXIT.broken);
  },
);
