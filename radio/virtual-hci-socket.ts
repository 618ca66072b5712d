// The virtual stand-in for @abandonware/bluetooth-hci-socket: the same surface noble and bleno
// use (bindRaw/bindUser/bindControl, start/stop, isDevUp, setFilter, write, 'data'/'error'),
// bound to a virtual controller in this process or, when PLUSHLINK_AIR names one, to an air
// served by another process over H4/TCP. A host registered as a phone gets its OS's address
// privacy on the way (host-privacy.ts).
import { EventEmitter } from 'node:events';
import { connect, Socket } from 'node:net';
import { parseAirSpec } from './air-spec';
import { runBatch } from './fast-clock';
import { H4Framer } from './h4-framer';
import { unrefTimersScheduledThisTurn } from './poll-timer';
import type { HostPrivacy } from './host-privacy';
import { lookupController, lookupHostPrivacy, lookupRemote, registerCommandPort, remoteConnected } from './registry';
import { H4, Ev } from './hci';
import type { Controller } from './controller';

/** The environment variable naming a remote air, e.g. `tcp:127.0.0.1:9000`. */
export const AIR_ENV = 'PLUSHLINK_AIR';

interface Endpoint {
  write(packet: Buffer): void;
  isUp(): boolean;
  close(): void;
}

export interface DeviceInfo {
  devId: number | null;
  devUp: boolean | null;
  idVendor: null;
  idProduct: null;
  busNumber: null;
  deviceAddress: null;
}

export class VirtualHciSocket extends EventEmitter {
  private endpoint: Endpoint | undefined;
  private running = false;
  private privacy: HostPrivacy | undefined;
  /** Commands the OS sent beside the stack (registry.ts CommandPort), oldest first. */
  private readonly ownCommands: Array<{ readonly opcode: number; readonly resolve: (returned: Buffer) => void; readonly reject: (error: Error) => void }> = [];

  bindRaw(devId?: number): number {
    return this.bind(devId);
  }

  /** User-channel mode behaves like raw mode here: the controller is ours alone either way. */
  bindUser(devId?: number): number {
    return this.bind(devId);
  }

  /** bleno's management socket (for loading LTKs into the kernel): nothing to do without a kernel. */
  bindControl(): number {
    return 0;
  }

  start(): void {
    this.running = true;
  }

  stop(): void {
    this.running = false;
  }

  reset(): void {}

  setFilter(_filter: Buffer): void {}

  isDevUp(): boolean {
    unrefTimersScheduledThisTurn();
    return this.endpoint?.isUp() ?? false;
  }

  getDeviceList(): DeviceInfo[] {
    return [];
  }

  write(data: Buffer): void {
    if (!this.endpoint) {
      this.fail(Object.assign(new Error('virtual HCI socket written before it was bound'), { code: 'EBADFD' }));
      return;
    }
    const packet = Buffer.from(data);
    for (const out of this.privacy ? this.privacy.toController(packet) : [packet]) this.endpoint.write(out);
  }

  private bind(devId: number | undefined): number {
    this.endpoint?.close();
    this.privacy = devId === undefined ? undefined : lookupHostPrivacy(devId);
    const remote = devId === undefined ? process.env[AIR_ENV] : lookupRemote(devId)?.remote;
    if (remote) {
      this.endpoint = this.remoteEndpoint(remote, devId);
      if (devId !== undefined) registerCommandPort(devId, (op, params) => this.ownCommand(op, params));
      return devId ?? 0;
    }
    const controller = devId === undefined ? undefined : lookupController(devId);
    if (!controller) {
      const why =
        devId === undefined
          ? `no device id was given and ${AIR_ENV} is not set`
          : `no virtual controller has device id ${devId} (was its air closed?)`;
      throw Object.assign(new Error(`plushlink virtual radio: ${why}`), { code: 'ENODEV', errno: -19 });
    }
    this.endpoint = this.localEndpoint(devId!, controller);
    registerCommandPort(devId!, (op, params) => this.ownCommand(op, params));
    return devId!;
  }

