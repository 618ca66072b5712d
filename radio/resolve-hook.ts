// The one seam between noble/bleno and the virtual radio: a Module._resolveFilename hook that
// resolves `@abandonware/bluetooth-hci-socket` to the virtual socket. It works whether or not the
// native package is installed, and as a preload (`node -r`), so apps need no code change.
// Nothing else is resolved differently, and noble and bleno themselves are never patched.
import Module from 'node:module';

export const HCI_SOCKET_REQUEST = '@abandonware/bluetooth-hci-socket';

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
const ModuleInternals = Module as unknown as { _resolveFilename: ResolveFilename };
const INSTALLED = Symbol.for('plushlink.radio.resolveHook');

/** Routes the HCI socket module to the virtual one. Idempotent. */
export function installVirtualHciResolution(): void {
  const g = globalThis as { [INSTALLED]?: boolean };
  if (g[INSTALLED]) return;
  g[INSTALLED] = true;
  const original = ModuleInternals._resolveFilename;
  const target = require.resolve('./hci-socket');
  ModuleInternals._resolveFilename = function (this: unknown, request, parent, isMain, options) {
    if (request === HCI_SOCKET_REQUEST) return target;
    return original.call(this, request, parent, isMain, options);
  };
}

/** True when running inside jest, whose module registry bypasses Module._resolveFilename. */
export function underJest(): boolean {
  return typeof jest !== 'undefined' && typeof jest.isolateModules === 'function';
}
