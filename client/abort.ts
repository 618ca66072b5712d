// Cancellation for the client's long calls: the app's AbortSignal, or the client losing its radio
// or being closed, ends a wait at once with a typed error instead of leaving it pending.
import { isToyClientError, ToyClientError } from './errors';

/** The typed error a fired signal stands for (its reason when that is one already). */
export function abortError(signal: AbortSignal): ToyClientError {
  const reason: unknown = signal.reason;
  if (isToyClientError(reason)) return reason;
  return new ToyClientError('ABORTED', 'cancelled by the caller', { cause: reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Either of two signals (Node's AbortSignal.any, tolerating a missing one). */
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}

/**
 * `work`'s outcome, or the signal's error if it fires first; `undo` then cleans up what the work
 * started (stop scanning, hang up). The listener is removed either way, so signals do not leak.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, undo?: () => void): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    undo?.();
    work.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      undo?.();
      work.catch(() => undefined);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