  private ownCommand(op: number, params: Buffer): Promise<Buffer> {
    const endpoint = this.endpoint;
    if (!endpoint?.isUp()) return Promise.reject(Object.assign(new Error('the controller is down'), { code: 'ENETDOWN' }));
    return new Promise((resolve, reject) => {
      this.ownCommands.push({ opcode: op, resolve, reject });
      endpoint.write(Buffer.concat([Buffer.from([H4.command, op & 0xff, op >> 8, params.length]), params]));
    });
  }

  /** A Command Complete for a command the OS sent itself goes to it, not to the stack. */
  private tookOwnReply(packet: Buffer): boolean {
    if (this.ownCommands.length === 0 || packet[0] !== H4.event || packet[1] !== Ev.commandComplete || packet.length < 6) return false;
    const at = this.ownCommands.findIndex((c) => c.opcode === packet.readUInt16LE(4));
    if (at < 0) return false;
    this.ownCommands.splice(at, 1)[0]!.resolve(packet.subarray(6));
    return true;
  }

  private deliver(packet: Buffer): void {
    if (this.tookOwnReply(packet)) return;
    if (this.privacy && !this.privacy.toHost(packet)) return;
    if (this.running) this.emit('data', packet);
  }

  private fail(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private localEndpoint(devId: number, controller: Controller): Endpoint {
    controller.attachHost((packet) => this.deliver(packet));
    return {
      write: (packet) => controller.fromHost(packet),
      // A device removed from its air is down for good, like an unplugged adapter.
      isUp: () => controller.powered && lookupController(devId) === controller,
      close: () => controller.detachHost(),
    };
  }

  private remoteEndpoint(spec: string, devId: number | undefined): Endpoint {
    const air = parseAirSpec(spec);
    if (!air) throw Object.assign(new Error(`plushlink virtual radio: ${AIR_ENV}=${spec} is not tcp:HOST:PORT`), { code: 'EINVAL' });
    const { host, port } = air;
    const framer = new H4Framer();
    let up = true;
    const queued: Buffer[] = [];
    let connected = false;
    let failure: Error | undefined;
    const socket: Socket = connect({ host, port });
    const reportDown = devId === undefined ? undefined : remoteConnected(devId, () => socket.destroy());
    // The open connection keeps this process alive while the air serves it, as an adapter
    // would; when the air shuts down the connection closes and the process may exit.
    socket.setNoDelay(true);
    socket.on('connect', () => {
      connected = true;
      for (const packet of queued.splice(0)) socket.write(packet);
    });
    socket.on('data', (chunk) => {
      let packets: Buffer[];
      try {
        packets = framer.push(chunk);
      } catch (error) {
        // Bytes that are not H4: the stream is out of step and nothing after can be trusted.
        socket.destroy(error as Error);
        return;
      }
      // An exception from the host's own handler is the host's, not the stream's: the socket
      // stays open and the exception surfaces uncaught, as from a kernel socket (and as on the
      // local endpoint), so the app fails with it instead of waiting on a dead radio.
      runBatch(packets.map((packet) => () => this.deliver(packet)));
    });
    socket.on('error', (error) => {
      up = false;
      failure ??= error;
      this.fail(error);
    });
    socket.on('close', () => {
      up = false;
      const why = !connected ? `cannot reach the air at ${spec}: ${failure?.message ?? 'connection closed'}` : `the air at ${spec} closed the connection${failure ? ` (${failure.message})` : ''}`;
      reportDown?.(Object.assign(new Error(why), { code: (failure as NodeJS.ErrnoException | undefined)?.code ?? 'ECONNRESET', cause: failure }));
    });
    return {
      write: (packet) => {
        if (!up) return;
        if (connected) socket.write(packet);
        else queued.push(packet);
      },
      isUp: () => up,
      close: () => socket.destroy(),
    };
  }
}
