// The library an app developer imports: find toys nearby, pair with one using its code or QR
// payload, and open authenticated sessions with bonded toys. It runs on the real noble stack,
// over the virtual radio or a real adapter alike.
import type { Peripheral } from '@abandonware/noble';
import type { Bond } from '../pairing/bond';
import { bondForToy } from '../pairing/bond';
import { parsePairingCode } from '../pairing/code';
import { isPairingError, type PairingError } from '../pairing/errors';
import { bondFromGrant, encodePhoneKeys, parseGrant } from '../pairing/grant';
import { keysForToy, publicKeys } from '../pairing/identity';
import type { PartyKeys } from '../pairing/keys';
import { PhoneConnection } from '../pairing/phone';
import { parseQrPayload, parseToyId } from '../pairing/qr';
import { type Sodium, sodiumReady } from '../pairing/sodium';
import { parseAdvert, PLUSHLINK_SERVICE } from '../firmware-sim/profile';
import { loadNoble, type Noble, type Radio } from '../radio/loaders';
import { ToyClientError, type ToyClientErrorCode } from './errors';
import { GattLink, withTimeout } from './gatt-link';
import { FilePhoneStore, type PhoneStore } from './phone-store';
import { ToySession } from './toy-session';

export interface ToyClientOptions {
  /** Where the phone's noble talks: a virtual air or a real adapter. Or pass `noble` itself. */
  readonly radio?: Radio;
  readonly noble?: Noble;
  /** The phone's keys and bonds: a PhoneStore, or the path of the default JSON file. */
  readonly store: PhoneStore | string;
  /** How toys list this phone among their members. */
  readonly label?: string;
  /**
   * Show the air a resolvable private address, as phones do, rather than the radio's identity
   * address (default true; on a virtual or remote radio: a real adapter's OS decides).
   */
  readonly privateAddress?: boolean;
  readonly now?: () => number;
}

/** A toy heard on the air. */
export interface NearbyToy {
  readonly toyId: string;
  readonly name: string;
  readonly rssi: number;
  readonly bonded: boolean;
  readonly pairingWindowOpen: boolean;
  readonly address: string;
}

export type PairingSecret = { readonly code: string } | { readonly qr: string };

export interface ConnectOptions {
  /** How long to look for the toy and set up the session. Default 10 s. */
  readonly timeoutMs?: number;
}

const PAIRING_ERRORS: Partial<Record<PairingError['code'], ToyClientErrorCode>> = {
  WRONG_CODE: 'WRONG_CODE',
  WINDOW_CLOSED: 'WINDOW_CLOSED',
  LOCKED_OUT: 'LOCKED_OUT',
  INVITE_REQUIRED: 'INVITE_REQUIRED',
  UNKNOWN_BOND: 'NOT_BONDED',
  FINGERPRINT_MISMATCH: 'IMPOSTOR',
  BAD_SIGNATURE: 'IMPOSTOR',
  DECRYPT_FAILED: 'IMPOSTOR',
  TOO_LARGE: 'TOY_FULL',
  BAD_CHECK_DIGIT: 'BAD_INPUT',
  MALFORMED: 'PROTOCOL',
};

export class ToyClient {
  private readonly perToy = new Map<string, PartyKeys>();

  private constructor(
    readonly sodium: Sodium,
    readonly noble: Noble,
    readonly store: PhoneStore,
    private readonly label: string,
    private readonly now: () => number,
  ) {}

  static async create(options: ToyClientOptions): Promise<ToyClient> {
    const sodium = await sodiumReady();
    const noble = options.noble ?? (options.radio ? loadNoble(options.radio, { name: options.label ?? 'phone', privateAddress: options.privateAddress ?? true }).noble : undefined);
    if (!noble) throw new ToyClientError('BAD_INPUT', 'ToyClient needs a radio (virtual air or adapter) or a noble instance');
    const store = typeof options.store === 'string' ? FilePhoneStore.open(sodium, options.store) : options.store;
    return new ToyClient(sodium, noble, store, options.label ?? 'phone', options.now ?? Date.now);
  }

