// Push between the code that stores an envelope and the requests waiting for one (long polls).
// In one process an EventEmitter is enough; relay processes sharing one PostgreSQL tell each other
// through LISTEN/NOTIFY, so a phone waiting on one process hears of an upload to another.
import { EventEmitter } from 'node:events';
import pg from 'pg';

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

/** LISTEN on a dedicated connection; publishes go out through the pool (pg_notify). */
export class PostgresNotifier extends LocalNotifier {
  private constructor(
    private readonly listener: pg.Client,
    private readonly pool: pg.Pool,
  ) {
    super();
    listener.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) this.events.emit(n.payload);
    });
    // A dropped LISTEN connection only delays pushes (long polls still time out and re-list).
    listener.on('error', () => undefined);
  }

  static async connect(config: pg.ClientConfig, pool: pg.Pool): Promise<PostgresNotifier> {
    const client = new pg.Client(config);
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    return new PostgresNotifier(client, pool);
  }

  override async publish(topic: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, topic]);
  }

  override async close(): Promise<void> {
    await super.close();
    await this.listener.end();
  }
}
