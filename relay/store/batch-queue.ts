// Gathers calls that arrive close together and hands them to one `flush` (one transaction, one
// statement, one fsync), then gives every caller its own outcome. A batch starts after the loop's
// I/O phase (every request read in this turn has queued by then); while a batch runs, new calls
// wait and go together in the next one, so under load batches grow instead of queueing commits.

export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

interface Waiting<In, Out> {
  readonly item: In;
  readonly resolve: (value: Out) => void;
  readonly reject: (error: unknown) => void;
}

export class BatchQueue<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private scheduled = false;
  private running = false;

  /** `flush` returns one outcome per item, in order; if it throws, every item fails with that. */
  constructor(private readonly flush: (items: readonly In[]) => Promise<readonly Settled<Out>[]>) {}

  push(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    const batch = this.queue;
    this.queue = [];
    try {
      const outcomes = await this.flush(batch.map((w) => w.item));
      batch.forEach((waiting, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) waiting.resolve(outcome.value);
        else waiting.reject(outcome ? outcome.error : new Error('a batch returned fewer outcomes than items'));
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
