// Boots a toy's firmware on its flash folder and serves it with its own bleno on an air: what
// `plushlink toy`, `plushlink air --toy` and `plushlink demo` run for "a toy switched on". The air
// is one in this process, or a controller another process serves as H4 over TCP (`tcp:HOST:PORT`).
import { ToyFirmware, type ToyFirmwareOptions } from '../firmware-sim/firmware';
import { ToyGattServer } from '../firmware-sim/gatt-server';
import type { Air } from '../radio/air';
import { type Bleno, loadBleno, type Radio } from '../radio/loaders';

/** How long a controller over TCP gets to answer bleno's initialisation. */
const POWER_ON_TIMEOUT_MS = 10_000;

export interface RunningToy {
  readonly firmware: ToyFirmware;
  readonly server: ToyGattServer;
  /** Resolves if the toy's radio goes down under it (the air serving its controller went away). */
  readonly radioDown: Promise<void>;
}

export async function startToyOnAir(air: Air | string, options: ToyFirmwareOptions & { readonly name?: string }): Promise<RunningToy> {
  const radio: Radio = typeof air === 'string' ? { kind: 'remote', air } : { kind: 'virtual', air };
  const firmware = await ToyFirmware.boot(options);
  const { bleno } = loadBleno(radio, { name: options.name ?? 'toy' });
  if (typeof air === 'string') await poweredOn(bleno, air);
  const radioDown = new Promise<void>((resolve) => bleno.on('stateChange', (state) => state === 'poweredOff' && resolve()));
  const server = await ToyGattServer.start(bleno, firmware);
  return { firmware, server, radioDown };
}

/** bleno on a remote controller: powered on, or a clear error instead of waiting for ever. */
function poweredOn(bleno: Bleno, air: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      bleno.removeListener('stateChange', onState);
      if (error) reject(error);
      else resolve();
    };
    const onState = (state: string): void => {
      if (state === 'poweredOn') done();
      else if (state === 'poweredOff' || state === 'unsupported') done(new Error(`no Bluetooth controller answered at ${air} (is an air served there?)`));
    };
    const timer = setTimeout(() => done(new Error(`the controller at ${air} did not power on within ${POWER_ON_TIMEOUT_MS / 1000} s`)), POWER_ON_TIMEOUT_MS);
    // The socket unrefs the timers of the turn in which bleno polls it (radio/poll-timer.ts), and
    // bleno has just done so: this one must keep the process alive until bleno answers.
    timer.ref();
    if (bleno.state === 'poweredOn') done();
    else bleno.on('stateChange', onState);
  });
}
