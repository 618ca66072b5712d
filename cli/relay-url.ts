// The --relay option the family relay commands share, and the URL it defaults to.
import { UsageError } from './usage-error';

export const DEFAULT_RELAY_URL = 'http://127.0.0.1:7358';

export const RELAY_URL_HELP = `  --relay URL          the family relay (default: the one stored for the toy, else ${DEFAULT_RELAY_URL})`;

/** `given`, else `stored`, else the default; a UsageError when it is not an http(s) URL. */
export function relayUrl(command: string, given: string | undefined, stored?: string): string {
  const url = given ?? stored ?? DEFAULT_RELAY_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${command}: --relay ${url} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`${command}: --relay ${url}: expected http:// or https://`);
  return url.replace(/\/+$/, '');
}
