// A small world for end-to-end tests: one air, toys booted on temporary flash folders and
// served on their own bleno, phones with their own noble and in-memory stores.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToyClient } from '../../client/toy-client';
import { MemoryPhoneStore } from '../../client/phone-store';
import { ToyFirmware, type ToyFirmwareOptions } from '../../firmware-sim/firmware';
import { ToyGattServer } from '../../firmware-sim/gatt-server';
import { sodiumReady } from '../../pairing/sodium';
import { Air } from '../../radio/air';
import { loadBleno } from '../../radio/loaders';

export interface World {
  readonly air: Air;
  readonly dir: string;
  toy(options?: Partial<ToyFirmwareOptions> & { name?: string }): Promise<{ firmware: ToyFirmware; server: ToyGattServer; dir: string }>;
  phone(label: string): Promise<ToyClient>;
  close(): Promise<void>;
}

export function createWorld(seed = 1): World {
  const air = new Air({ seed });
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-world-'));
  const servers: ToyGattServer[] = [];
  let toys = 0;
  return {
    air,
    dir,
    async toy(options = {}) {
      const toyDir = options.dir ?? join(dir, `toy-${++toys}`);
      const firmware = await ToyFirmware.boot({ speakerDir: join(toyDir, '..', `speaker-${toys}`), ...options, dir: toyDir });
      const { bleno } = loadBleno({ kind: 'virtual', air }, { name: options.name ?? `toy-${toys}` });
      const server = await ToyGattServer.start(bleno, firmware);
      servers.push(server);
      return { firmware, server, dir: toyDir };
    },
    async phone(label) {
      const sodium = await sodiumReady();
      return ToyClient.create({ radio: { kind: 'virtual', air }, store: MemoryPhoneStore.create(sodium), label });
    },
    async close() {
      air.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
