// The toy's GAP Device Name (0x2A00) is the name it advertises, never the machine's. bleno builds
// its GAP service from BLENO_DEVICE_NAME each time services are set, and falls back to
// os.hostname() without it, which would put the host's name on the air. Setting that variable
// around the call is bleno's own mechanism; it is restored at once, so other stacks in the
// process keep theirs.
import type { Bleno } from '../radio/loaders';

type Services = Parameters<Bleno['setServices']>[0];

/** bleno.setServices with `deviceName` as the GAP Device Name. */
export function setNamedServices(bleno: Bleno, deviceName: string, services: Services): Promise<void> {
  const saved = process.env.BLENO_DEVICE_NAME;
  process.env.BLENO_DEVICE_NAME = deviceName;
  try {
    return new Promise((resolve, reject) => bleno.setServices(services, (error) => (error ? reject(error) : resolve())));
  } finally {
    // bleno reads the variable synchronously, inside setServices.
    if (saved === undefined) delete process.env.BLENO_DEVICE_NAME;
    else process.env.BLENO_DEVICE_NAME = saved;
  }
}