  /** Bonds this phone holds. */
  bonds(): readonly Bond[] {
    return this.store.bonds.list();
  }

  /** Listens for `durationMs` and reports every toy heard, strongest first. */
  async scan(durationMs = 2000): Promise<NearbyToy[]> {
    const heard = new Map<string, NearbyToy>();
    const onDiscover = (p: Peripheral): void => {
      const advert = parseAdvert(p.advertisement.manufacturerData);
      if (!advert) return;
      heard.set(advert.toyId, {
        toyId: advert.toyId,
        name: p.advertisement.localName ?? 'plush',
        rssi: p.rssi,
        bonded: bondForToy(this.store.bonds, advert.toyId) !== undefined,
        pairingWindowOpen: advert.pairingWindowOpen,
        address: p.address,
      });
    };
    await this.poweredOn();
    this.noble.on('discover', onDiscover);
    try {
      await this.noble.startScanningAsync([PLUSHLINK_SERVICE], true);
      await new Promise((resolve) => setTimeout(resolve, durationMs));
    } finally {
      this.noble.removeListener('discover', onDiscover);
      await this.noble.stopScanningAsync();
    }
    return [...heard.values()].sort((a, b) => b.rssi - a.rssi);
  }

  /**
   * Pairs with a toy whose pairing window is open, using the code on its tag or the QR payload
   * (which also pins the toy's key, so a fake toy is refused). The first phone becomes the owner.
   * Returns the open session; the bond is stored.
   */
  async pair(toyId: string, secret: PairingSecret, options: ConnectOptions = {}): Promise<ToySession> {
    let code;
    let fingerprint: Uint8Array | undefined;
    try {
      if ('qr' in secret) {
        const qr = parseQrPayload(secret.qr);
        if (qr.toyId !== toyId) throw new ToyClientError('BAD_INPUT', `the QR code is for toy ${qr.toyId}, not ${toyId}`);
        code = qr.code;
        fingerprint = qr.fingerprint;
      } else {
        code = parsePairingCode(secret.code);
      }
    } catch (error) {
      if (isPairingError(error)) throw new ToyClientError('BAD_INPUT', `unusable pairing secret: ${error.message}`, { cause: error });
      throw error;
    }
    const start = PhoneConnection.pair(this.sodium, {
      keys: this.keysFor(toyId),
      toyId,
      code,
      label: this.label,
      ...(fingerprint ? { fingerprint } : {}),
    });
    return this.open(toyId, start, options);
  }

  /** Opens a session with a bonded toy (NOT_BONDED when this phone has no bond with it). */
  async connect(toyId: string, options: ConnectOptions = {}): Promise<ToySession> {
    const bond = bondForToy(this.store.bonds, toyId);
    if (!bond) throw new ToyClientError('NOT_BONDED', `this phone has no bond with toy ${toyId}: pair first`);
    return this.open(toyId, PhoneConnection.resume(this.sodium, this.keysFor(toyId), bond), options);
  }

  /** What this phone shows an owner who adds it to `toyId` by its keys (ToySession.addMember): a payload for a QR. */
  phoneKeys(toyId: string): string {
    return encodePhoneKeys(publicKeys(this.keysFor(toyId)));
  }

  /**
   * The key pair this phone uses with `toyId`: its own for each toy (derived from the store's
   * keys), so toys and relays cannot link one phone across toys.
   */
  keysFor(toyId: string): PartyKeys {
    let keys = this.perToy.get(toyId);
    if (!keys) {
      keys = keysForToy(this.sodium, this.store.keys, parseToyId(toyId));
      this.perToy.set(toyId, keys);
    }
    return keys;
  }

