// The process-wide table of virtual controllers by HCI device id. It lives on globalThis so that
// every copy of this module agrees: jest's isolated module registries and fresh bleno module
// caches load their own copy of the socket, and they must all find the same controllers.
import type { Controller } from './controller';
import type { HostPrivacy } from './host-privacy';

/** A device id that stands for an air served by another process (`tcp:HOST:PORT`). */
export interface RemoteAir {
  readonly remote: string;
}

interface Registry {
  readonly controllers: Map<number, Controller>;
  remotes?: Map<number, RemoteAir>;
  /** Device ids whose host stands for a phone's OS (see host-privacy.ts). */
  privacy?: Map<number, HostPrivacy>;
  remoteLinks?: Map<number, RemoteLink>;
  /** How the phone's OS sends its own commands to the controller behind device id (scan-filter.ts). */
  ports?: Map<number, CommandPort>;
  nextId: number;
}

/**
 * Sends one HCI command beside the host stack and resolves with its Command Complete return
 * parameters, which the stack never sees: only for commands the stack itself never sends.
 */
export type CommandPort = (opcode: number, params: Buffer) => Promise<Buffer>;

/**
 * What the socket bound to a remote air tells the rest of the process: whether its connection
 * failed or closed (an unreachable or vanished air is an adapter gone, which noble notices only
 * at its next once-a-second poll), and how to hang up.
 */
interface RemoteLink {
  down?: Error;
  hangUp?: () => void;
  released?: boolean;
  readonly watchers: Set<(error: Error) => void>;
}

const KEY = Symbol.for('plushlink.radio.registry');

function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  // Ids start well above the kernel's hci0, hci1... so a real adapter's id never collides.
  g[KEY] ??= { controllers: new Map(), nextId: 1000 };
  return g[KEY];
}

export function registerController(controller: Controller): number {
  const r = registry();
  const id = r.nextId++;
  r.controllers.set(id, controller);
  return id;
}

export function unregisterController(id: number): void {
  registry().controllers.delete(id);
  registry().ports?.delete(id);
}

/**
 * Registers a device id for a stack that should join a remote air: noble and bleno bind lazily
 * (on first use), so the id carries the choice to the moment they bind.
 */
export function registerRemote(remote: string): number {
  const r = registry();
  const remotes = (r.remotes ??= new Map());
  const id = r.nextId++;
  remotes.set(id, { remote });
  return id;
}

export function lookupRemote(id: number): RemoteAir | undefined {
  return registry().remotes?.get(id);
}

export function lookupController(id: number): Controller | undefined {
  return registry().controllers.get(id);
}

/** The host bound to device `id` shows the air a resolvable private address (host-privacy.ts). */
export function registerHostPrivacy(id: number, privacy: HostPrivacy): void {
  (registry().privacy ??= new Map()).set(id, privacy);
}

export function lookupHostPrivacy(id: number): HostPrivacy | undefined {
  return registry().privacy?.get(id);
}

/** The socket bound to device `id` offers the OS's command port (virtual-hci-socket.ts). */
export function registerCommandPort(id: number, port: CommandPort): void {
  (registry().ports ??= new Map()).set(id, port);
}

export function lookupCommandPort(id: number): CommandPort | undefined {
  return registry().ports?.get(id);
}

function remoteLink(id: number): RemoteLink {
  const links = (registry().remoteLinks ??= new Map());
  let link = links.get(id);
  if (!link) links.set(id, (link = { watchers: new Set() }));
  return link;
}

/**
 * The socket for remote device `id` is connecting; `hangUp` closes that connection. Returns how
 * the socket reports that it failed or closed (without looking the registry up again: under jest
 * that may happen after the test file's globals are gone).
 */
export function remoteConnected(id: number, hangUp: () => void): (error: Error) => void {
  const link = remoteLink(id);
  link.down = undefined;
  link.hangUp = hangUp;
  return (error) => remoteDown(link, error);
}

function remoteDown(link: RemoteLink, error: Error): void {
  if (link.released) return; // released: hanging up is not news
  link.hangUp = undefined;
  if (link.down) return;
  link.down = error;
  for (const watcher of [...link.watchers]) watcher(error);
}

/** Calls `watcher` when remote device `id` goes down (at once if it is down); returns an unsubscribe. */
export function watchRemote(id: number, watcher: (error: Error) => void): () => void {
  const link = remoteLink(id);
  if (link.down) {
    watcher(link.down);
    return () => undefined;
  }
  link.watchers.add(watcher);
  return () => link.watchers.delete(watcher);
}

/** Closes the connection behind remote device `id` and forgets it. */
export function releaseRemote(id: number): void {
  const link = registry().remoteLinks?.get(id);
  if (link) link.released = true;
  link?.watchers.clear();
  link?.hangUp?.();
  registry().remoteLinks?.delete(id);
  registry().remotes?.delete(id);
  registry().ports?.delete(id);
}
