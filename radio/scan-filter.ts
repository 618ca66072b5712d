// Filtered scanning as a phone's OS offers it: an app that looks for one device hands the OS a
// filter, and the OS has the controller apply it (advertisement-monitor.ts), so the host hears
// only matching advertisers instead of every device in range. This is the OS's side, sending
// its vendor commands beside the Bluetooth stack (noble never sees them); where the controller
// cannot filter (a real adapter, or one without the feature) the caller filters in the host.
import { AdPattern, monitorCommand, MSFT_OPCODE, MsftSub } from './advertisement-monitor';
import { Status } from './hci';
import { lookupCommandPort, type CommandPort } from './registry';

/** A filter the controller applies until cancelled. */
export interface ScanFilter {
  cancel(): Promise<void>;
}

/** How long a controller may take to answer the OS's own command before filtering is given up. */
const REPLY_MS = 2000;

export class ScanFilters {
  private supported: Promise<boolean> | undefined;
  /** Monitors in place: the controller's filter is on while there is one. */
  private active = 0;

  constructor(private readonly deviceId: number) {}

  /**
   * Has the controller report only advertisers with an AD structure matching one of `patterns`
   * (as well as those any other filter in place matches); undefined when it cannot.
   */
  async monitor(patterns: readonly AdPattern[]): Promise<ScanFilter | undefined> {
    const port = lookupCommandPort(this.deviceId);
    if (!port) return undefined;
    try {
      if (!(await (this.supported ??= this.readSupport(port)))) return undefined;
      const reply = await answer(port, monitorCommand(patterns));
      if (reply[0] !== Status.success || reply[2] === undefined) return undefined;
      const handle = reply[2];
      if (this.active++ === 0) {
        const enabled = await answer(port, Buffer.from([MsftSub.leSetAdvertisementFilterEnable, 1])).catch(() => undefined);
        // Command Disallowed: already on (a monitor cancelled meanwhile left it so), which is what we want.
        if (enabled?.[0] !== Status.success && enabled?.[0] !== Status.commandDisallowed) {
          this.active--;
          await answer(port, Buffer.from([MsftSub.leCancelMonitorAdvertisement, handle])).catch(() => undefined);
          return undefined;
        }
      }
      let cancelled = false;
      return {
        cancel: async () => {
          if (cancelled) return;
          cancelled = true;
          const last = --this.active === 0;
          await answer(port, Buffer.from([MsftSub.leCancelMonitorAdvertisement, handle])).catch(() => undefined);
          if (last) await answer(port, Buffer.from([MsftSub.leSetAdvertisementFilterEnable, 0])).catch(() => undefined);
        },
      };
    } catch {
      return undefined;
    }
  }

  private async readSupport(port: CommandPort): Promise<boolean> {
    const reply = await answer(port, Buffer.from([MsftSub.readSupportedFeatures])).catch(() => undefined);
    // Supported_features bit 3: advertisement monitoring.
    return reply !== undefined && reply[0] === Status.success && reply.length >= 10 && (reply[2]! & 0x08) !== 0;
  }
}

function answer(port: CommandPort, params: Buffer): Promise<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the controller did not answer')), REPLY_MS);
    timer.unref();
  });
  return Promise.race([port(MSFT_OPCODE, params), timeout]).finally(() => clearTimeout(timer));
}
