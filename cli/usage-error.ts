// The one error the command line reports as a usage problem (exit code 2) rather than a failure.
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Reads `--name value` from argv; undefined when absent. */
export function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
  return value;
}
