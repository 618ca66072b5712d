// The legacy CloudPets profile on bleno: the service and eight characteristics the 2017 research
// documented, every one open to any central in range. Used by `plushlink toy --legacy` and the
// attack suite.
import type { Bleno } from '../radio/loaders';
import { setNamedServices } from './gap-device-name';
import type { LegacyOutput, LegacyToy } from './legacy-toy';

/** aaddf75d-a95a-0000-000N-3ca499b74009, as bleno writes 128-bit UUIDs. */
export function legacyUuid(n: number): string {
  return `aaddf75da95a0000000${n.toString(16)}3ca499b74009`;
}

export const LEGACY_SERVICE = legacyUuid(0);
export const LegacyCharacteristic = {
  cmd: legacyUuid(1),
  audioSend: legacyUuid(2),
  audioRecv: legacyUuid(3),
  state: legacyUuid(4),
  dataReq: legacyUuid(5),
  config: legacyUuid(6),
  led: legacyUuid(7),
  volume: legacyUuid(8),
} as const;

export const LEGACY_NAME = 'CloudPets B 1.0.19';

export class LegacyGattServer implements LegacyOutput {
  private readonly notifiers = new Map<string, (data: Buffer) => void>();

  private constructor(
    private readonly bleno: Bleno,
    readonly toy: LegacyToy,
  ) {}

  static async start(bleno: Bleno, toy: LegacyToy): Promise<LegacyGattServer> {
    const server = new LegacyGattServer(bleno, toy);
    await new Promise<void>((resolve) => {
      if (bleno.state === 'poweredOn') return resolve();
      bleno.on('stateChange', (state) => state === 'poweredOn' && resolve());
    });
    await server.setServices();
    // No new start after a disconnection: bleno restarts advertising by itself, and a start
    // during that restart is never reported, so its listener piled up once per connection.
    await server.advertise();
    return server;
  }

  state(value: number): void {
    this.notifiers.get(LegacyCharacteristic.state)?.(Buffer.from([value]));
  }

  dataRequest(bytes: number): void {
    const data = Buffer.alloc(2);
    data.writeUInt16LE(bytes);
    this.notifiers.get(LegacyCharacteristic.dataReq)?.(data);
  }

  audio(chunk: Uint8Array): void {
    this.notifiers.get(LegacyCharacteristic.audioRecv)?.(Buffer.from(chunk));
  }

  private advertise(): Promise<void> {
    return new Promise((resolve, reject) => this.bleno.startAdvertising(LEGACY_NAME, [LEGACY_SERVICE], (e) => (e ? reject(e) : resolve())));
  }

  private setServices(): Promise<void> {
    const { bleno, toy } = this;
    const write = (uuid: string, onWrite: (data: Buffer) => void): InstanceType<Bleno['Characteristic']> =>
      new bleno.Characteristic({
        uuid,
        properties: ['write', 'writeWithoutResponse'],
        onWriteRequest: (data, _offset, _withoutResponse, callback) => {
          onWrite(data);
          callback(0);
        },
      });
    const notify = (uuid: string): InstanceType<Bleno['Characteristic']> =>
      new bleno.Characteristic({
        uuid,
        properties: ['notify'],
        onSubscribe: (_max, update) => void this.notifiers.set(uuid, update),
        onUnsubscribe: () => void this.notifiers.delete(uuid),
      });
    const service = new bleno.PrimaryService({
      uuid: LEGACY_SERVICE,
      characteristics: [
        write(LegacyCharacteristic.cmd, (data) => void toy.command(data, this)),
        write(LegacyCharacteristic.audioSend, (data) => toy.audioSend(data, this)),
        notify(LegacyCharacteristic.audioRecv),
        notify(LegacyCharacteristic.state),
        notify(LegacyCharacteristic.dataReq),
        new bleno.Characteristic({
          uuid: LegacyCharacteristic.config,
          properties: ['read'],
          onReadRequest: (offset, callback) => callback(0, Buffer.from(toy.config()).subarray(offset)),
        }),
        write(LegacyCharacteristic.led, (data) => toy.ledCommand(data)),
        write(LegacyCharacteristic.volume, (data) => toy.volumeCommand(data)),
      ],
    });
    return setNamedServices(bleno, LEGACY_NAME, [service]);
  }
}
