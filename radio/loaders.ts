// Loaders that give each simulated device its own, unmodified noble or bleno bound to its own
// virtual controller (or, when the user selects hardware, to a real adapter with module
// resolution left alone). Several phones and toys can live in one process this way.
import path from 'node:path';
import type { Air, Device } from './air';
import type { ControllerOptions } from './controller';
import { adoptProcessListeners } from './process-listeners';
import { installVirtualHciResolution, underJest } from './resolve-hook';
import { HostPrivacy } from './host-privacy';
import { ScanFilters } from './scan-filter';
import { registerHostPrivacy, registerRemote, releaseRemote, watchRemote } from './registry';

export type Noble = typeof import('@abandonware/noble');
export type Bleno = typeof import('@abandonware/bleno');

/**
 * Where a stack's HCI goes: a controller on a virtual air in this process, a controller on an
 * air another process serves (`tcp:HOST:PORT`, see h4-tcp-server.ts), or a real adapter (hciN).
 */
export type Radio =
  | { readonly kind: 'virtual'; readonly air: Air }
  | { readonly kind: 'remote'; readonly air: string }
  | { readonly kind: 'hardware'; readonly deviceId?: number };

export interface LoadedNoble {
  readonly noble: Noble;
  /** The virtual device behind it; absent on hardware. */
  readonly device?: Device;
  /** Scan filters the controller applies (virtual and remote radios); absent on hardware. */
  readonly scanFilters?: ScanFilters;
  /**
   * Calls `handler` when the radio itself goes away under the stack (a remote air unreachable or
   * gone); returns an unsubscribe. noble alone notices only at its next once-a-second poll.
   */
  watchRadio(handler: (error: Error) => void): () => void;
  /** Lets go of the radio (a remote air's connection, a virtual device) so the process can exit. */
  release(): void;
}

export interface LoadedBleno {
  readonly bleno: Bleno;
  readonly device?: Device;
}

/** The radio chosen by the environment: PLUSHLINK_RADIO=hardware (with PLUSHLINK_HCI_DEVICE=N) selects an adapter. */
export function radioFromEnvironment(air: Air): Radio {
  if (process.env.PLUSHLINK_RADIO === 'hardware') {
    const id = process.env.PLUSHLINK_HCI_DEVICE;
    return { kind: 'hardware', ...(id !== undefined ? { deviceId: Number(id) } : {}) };
  }
  return { kind: 'virtual', air };
}

export interface NobleOptions extends ControllerOptions {
  /**
   * The noble stands for a phone, whose OS shows the air a resolvable private address rather
   * than its identity (radio/host-privacy.ts). Virtual and remote radios; a real adapter's host
   * decides for itself.
   */
  readonly privateAddress?: boolean;
}

/** A fresh, independent noble instance (noble's own custom-binding entry makes one per call). */
export function loadNoble(radio: Radio, options: NobleOptions = {}): LoadedNoble {
  const { privateAddress, ...controllerOptions } = options;
  const device = radio.kind === 'virtual' ? radio.air.addDevice({ name: 'central', ...controllerOptions }) : undefined;
  if (radio.kind !== 'hardware' && !underJest()) installVirtualHciResolution();
  const withCustomBinding = require('@abandonware/noble/with-custom-binding') as (options: { deviceId?: number }) => Noble;
  const deviceId = deviceIdFor(radio, device);
  if (privateAddress && radio.kind !== 'hardware' && deviceId !== undefined) registerHostPrivacy(deviceId, new HostPrivacy());
  // noble binds at the first read of its state (synchronously; a stateChange listener defers it
  // a tick): done here, so the process listeners it adds are adopted (process-listeners.ts).
  const { result: noble, release: releaseListeners } = adoptProcessListeners(() => {
    const made = withCustomBinding(deviceId === undefined ? {} : { deviceId });
    void (made as unknown as { state: string }).state;
    return made;
  });
  const remoteId = radio.kind === 'remote' ? deviceId : undefined;
  return {
    noble,
    ...(device ? { device } : {}),
    ...(radio.kind !== 'hardware' && deviceId !== undefined ? { scanFilters: new ScanFilters(deviceId) } : {}),
    watchRadio: (handler) => (remoteId === undefined ? () => undefined : watchRemote(remoteId, handler)),
    release: () => {
      releaseListeners();
      if (remoteId !== undefined) releaseRemote(remoteId);
      if (device && radio.kind === 'virtual') radio.air.removeDevice(device.controller);
    },
  };
}

/** The HCI device id a stack binds: the virtual controller's, a remote air's, or the adapter's. */
function deviceIdFor(radio: Radio, device: Device | undefined): number | undefined {
  if (radio.kind === 'remote') return registerRemote(radio.air);
  return device?.deviceId ?? (radio.kind === 'hardware' ? radio.deviceId : undefined);
}

/**
 * A fresh bleno. bleno is a singleton made at require time that reads BLENO_HCI_DEVICE_ID when its
 * first stateChange listener is added, so each one comes from a fresh module cache and is
 * initialised here, with the variable set, before it is handed out.
 */
export function loadBleno(radio: Radio, options: ControllerOptions = {}): LoadedBleno {
  const device = radio.kind === 'virtual' ? radio.air.addDevice({ name: 'peripheral', ...options }) : undefined;
  if (radio.kind !== 'hardware' && !underJest()) installVirtualHciResolution();
  const deviceId = deviceIdFor(radio, device);
  const saved = process.env.BLENO_HCI_DEVICE_ID;
  try {
    if (deviceId === undefined) delete process.env.BLENO_HCI_DEVICE_ID;
    else process.env.BLENO_HCI_DEVICE_ID = String(deviceId);
    const bleno = freshBleno();
    // Adding the first stateChange listener is what binds bleno to its device (and adds its
    // process listeners, adopted like noble's).
    adoptProcessListeners(() => bleno.on('stateChange', () => undefined));
    return device ? { bleno, device } : { bleno };
  } finally {
    if (saved === undefined) delete process.env.BLENO_HCI_DEVICE_ID;
    else process.env.BLENO_HCI_DEVICE_ID = saved;
  }
}

function freshBleno(): Bleno {
  if (underJest()) {
    let loaded: Bleno | undefined;
    jest.isolateModules(() => {
      loaded = require('@abandonware/bleno') as Bleno;
    });
    return loaded!;
  }
  const root = path.dirname(require.resolve('@abandonware/bleno/package.json')) + path.sep;
  for (const key of Object.keys(require.cache)) if (key.startsWith(root)) delete require.cache[key];
  return require('@abandonware/bleno') as Bleno;
}
