// What every phone command shares: the options that say which air to join, which toy, and which
// phone store to use, and opening a ToyClient (on the real noble) on the toy's air over TCP.
import { userInfo } from 'node:os';
import { ToyClient } from '../client/toy-client';
import { parseAirSpec } from '../radio/air-spec';
import type { ToySession } from '../client/toy-session';
import type { OptionValues } from './args';
import { phoneStorePath } from './far-phone';
import { runningToy } from './toy-dir';
import { UsageError } from './usage-error';

export const PHONE_OPTIONS = {
  'toy-dir': { type: 'string' },
  air: { type: 'string' },
  toy: { type: 'string' },
  phone: { type: 'string' },
} as const;

export const PHONE_HELP = `  --toy-dir DIR        the folder of a toy started with "plushlink toy --dir DIR": finds its air and id
  --air tcp:HOST:PORT  join this air instead (a toy's, or one "plushlink air" serves)
  --toy ID             which toy (default: the one in --toy-dir, else the one this phone is bonded with)
  --phone FILE         this phone's keys and bonds (default ~/.plushlink/phone.json)`;

export type PhoneOptionValues = OptionValues<typeof PHONE_OPTIONS>;

export interface Phone {
  readonly client: ToyClient;
  readonly storePath: string;
  /** The toy the options name, or `fallback`, or the only toy this phone is bonded with. */
  toyId(fallback?: string): string;
}

export async function openPhone(command: string, values: PhoneOptionValues, label?: string): Promise<Phone> {
  const toy = values['toy-dir'] ? runningToy(values['toy-dir']) : undefined;
  const air = values.air ?? toy?.air;
  if (!air) throw new UsageError(`${command} needs --toy-dir DIR (of a running plushlink toy) or --air tcp:HOST:PORT`);
  if (!parseAirSpec(air)) throw new UsageError(`--air ${air}: expected tcp:HOST:PORT`);
  const storePath = phoneStorePath(values.phone);
  const client = await ToyClient.create({ radio: { kind: 'remote', air }, store: storePath, label: label ?? defaultLabel() });
  return {
    client,
    storePath,
    toyId(fallback) {
      const chosen = values.toy ?? toy?.toyId ?? fallback;
      if (chosen) return chosen;
      const bonds = client.bonds();
      if (bonds.length === 1) return bonds[0]!.toyId;
      throw new UsageError(`which toy? pass --toy ID or --toy-dir DIR (this phone has ${bonds.length} bonds)`);
    },
  };
}

/**
 * Opens a session with the chosen toy, runs `work`, and hangs up whatever happened; `signal`
 * (Ctrl-C) hangs up at once, so whatever `work` awaits ends with the link.
 */
export async function withSession<T>(phone: Phone, work: (session: ToySession) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const session = await phone.client.connect(phone.toyId(), signal ? { signal } : {});
  const hangUp = (): void => void session.disconnect();
  signal?.addEventListener('abort', hangUp, { once: true });
  try {
    return await work(session);
  } finally {
    signal?.removeEventListener('abort', hangUp);
    await session.disconnect();
  }
}

function defaultLabel(): string {
  try {
    return userInfo().username;
  } catch {
    return 'phone';
  }
}
