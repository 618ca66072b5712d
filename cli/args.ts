// Reads a subcommand's options strictly (node:util parseArgs): anything the command does not
// declare is refused, and parseArgs's multi-sentence errors become one usage line naming the
// command, so every command rejects bad options the same way.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error';

export type OptionSpec = Readonly<Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>>;

export type OptionValues<S extends OptionSpec> = {
  readonly [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : string;
};

export interface ParsedArgs<S extends OptionSpec> {
  readonly values: OptionValues<S>;
  readonly positionals: readonly string[];
}

/**
 * Parses `args` for `command` (e.g. "pair"): options from `spec`, at most `maxPositionals` plain
 * arguments. Throws a UsageError with one line for anything else.
 */
export function parseCommandLine<S extends OptionSpec>(command: string, args: readonly string[], spec: S, maxPositionals = 0): ParsedArgs<S> {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options: spec as ParseArgsConfig['options'], strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError(`${command}: ${describeParseError(error)} (see plushlink ${command} --help)`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[maxPositionals]}" (see plushlink ${command} --help)`);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string' && value.startsWith('--')) throw new UsageError(`${command}: --${name} needs a value (see plushlink ${command} --help)`);
  }
  return { values: parsed.values as OptionValues<S>, positionals: parsed.positionals };
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  const option = quoted?.split(' ')[0];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return message.includes('does not take') ? `${option} takes no value` : `${option} needs a value`;
  }
  return message.split('. ')[0]!;
}

/** A number option: undefined when absent, a UsageError when it is not a whole number in range. */
export function integerOption(command: string, name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${command}: --${name} ${value} is not a whole number from ${min} to ${max}`);
  return n;
}
