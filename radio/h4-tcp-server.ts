// Serves an air to other processes: every TCP connection on loopback gets a virtual controller of
// its own, speaking HCI H4 both ways (as Android's emulator and other host stacks expect, and as
// the virtual socket does when PLUSHLINK_AIR names this server). Bytes that cannot be H4 close
// that one connection with a logged reason; the air keeps serving everyone else.
import { createServer, Server, Socket } from 'node:net';
import type { Air } from './air';
import { H4Framer } from './h4-framer';

export interface H4TcpServer {
  readonly host: string;
  readonly port: number;
  /** What to put in PLUSHLINK_AIR for a process to join this air. */
  readonly airSpec: string;
  close(): Promise<void>;
}

export interface H4TcpOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly log?: (line: string) => void;
}

export function serveH4OverTcp(air: Air, options: H4TcpOptions = {}): Promise<H4TcpServer> {
  const log = options.log ?? (() => undefined);
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const { controller } = air.addDevice({ name: `tcp-${++count}` });
    const framer = new H4Framer();
    socket.setNoDelay(true);
    controller.attachHost((packet) => {
      if (!socket.destroyed) socket.write(packet);
    });
    socket.on('data', (chunk) => {
      try {
        for (const packet of framer.push(chunk)) controller.fromHost(packet);
      } catch (error) {
        log(`closing ${peer}: ${(error as Error).message}`);
        socket.destroy();
      }
    });
    socket.on('error', (error) => log(`${peer}: ${error.message}`));
    socket.on('close', () => {
      sockets.delete(socket);
      air.removeDevice(controller);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('TCP server has no port'));
      const host = address.address;
      resolve({
        host,
        port: address.port,
        airSpec: `tcp:${host.includes(':') ? `[${host}]` : host}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
