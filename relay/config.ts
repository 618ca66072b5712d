// What a relay process is configured with, its defaults, and how flags and environment variables
// (PLUSHLINK_RELAY_*) map onto it. Flags win over the environment, which wins over defaults.
export interface RelayConfig {
  readonly host: string;
  readonly port: number;
  /** Folder of the embedded SQLite database (ignored with `db`). */
  readonly dir: string;
  /** postgres:// URL; absent: embedded SQLite in `dir`. */
  readonly db?: string;
  /** How long an envelope waits for its recipients before it is deleted anyway. */
  readonly ttlHours: number;
  readonly quotaBytes: number;
  readonly quotaEnvelopes: number;
  /** Largest padded envelope accepted (bigger uploads get 413). */
  readonly maxEnvelopeBytes: number;
  /** Requests per minute per key (per relay process), beyond which 429 + Retry-After. */
  readonly ratePerMinute: number;
  readonly signatureWindowSeconds: number;
  readonly clockSkewSeconds: number;
  /** How long a request session (session-tickets.ts) lasts. */
  readonly sessionSeconds: number;
  /** A file holding the ticket secret that relay processes share; absent: a random one per process. */
  readonly sessionSecretFile?: string;
  readonly longPollMaxSeconds: number;
  readonly rendezvousTtlSeconds: number;
  readonly rendezvousMaxBytes: number;
  readonly rendezvousMaxMessages: number;
  readonly sweepSeconds: number;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  readonly logLevel: string;
}

export const DEFAULT_RELAY_PORT = 7358;

export const DEFAULT_RELAY_CONFIG: RelayConfig = {
  host: '127.0.0.1',
  port: DEFAULT_RELAY_PORT,
  dir: './plushlink-relay',
  ttlHours: 30 * 24,
  quotaBytes: 64 * 2 ** 20,
  quotaEnvelopes: 1000,
  maxEnvelopeBytes: 2 * 2 ** 20,
  ratePerMinute: 600,
  signatureWindowSeconds: 300,
  clockSkewSeconds: 60,
  sessionSeconds: 600,
  longPollMaxSeconds: 30,
  rendezvousTtlSeconds: 15 * 60,
  rendezvousMaxBytes: 4096,
  rendezvousMaxMessages: 16,
  sweepSeconds: 60,
  logLevel: 'info',
};

/** One setting that can come from a flag or the environment. */
interface Setting {
  readonly flag: string;
  readonly env: string;
  readonly key: keyof RelayConfig;
  /** Converts the text; numbers are whole and within [min, max], scaled by `unit`. */
  readonly number?: { readonly min: number; readonly max: number; readonly unit?: number };
  readonly help: string;
}

export const RELAY_SETTINGS: readonly Setting[] = [
  { flag: 'host', env: 'PLUSHLINK_RELAY_HOST', key: 'host', help: 'address to listen on (default 127.0.0.1)' },
  { flag: 'port', env: 'PLUSHLINK_RELAY_PORT', key: 'port', number: { min: 0, max: 65535 }, help: `TCP port (default ${DEFAULT_RELAY_PORT}; 0 picks a free one)` },
  { flag: 'dir', env: 'PLUSHLINK_RELAY_DIR', key: 'dir', help: 'folder of the SQLite database (default ./plushlink-relay)' },
  { flag: 'db', env: 'PLUSHLINK_RELAY_DB', key: 'db', help: 'postgres://USER:PASS@HOST/DB: store in PostgreSQL instead' },
  { flag: 'ttl-days', env: 'PLUSHLINK_RELAY_TTL_DAYS', key: 'ttlHours', number: { min: 1, max: 3650, unit: 24 }, help: 'days an unacknowledged envelope is kept (default 30)' },
  { flag: 'quota-mb', env: 'PLUSHLINK_RELAY_QUOTA_MB', key: 'quotaBytes', number: { min: 1, max: 1_000_000, unit: 2 ** 20 }, help: 'MiB of envelopes per mailbox (default 64)' },
  { flag: 'quota-envelopes', env: 'PLUSHLINK_RELAY_QUOTA_ENVELOPES', key: 'quotaEnvelopes', number: { min: 1, max: 100_000_000 }, help: 'envelopes per mailbox (default 1000)' },
  { flag: 'rate', env: 'PLUSHLINK_RELAY_RATE', key: 'ratePerMinute', number: { min: 1, max: 100_000_000 }, help: 'requests per minute per key and process (default 600)' },
  { flag: 'session-secret-file', env: 'PLUSHLINK_RELAY_SESSION_SECRET_FILE', key: 'sessionSecretFile', help: 'file of >= 32 secret bytes that relay processes behind one address share, so each accepts the sessions the others open (default: a random secret per process; never in the database)' },
  { flag: 'session-minutes', env: 'PLUSHLINK_RELAY_SESSION_MINUTES', key: 'sessionSeconds', number: { min: 1, max: 1440, unit: 60 }, help: 'minutes a request session lasts (default 10)' },
  { flag: 'log-level', env: 'PLUSHLINK_RELAY_LOG_LEVEL', key: 'logLevel', help: 'fatal, error, warn, info (default), debug, trace or silent' },
];

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Builds a configuration from flag values (by flag name) and an environment. Throws an Error
 * naming the flag or variable for a value that does not parse.
 */
export function relayConfigFrom(flags: Readonly<Record<string, string | undefined>>, env: NodeJS.ProcessEnv, base: RelayConfig = DEFAULT_RELAY_CONFIG): RelayConfig {
  const config: Record<string, unknown> = { ...base };
  for (const s of RELAY_SETTINGS) {
    const fromFlag = flags[s.flag];
    const text = fromFlag ?? env[s.env];
    if (text === undefined || text === '') continue;
    const source = fromFlag !== undefined ? `--${s.flag}` : s.env;
    if (s.number) {
      const n = Number(text);
      if (!Number.isInteger(n) || n < s.number.min || n > s.number.max) throw new Error(`${source} ${text} is not a whole number from ${s.number.min} to ${s.number.max}`);
      config[s.key] = n * (s.number.unit ?? 1);
    } else {
      config[s.key] = text;
    }
  }
  if (!LOG_LEVELS.has(config.logLevel as string)) throw new Error(`log level "${String(config.logLevel)}" is not one of ${[...LOG_LEVELS].join(', ')}`);
  return config as unknown as RelayConfig;
}
