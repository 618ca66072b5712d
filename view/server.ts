// Serves the air view on loopback: the built page (view/dist, built first if absent or older
// than its sources), the capture it shows, read again at each request so a capture still being
// written shows as far as it goes, and whether it is live. Loopback only: a capture is what went
// over the air, and nobody else needs to see it.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { buildView, VIEW_DIST, viewBuildIsCurrent } from './build';

const TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'view.js': 'text/javascript; charset=utf-8',
  'view.css': 'text/css; charset=utf-8',
  'view.js.map': 'application/json',
  'view.css.map': 'application/json',
};

export interface ViewServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface ViewServerOptions {
  /** The capture file to show, or where it is once it exists (a live air names it later). */
  readonly capture: string | (() => string | undefined);
  /** The capture is still being written: the page fetches it again every second. */
  readonly live?: boolean;
  readonly port?: number;
  readonly dist?: string;
}

/** Starts the server on 127.0.0.1 (a free port unless one is given) and resolves with its URL. */
export async function serveView(options: ViewServerOptions): Promise<ViewServer> {
  const dist = options.dist ?? VIEW_DIST;
  if (!viewBuildIsCurrent(dist)) await buildView(dist);
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/^\/+/, '') || 'index.html';
    try {
      if (path === 'config') {
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(JSON.stringify({ live: options.live ?? false }));
        return;
      }
      if (path === 'capture') {
        const file = typeof options.capture === 'string' ? options.capture : options.capture();
        if (file === undefined || !existsSync(file)) {
          response.writeHead(404, { 'content-type': 'text/plain' });
          response.end('no capture yet');
          return;
        }
        const bytes = readFileSync(file);
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'x-capture-name': basename(file), 'cache-control': 'no-store' });
        response.end(bytes);
        return;
      }
      if (path === 'favicon.ico') {
        response.writeHead(204);
        response.end();
        return;
      }
      const type = TYPES[path];
      if (type === undefined) {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found');
        return;
      }
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(readFileSync(join(dist, path)));
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(error instanceof Error ? error.message : String(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
