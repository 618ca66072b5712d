// Turns any failure into the one line `plushlink` prints on stderr, and its exit code: 2 for a
// usage mistake, 1 for everything else. ToyClientErrors say what happened in words a person acts
// on, followed by the code a script can match ("wrong pairing code (WRONG_CODE)").
import { isToyClientError, type ToyClientErrorCode } from '../client/errors';
import { RelayRefusal } from '../client/relay-client';
import { UsageError } from './usage-error';

const SAYS: Partial<Record<ToyClientErrorCode, string>> = {
  WRONG_CODE: 'wrong pairing code',
  LOCKED_OUT: 'too many wrong codes: the toy refuses pairing for now',
  WINDOW_CLOSED: "the toy's pairing window is closed: press its paw (plushlink paw --dir DIR --long), then try again",
  INVITE_REQUIRED: 'the toy already has an owner: the owner must invite this phone first (plushlink members invite)',
  NOT_BONDED: 'this phone has no bond with the toy: pair first (plushlink pair)',
  IMPOSTOR: 'the toy did not prove it is the toy in the QR code: not pairing with it',
  TOY_NOT_FOUND: 'no such toy was heard on the air',
  TOY_FULL: "the toy's flash is full",
  LINK_LOST: 'the link to the toy dropped',
  ABORTED: 'interrupted',
  PAW_TIMEOUT: "nobody pressed the toy's paw in time",
  TIMEOUT: 'the toy did not answer in time',
};

export interface ErrorLine {
  readonly line: string;
  readonly exitCode: number;
}

export function errorLine(error: unknown): ErrorLine {
  if (error instanceof UsageError) return { line: oneLine(error.message), exitCode: 2 };
  if (error instanceof UndoneWork) return { line: oneLine(error.message), exitCode: 1 };
  if (isToyClientError(error)) {
    const said = SAYS[error.code] ?? error.message;
    const retry = error.retryAfterMs ? `; try again in ${Math.ceil(error.retryAfterMs / 1000)} s` : '';
    return { line: oneLine(`${said}${retry} (${error.code})`), exitCode: 1 };
  }
  if (error instanceof RelayRefusal) return { line: oneLine(`the relay refused: ${error.message} (${error.code})`), exitCode: 1 };
  const unreachable = relayUnreachable(error);
  if (unreachable) return { line: unreachable, exitCode: 1 };
  const file = fileError(error);
  if (file) return { line: file, exitCode: 1 };
  return { line: oneLine(error instanceof Error ? error.message : String(error)), exitCode: 1 };
}

/**
 * The line for a command cut short by Ctrl-C (or SIGTERM): what it left undone when it knows
 * (a send says how to resume), never the errors its own hang-up caused.
 */
export function interruptedLine(signal: NodeJS.Signals, error: unknown): string {
  const by = signal === 'SIGINT' ? 'Ctrl-C' : signal;
  return error instanceof UndoneWork ? oneLine(`interrupted (${by}): ${error.undone}`) : `interrupted (${by})`;
}

/** A failure a command explains itself: `undone` says what was left and how to finish it. */
export class UndoneWork extends Error {
  constructor(
    readonly undone: string,
    readonly why: string,
  ) {
    super(`${why}: ${undone}`);
  }
}

/** "cannot open x.wav: no such file or directory" for Node's "ENOENT: no such file or directory, open 'x.wav'". */
function fileError(error: unknown): string | undefined {
  const { code, path, syscall, message } = error as Partial<NodeJS.ErrnoException>;
  if (typeof code !== 'string' || typeof path !== 'string' || typeof syscall !== 'string' || typeof message !== 'string') return undefined;
  const reason = message.slice(code.length + 2).split(',')[0];
  return `cannot ${syscall} ${path}: ${reason}`;
}

/** undici's bare "fetch failed" says nothing: name the cause (ECONNREFUSED, ENOTFOUND, ...). */
function relayUnreachable(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || error.message !== 'fetch failed') return undefined;
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : 'no answer';
  return `cannot reach the relay (${why})`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
