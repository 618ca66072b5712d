// The one error the command line reports as a usage problem (exit code 2) rather than a failure.
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
