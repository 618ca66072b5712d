// The process-wide table of virtual controllers by HCI device id. It lives on globalThis so that
// every copy of this module agrees: jest's isolated module registries and fresh bleno module
// caches load their own copy of the socket, and they must all find the same controllers.
import type { Controller } from './controller';

interface Registry {
  readonly controllers: Map<number, Controller>;
  nextId: number;
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
}

export function lookupController(id: number): Controller | undefined {
  return registry().controllers.get(id);
}
