// Watches a session for the toy's "played" events, so a bridge waits until the messages it
// delivered have played (the toy plays what it takes at once, but after it said "stored") before
// it takes the toy's receipts for them (ToySession.takeReceipts).
import type { ToySession } from './toy-session';

/** A receipt a bridge holds for the relay: which message (hex id) it is for, and its sealed bytes. */
export interface PendingReceipt {
  readonly message: string;
  readonly sealed: Uint8Array;
}

export class PlayWatch {
  private readonly played = new Set<string>();
  private wake: (() => void) | undefined;
  private readonly onPlayed = (id: string): void => {
    this.played.add(id);
    this.wake?.();
  };
  private readonly onClosed = (): void => this.wake?.();

  constructor(private readonly session: ToySession) {
    session.on('message-played', this.onPlayed);
    session.on('closed', this.onClosed);
  }

  /** Resolves once each of `messages` (hex ids) has played, the link closed, `signal` aborted or `timeoutMs` passed. */
  async untilPlayed(messages: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const waiting = (): boolean => messages.some((id) => !this.played.has(id)) && this.session.open && !signal?.aborted && Date.now() < deadline;
    while (waiting()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
        signal?.addEventListener('abort', done, { once: true });
        this.wake = done;
        function done(): void {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
      });
      this.wake = undefined;
    }
  }

  stop(): void {
    this.session.off('message-played', this.onPlayed);
    this.session.off('closed', this.onClosed);
    this.wake?.();
  }
}
