// A small world for end-to-end tests: one air, toys booted on temporary flash folders and
// served on their own bleno, phones with their own noble and in-memory stores. A toy can be
// power-cycled (same flash, same address, fresh firmware and stack), as a battery pulled out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToyClient } from '../../client/toy-client';
import { MemoryPhoneStore, type PhoneStore } from '../../client/phone-store';
import { ToyFirmware, type ToyFirmwareOptions } from '../../firmware-sim/firmware';
import { ToyGattServer } from '../../firmware-sim/gatt-server';
import { sodiumReady } from '../../pairing/sodium';
import { Air, type Device } from '../../radio/air';
import { type Bleno, type Noble, loadBleno, loadNoble } from '../../radio/loaders';

export type ToyOptions = Partial<ToyFirmwareOptions> & { readonly name?: string };

export interface WorldToy {
  readonly firmware: ToyFirmware;
  readonly server: ToyGattServer;
  readonly bleno: Bleno;
  readonly device: Device;
  readonly dir: string;
  /** Lines the firmware logged, oldest first. */
  readonly log: string[];
  readonly options: ToyOptions;
}

export interface WorldPhone {
  readonly client: ToyClient;
  readonly noble: Noble;
  readonly device: Device;
}

export interface World {
  readonly air: Air;
  readonly dir: string;
  toy(options?: ToyOptions): Promise<WorldToy>;
  phone(label: string, options?: { store?: PhoneStore; now?: () => number }): Promise<ToyClient>;
  /** The phone with its noble and its controller on the air. */
  phoneDevice(client: ToyClient): WorldPhone;
  /** Pulls the battery out and puts it back: firmware off, then booted again on the same flash and address. */
  powerCycle(toy: WorldToy, options?: ToyOptions): Promise<WorldToy>;
  close(): Promise<void>;
}

export function createWorld(seed = 1): World {
  const air = new Air({ seed });
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-world-'));
  const phones = new Map<ToyClient, WorldPhone>();
  let toys = 0;

  const startToy = async (options: ToyOptions, address?: Device['controller']['address']): Promise<WorldToy> => {
    const n = ++toys;
    const toyDir = options.dir ?? join(dir, `toy-${n}`);
    const log: string[] = [];
    const firmware = await ToyFirmware.boot({
      speakerDir: join(dir, `speaker-${n}`),
      ...options,
      dir: toyDir,
      log: (line) => {
        log.push(line);
        options.log?.(line);
      },
    });
    const { bleno, device } = loadBleno({ kind: 'virtual', air }, { name: options.name ?? `toy-${n}`, ...(address ? { address } : {}) });
    const server = await ToyGattServer.start(bleno, firmware);
    return { firmware, server, bleno, device: device!, dir: toyDir, log, options };
  };

  return {
    air,
    dir,
    toy: (options = {}) => startToy(options),
    async phone(label, options = {}) {
      const sodium = await sodiumReady();
      const { noble, device, scanFilters } = loadNoble({ kind: 'virtual', air }, { name: label });
      const client = await ToyClient.create({ noble, ...(scanFilters ? { scanFilters } : {}), store: options.store ?? MemoryPhoneStore.create(sodium), label, ...(options.now ? { now: options.now } : {}) });
      phones.set(client, { client, noble, device: device! });
      return client;
    },
    phoneDevice(client) {
      const phone = phones.get(client);
      if (!phone) throw new Error('not a phone of this world');
      return phone;
    },
    async powerCycle(toy, options = {}) {
      toy.firmware.powerOff();
      await toy.server.stop();
      const address = toy.device.controller.address;
      air.removeDevice(toy.device.controller);
      return startToy({ ...toy.options, ...options, dir: toy.dir }, address);
    },
    async close() {
      air.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
