// Push between the code that stores an envelope and the requests waiting for one (long polls).
// In one process an EventEmitter is enough; relay processes sharing one PostgreSQL tell each other
// through LISTEN/NOTIFY, so a phone waiting on one process hears of an upload to another.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { BatchQueue } from './batch-queue';

/** A topic is "m:<mailbox id>" or "r:<rendezvous id>": random ids, nothing else. */
export interface Notifier {
  publish(topic: string): Promise<void>;
  /** Calls `listener` on every publish of `topic` until the returned function is called. */
  subscribe(topic: string, listener: () => void): () => void;
  close(): Promise<void>;
}

export class LocalNotifier implements Notifier {
  protected readonly events = new EventEmitter().setMaxListeners(0);

  async publish(topic: string): Promise<void> {
    this.events.emit(topic);
  }

  subscribe(topic: string, listener: () => void): () => void {
    this.events.on(topic, listener);
    return () => void this.events.off(topic, listener);
  }

  async close(): Promise<void> {
    this.events.removeAllListeners();
  }
}

const CHANNEL = 'plushlink_relay';

/**
 * Published locally each time LISTEN is (re-)established: publishes from other processes while
 * it was down were missed, so whoever caches on the strength of them starts afresh.
 */
export const LISTENING_TOPIC = '*listening';

/**
 * LISTEN on a dedicated connection, reconnecting (every second) when it drops; publishes go out
 * through the pool (pg_notify). While it is down, long polls still end at their timeout and
 * phones find new envelopes on their next poll: pushes are late, never lost from the store.
 */
export class PostgresNotifier extends LocalNotifier {
  private listener: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** Publishes made together go out in one statement, each distinct topic once. */
  private readonly outbox: BatchQueue<string, void>;

  private constructor(
    private readonly config: pg.ClientConfig,
    pool: pg.Pool,
  ) {
    super();
    this.outbox = new BatchQueue<string, void>(async (topics) => {
      await pool.query('SELECT pg_notify($1, topic) FROM unnest($2::text[]) AS topic', [CHANNEL, [...new Set(topics)]]);
      return topics.map(() => ({ ok: true, value: undefined }));
    });
  }

  static async connect(config: pg.ClientConfig, pool: pg.Pool): Promise<PostgresNotifier> {
    const notifier = new PostgresNotifier(config, pool);
    await notifier.listen();
    return notifier;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) this.events.emit(n.payload);
    });
    const lost = (): void => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      this.scheduleRetry();
    };
    client.on('error', lost);
    client.on('end', lost);
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.listener = client;
    this.events.emit(LISTENING_TOPIC);
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.listen().catch(() => this.scheduleRetry());
    }, 1000);
    this.retry.unref();
  }

  override publish(topic: string): Promise<void> {
    return this.outbox.push(topic);
  }

  override async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await super.close();
    const client = this.listener;
    this.listener = undefined;
    await client?.end();
  }
}
