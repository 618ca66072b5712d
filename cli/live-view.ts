// `--view` of `plushlink air` and `plushlink demo`: the air view of a capture still being
// written, served on loopback while the air runs (the page fetches it again every second).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { serveView, type ViewServer } from '../view/server';
import type { Output } from './command';

/** Serves the live view of the capture `find` names once it exists, and prints its URL. */
export async function startLiveView(out: Output, what: string, find: () => string | undefined): Promise<ViewServer> {
  const server = await serveView({ capture: find, live: true });
  out.print(`air view (${what}, live): ${server.url}`);
  return server;
}

/** The first capture in `dir` whose name starts with `prefix`, once one exists. */
export function captureIn(dir: string, prefix: string): () => string | undefined {
  return () => {
    if (!existsSync(dir)) return undefined;
    const name = readdirSync(dir).find((f) => f.startsWith(prefix));
    return name === undefined ? undefined : join(dir, name);
  };
}
