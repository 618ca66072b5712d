// Boots a toy's firmware on its flash folder and serves it with its own bleno on an air: what
// both `plushlink toy` and `plushlink demo` run for "a toy switched on".
import { ToyFirmware, type ToyFirmwareOptions } from '../firmware-sim/firmware';
import { ToyGattServer } from '../firmware-sim/gatt-server';
import type { Air } from '../radio/air';
import { loadBleno } from '../radio/loaders';

export interface RunningToy {
  readonly firmware: ToyFirmware;
  readonly server: ToyGattServer;
}

export async function startToyOnAir(air: Air, options: ToyFirmwareOptions & { readonly name?: string }): Promise<RunningToy> {
  const firmware = await ToyFirmware.boot(options);
  const { bleno } = loadBleno({ kind: 'virtual', air }, { name: options.name ?? 'toy' });
  const server = await ToyGattServer.start(bleno, firmware);
  return { firmware, server };
}
