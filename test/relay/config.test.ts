// The relay's configuration: defaults that need no setup, flags over environment over defaults,
// and a clear error naming the flag or variable that does not parse.
import { DEFAULT_RELAY_CONFIG, relayConfigFrom } from '../../relay/config';

describe('relay configuration', () => {
  it('needs nothing: SQLite in ./plushlink-relay on 127.0.0.1:7358, 30-day TTL', () => {
    const config = relayConfigFrom({}, {});
    expect(config).toEqual(DEFAULT_RELAY_CONFIG);
    expect([config.host, config.port, config.dir, config.db, config.ttlHours]).toEqual(['127.0.0.1', 7358, './plushlink-relay', undefined, 720]);
  });

  it('takes flags over environment variables over defaults, in the units it says', () => {
    const env = { PLUSHLINK_RELAY_PORT: '9000', PLUSHLINK_RELAY_DB: 'postgres://u:p@db/relay', PLUSHLINK_RELAY_TTL_DAYS: '7', PLUSHLINK_RELAY_QUOTA_MB: '2' };
    const config = relayConfigFrom({ port: '9100', 'log-level': 'warn' }, env);
    expect(config).toMatchObject({ port: 9100, db: 'postgres://u:p@db/relay', ttlHours: 168, quotaBytes: 2 * 2 ** 20, logLevel: 'warn' });
  });

  it('keeps request sessions 10 minutes under a random per-process secret unless told otherwise', () => {
    const config = relayConfigFrom({}, {});
    expect([config.sessionSeconds, config.sessionSecretFile]).toEqual([600, undefined]);
    const env = { PLUSHLINK_RELAY_SESSION_SECRET_FILE: '/run/secrets/relay-tickets' };
    expect(relayConfigFrom({ 'session-minutes': '5' }, env)).toMatchObject({ sessionSeconds: 300, sessionSecretFile: '/run/secrets/relay-tickets' });
  });

  it('names what does not parse', () => {
    expect(() => relayConfigFrom({ port: '70000' }, {})).toThrow('--port 70000 is not a whole number from 0 to 65535');
    expect(() => relayConfigFrom({}, { PLUSHLINK_RELAY_TTL_DAYS: 'soon' })).toThrow('PLUSHLINK_RELAY_TTL_DAYS soon');
    expect(() => relayConfigFrom({ 'log-level': 'loud' }, {})).toThrow('log level "loud"');
  });
});
