// `plushlink relay`: runs a family relay. With no options: embedded SQLite in ./plushlink-relay/,
// on 127.0.0.1:7358. `--db postgres://...` stores in PostgreSQL, where several relay processes
// serve the same families. Logs are JSON lines (pino) on stdout; SIGINT/SIGTERM shut it down
// gracefully (finish requests in flight, close the database).
import { type RelayConfig, RELAY_SETTINGS, relayConfigFrom } from '../relay/config';
import { startRelay } from '../relay/server';
import { parseCommandLine } from './args';
import type { Command, Output } from './command';
import { untilInterrupted } from './signals';
import { UsageError } from './usage-error';

const OPTIONS = Object.fromEntries(RELAY_SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));

export const relayCommand: Command = {
  name: 'relay',
  summary: 'run a family relay: sealed voice envelopes between far-away phones (SQLite or PostgreSQL)',
  help: `usage: plushlink relay [options]

Runs the family relay: an HTTP service that stores and forwards sealed voice envelopes between a
family's phones, authenticated by their keys (no accounts, no names). See docs/RELAY.md.

${RELAY_SETTINGS.map((s) => `  --${`${s.flag} ${s.number ? 'N' : s.flag === 'db' ? 'URL' : s.flag.endsWith('-file') ? 'FILE' : 'VALUE'}`.padEnd(22)} ${s.help}\n  ${''.padEnd(24)} (environment: ${s.env})`).join('\n')}

Prints "relay listening on URL" on stderr once it takes requests; logs go to stdout as JSON.
Ctrl-C (SIGINT) or SIGTERM stops it after the requests in flight.`,
  async run(args: readonly string[], out: Output): Promise<number> {
    const { values } = parseCommandLine('relay', args, OPTIONS);
    let config: RelayConfig;
    try {
      config = relayConfigFrom(values as Record<string, string | undefined>, process.env);
    } catch (error) {
      throw new UsageError(`relay: ${(error as Error).message}`);
    }
    const relay = await startRelay(config);
    out.status.write(`relay listening on ${relay.url} (${relay.store.dialect}${config.db === undefined ? ` in ${config.dir}` : ''})\n`);
    const signal = await untilInterrupted();
    out.status.write(`relay: ${signal}, shutting down\n`);
    await relay.close();
    return 0;
  },
};
