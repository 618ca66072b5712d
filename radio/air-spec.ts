// How a process names an air another process serves as HCI H4 over TCP: `tcp:HOST:PORT`, an IPv6
// host in brackets (`tcp:[::1]:7357`). One parser for the socket, the loaders' callers and the CLI.

export interface AirSpec {
  readonly host: string;
  readonly port: number;
}

/** The host and port of `tcp:HOST:PORT`, or undefined when `spec` is not one. */
export function parseAirSpec(spec: string): AirSpec | undefined {
  const match = /^tcp:([^:[\]]+|\[[^\]]+\]):(\d{1,5})$/.exec(spec);
  const port = Number(match?.[2]);
  if (!match || port > 65535) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}
