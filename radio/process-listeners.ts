// noble and bleno each add a SIGINT and an exit listener to `process` when they bind, so a process
// with more than ten stacks warns (MaxListenersExceededWarning), and a noble's SIGINT listener
// calls process.exit(1) when it is the last one, cutting short an app's own Ctrl-C handling.
// The loaders run each bind inside adoptProcessListeners(): what a stack adds is taken off
// `process`; its exit cleanup joins one shared exit listener, and its SIGINT listener is dropped,
// so Ctrl-C does what Node or the app says. noble and bleno themselves are not patched.
type Listener = (...args: unknown[]) => void;

const ADOPTED = ['SIGINT', 'exit'] as const;
/** `process` seen as a plain emitter: its typings overload listeners() per event name. */
const emitter = process as unknown as { listeners(event: string): Listener[]; removeListener(event: string, listener: Listener): void };
const KEY = Symbol.for('plushlink.radio.exitHandlers');

/** One set per process (every copy of this module, in jest's registries too, shares it). */
function exitHandlers(): Set<Listener> {
  const g = globalThis as { [KEY]?: Set<Listener> };
  if (!g[KEY]) {
    const handlers = new Set<Listener>();
    g[KEY] = handlers;
    process.on('exit', (code) => {
      for (const handler of handlers) {
        try {
          handler(code);
        } catch {
          // one stack's cleanup failing must not stop the others'
        }
      }
    });
  }
  return g[KEY];
}

/**
 * Runs `bind` (which makes a stack add its process listeners); returns its result and a release
 * that removes that stack's exit cleanup again (when the stack is done with).
 */
export function adoptProcessListeners<T>(bind: () => T): { readonly result: T; release(): void } {
  const before = new Map(ADOPTED.map((event) => [event, new Set<unknown>(emitter.listeners(event))]));
  let result: T;
  let added: Listener[] = [];
  try {
    result = bind();
  } finally {
    added = collectAdded(before);
  }
  const handlers = exitHandlers();
  for (const handler of added) handlers.add(handler);
  return { result, release: () => added.forEach((handler) => handlers.delete(handler)) };
}

/** Takes the listeners added since `before` off `process`; returns the exit ones. */
function collectAdded(before: Map<(typeof ADOPTED)[number], Set<unknown>>): Listener[] {
  const exits: Listener[] = [];
  for (const event of ADOPTED) {
    for (const listener of emitter.listeners(event)) {
      if (before.get(event)!.has(listener)) continue;
      emitter.removeListener(event, listener);
      if (event === 'exit') exits.push(listener);
    }
  }
  return exits;
}
