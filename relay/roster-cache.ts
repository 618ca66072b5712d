// The verified roster of each busy mailbox, kept in memory so that an upload or a fetch does not
// read the mailbox and member rows again. The database stays the authority: a roster change
// drops the entry here at once (in this process) and, through the notifier, in every other
// relay process on the same PostgreSQL; and every upload's write is fenced on the cached roster
// version (RelayStore.putEnvelope), so a stale entry can never let a revoked key post or leave a
// delivery for a revoked key. Entries also expire after a while, which bounds how long a relay
// that missed a notification (its LISTEN connection dropped) can show an old roster to a reader.
import { LISTENING_TOPIC, type Notifier } from './store/notifier';
import type { Mailbox } from './store/relay-store';

export const rosterTopic = (id: string): string => `k:${id}`;

interface Entry {
  readonly mailbox: Promise<Mailbox | undefined>;
  readonly loadedAt: number;
  readonly unsubscribe: () => void;
}

export class RosterCache {
  private readonly entries = new Map<string, Entry>();
  private readonly unlisten: () => void;

  constructor(
    private readonly notifier: Notifier,
    private readonly load: (id: string) => Promise<Mailbox | undefined>,
    /** Mailboxes held at most; the least recently used one goes first. */
    private readonly capacity = 10_000,
    private readonly maxAgeMs = 30_000,
  ) {
    this.unlisten = notifier.subscribe(LISTENING_TOPIC, () => this.clear());
  }

  /** The mailbox as last stored; an absent mailbox is not cached (another process may create it). */
  get(id: string): Promise<Mailbox | undefined> {
    const hit = this.entries.get(id);
    if (hit && performance.now() - hit.loadedAt > this.maxAgeMs) this.drop(id);
    else if (hit) {
      // Map order is insertion order: re-inserting marks the entry as recently used.
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit.mailbox;
    }
    // Subscribe before loading, so a change committed while the load runs drops what it returns.
    const unsubscribe = this.notifier.subscribe(rosterTopic(id), () => this.drop(id));
    const mailbox = this.load(id);
    const entry: Entry = { mailbox, loadedAt: performance.now(), unsubscribe };
    this.entries.set(id, entry);
    const forget = (): void => {
      if (this.entries.get(id) === entry) this.drop(id);
    };
    mailbox.then((m) => m === undefined && forget(), forget);
    while (this.entries.size > this.capacity) this.drop(this.entries.keys().next().value as string);
    return mailbox;
  }

  /** Forgets `id` here and tells every other relay process to (after the change committed). */
  async changed(id: string): Promise<void> {
    this.drop(id);
    await this.notifier.publish(rosterTopic(id));
  }

  /** Forgets `id` in this process only. */
  drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    entry.unsubscribe();
  }

  clear(): void {
    for (const id of [...this.entries.keys()]) this.drop(id);
  }

  /** Forgets everything and stops listening (the notifier may outlive this relay). */
  close(): void {
    this.clear();
    this.unlisten();
  }
}