  /** Stores the bond an owner's addMember() granted this phone; connect() then opens sessions. */
  acceptGrant(grant: string): Bond {
    let parsed;
    try {
      parsed = parseGrant(grant);
    } catch (error) {
      if (isPairingError(error)) throw new ToyClientError('BAD_INPUT', `not a membership grant: ${error.message}`, { cause: error });
      throw error;
    }
    const bond = bondFromGrant(parsed, this.now());
    this.store.bonds.put(bond);
    return bond;
  }

  /** Forgets a bond on this phone only (the owner removes it on the toy with removeMember). */
  forget(toyId: string): boolean {
    const bond = bondForToy(this.store.bonds, toyId);
    return bond ? this.store.bonds.remove(bond.bondId) : false;
  }

  private async open(toyId: string, start: { connection: PhoneConnection; frame: Uint8Array }, options: ConnectOptions): Promise<ToySession> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const peripheral = await this.find(toyId, timeoutMs);
    const link = await GattLink.open(peripheral, Math.max(1, deadline - Date.now()));
    const { connection } = start;
    const established = new Promise<Bond>((resolve, reject) => {
      link.onClose(() => reject(new ToyClientError('LINK_LOST', 'the toy dropped the connection during the handshake')));
      link.onFrame((frame) => {
        const out = connection.receive(frame, this.now());
        for (const f of out.send) link.sendFrame(f);
        for (const event of out.events) {
          if (event.type === 'paired') {
            this.store.bonds.put(event.bond);
            resolve(event.bond);
          } else if (event.type === 'established') {
            resolve(event.bond);
          } else if (event.type === 'rejected' && event.fatal) {
            // An UNKNOWN_BOND refusal is not authenticated (any device advertising as this toy can
            // send one), so the bond is kept: deleting it here would let a fake toy make the phone
            // forget its real toy. The app decides, with forget(), once the owner confirms.
            reject(toClientError(event.error));
          }
        }
      });
    });
    link.sendFrame(start.frame);
    try {
      const bond = await withTimeout(established, Math.max(1, deadline - Date.now()), () => new ToyClientError('TIMEOUT', `the toy did not finish the handshake within ${timeoutMs} ms`));
      return new ToySession(this.sodium, link, connection, bond, this.keysFor(toyId), this.now);
    } catch (error) {
      await link.close();
      throw error;
    }
  }

  /**
   * Scans until the toy is heard advertising now: a peripheral remembered from an earlier scan may
   * have gone, or be busy with another phone (a toy serves one at a time).
   */
  private async find(toyId: string, timeoutMs: number): Promise<Peripheral> {
    await this.poweredOn();
    const found = new Promise<Peripheral>((resolve) => {
      const onDiscover = (p: Peripheral): void => {
        if (parseAdvert(p.advertisement.manufacturerData)?.toyId !== toyId) return;
        this.noble.removeListener('discover', onDiscover);
        resolve(p);
      };
      this.noble.on('discover', onDiscover);
    });
    await this.noble.startScanningAsync([PLUSHLINK_SERVICE], false);
    try {
      return await withTimeout(found, timeoutMs, () => new ToyClientError('TOY_NOT_FOUND', `toy ${toyId} was not heard within ${timeoutMs} ms`));
    } finally {
      await this.noble.stopScanningAsync();
    }
  }

  private poweredOn(): Promise<void> {
    const noble = this.noble as unknown as { state: string };
    if (noble.state === 'poweredOn') return Promise.resolve();
    return withTimeout(
      new Promise<void>((resolve) => {
        const onState = (state: string): void => {
          if (state !== 'poweredOn') return;
          this.noble.removeListener('stateChange', onState);
          resolve();
        };
        this.noble.on('stateChange', onState);
      }),
      5000,
      () => new ToyClientError('LINK_LOST', 'the Bluetooth adapter did not power on'),
    );
  }
}

function toClientError(error: PairingError): ToyClientError {
  const code = PAIRING_ERRORS[error.code] ?? 'PROTOCOL';
  return new ToyClientError(code, error.message, { cause: error, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
}
