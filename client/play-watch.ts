// Watches a session for the toy's "played" events, so a bridge can carry each relayed message's
// receipt (sealed by the toy for the message's sender) back to the relay. The toy plays what it
// takes at once, but after it said "stored", so a bridge waits a little for the played event.
import type { ToySession } from './toy-session';

/** A receipt a bridge holds for the relay: which message (hex id) it is for, and its sealed bytes. */
export interface PendingReceipt {
  readonly message: string;
  readonly sealed: Uint8Array;
}

export class PlayWatch {
  private readonly played = new Map<string, Uint8Array | undefined>();
  private wake: (() => void) | undefined;
  private readonly onPlayed = (id: string, receipt: Uint8Array | undefined): void => {
    this.played.set(id, receipt);
    this.wake?.();
  };
  private readonly onClosed = (): void => this.wake?.();

  constructor(private readonly session: ToySession) {
    session.on('message-played', this.onPlayed);
    session.on('closed', this.onClosed);
  }

  /**
   * The receipts of `messages` (hex ids), once each has played, the link closed, `signal`
   * aborted or `timeoutMs` passed; a message that did not play (or a toy that seals no receipt)
   * gives none.
   */
  async receiptsFor(messages: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<PendingReceipt[]> {
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
    return messages.flatMap((message) => {
      const sealed = this.played.get(message);
      return sealed ? [{ message, sealed }] : [];
    });
  }

  stop(): void {
    this.session.off('message-played', this.onPlayed);
    this.session.off('closed', this.onClosed);
    this.wake?.();
  }
}
