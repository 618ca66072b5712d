// What every `plushlink` subcommand is: a name, a one-line summary for the command list, its
// --help text, and a run function that prints results to stdout and returns an exit code.
export interface Output {
  /** A line of results on stdout. */
  print(line: string): void;
  /** Where progress and live status go (stderr), so stdout stays clean for results. */
  readonly status: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Fires on Ctrl-C (or SIGTERM): a phone command hangs up and says what was left undone. */
  readonly signal?: AbortSignal;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /** Resolves with the exit code (0 when everything did what it should). */
  run(args: readonly string[], out: Output): Promise<number>;
}
