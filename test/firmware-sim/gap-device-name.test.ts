// The toy's GAP Device Name (0x2A00) is the name it advertises, and the machine it runs on never
// appears on the air: bleno, left to itself, names its GAP service after os.hostname().
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToyFirmware } from '../../firmware-sim/firmware';
import { ToyGattServer } from '../../firmware-sim/gatt-server';
import { LEGACY_NAME, LegacyGattServer } from '../../firmware-sim/legacy-gatt-server';
import { LegacyToy } from '../../firmware-sim/legacy-toy';
import { advertisedName } from '../../firmware-sim/profile';
import { Air } from '../../radio/air';
import { loadBleno } from '../../radio/loaders';
import { startPeripheral } from '../../radio/self-test';
import { AttackerPhone } from '../attacks/attacker-phone';

const GAP_DEVICE_NAME = '2a00';
/** A machine name long enough that finding its bytes in a capture is no accident. */
const MACHINE = 'build-host-7f3a9c.example.internal';

describe("the toy's GAP Device Name", () => {
  let air: Air;
  let dir: string;
  beforeEach(() => {
    jest.spyOn(os, 'hostname').mockReturnValue(MACHINE);
    dir = mkdtempSync(join(tmpdir(), 'plushlink-gap-name-'));
    air = new Air({ seed: 8, captureDir: join(dir, 'captures') });
  });
  afterEach(() => {
    air.close();
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every byte of every device's HCI capture. */
  function captured(): Buffer {
    const folder = join(dir, 'captures');
    return Buffer.concat(readdirSync(folder).map((file) => readFileSync(join(folder, file))));
  }

  /** What a stranger's phone reads from 0x2A00 of the device advertising `name`. */
  async function readDeviceName(name: string): Promise<string> {
    const link = await new AttackerPhone(air).connect(name);
    const value = await link.read(GAP_DEVICE_NAME);
    await link.disconnect();
    return value.toString('utf8');
  }

  it('is the advertised name of the secure toy, and the host name is nowhere in the capture', async () => {
    const firmware = await ToyFirmware.boot({ dir: join(dir, 'toy') });
    await ToyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'toy' }).bleno, firmware);
    const name = advertisedName(firmware.identity.toyId);
    expect(await readDeviceName(name)).toBe(name);
    firmware.powerOff();
    expect(captured().includes(Buffer.from(name))).toBe(true);
    expect(captured().includes(Buffer.from(MACHINE))).toBe(false);
  });

  it('is the advertised name of the legacy toy too', async () => {
    const toy = new LegacyToy({ dir: join(dir, 'legacy'), speakerDir: join(dir, 'speaker'), recordSeconds: 1 });
    await LegacyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'legacy toy' }).bleno, toy);
    expect(await readDeviceName(LEGACY_NAME)).toBe(LEGACY_NAME);
    expect(captured().includes(Buffer.from(MACHINE))).toBe(false);
  });

  it('would be the machine name on a bleno that sets none (what the check above catches)', async () => {
    await startPeripheral(loadBleno({ kind: 'virtual', air }, { name: 'bare' }).bleno, 'Bare', Buffer.from('x'));
    expect(await readDeviceName('Bare')).toBe(MACHINE);
    expect(captured().includes(Buffer.from(MACHINE))).toBe(true);
  });
});
