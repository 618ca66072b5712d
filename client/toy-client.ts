// The library an app developer imports: find toys nearby, pair with one using its code or QR
// payload, and open authenticated sessions with bonded toys. It runs on the real noble stack,
// over the virtual radio or a real adapter alike. Nothing it starts can hang: every wait ends in
// a value or a typed error (a deadline, the caller's AbortSignal, the radio going away), and
// close() lets go of the radio so the process can exit by itself.
import { FamilyRelay } from './family-relay';
import type { Peripheral } from '@abandonware/noble';
import { setTimeout as delay } from 'node:timers/promises';
import type { Bond } from '../pairing/bond';
import { bondForToy } from '../pairing/bond';
import { parsePairingCode } from '../pairing/code';
import { isPairingError, type PairingError } from '../pairing/errors';
import { encodePhoneKeys } from '../pairing/grant';
import { keysForToy, publicKeys } from '../pairing/identity';
import type { PartyKeys } from '../pairing/keys';
import { PhoneConnection } from '../pairing/phone';
import { parseQrPayload, parseToyId } from '../pairing/qr';
import { type Sodium, sodiumReady } from '../pairing/sodium';
import { advertPattern, parseAdvert, PLUSHLINK_SERVICE } from '../firmware-sim/profile';
import { type LoadedNoble, loadNoble, type Noble, type Radio } from '../radio/loaders';
import type { ScanFilters } from '../radio/scan-filter';
import { acceptGrant } from './accept-grant';
import { abortable, eitherSignal, throwIfAborted } from './abort';
import { ToyClientError, type ToyClientErrorCode } from './errors';
import { GattLink, withTimeout } from './gatt-link';
import { FilePhoneStore, type PhoneStore } from './phone-store';
import { ToySession } from './toy-session';

export interface ToyClientOptions {
  /** Where the phone's noble talks: a virtual air or a real adapter. Or pass `noble` itself. */
  readonly radio?: Radio;
  readonly noble?: Noble;
  /**
   * With `noble`: the scan filters its adapter's controller applies (radio/loaders.ts hands them
   * out with a noble); a client that loads its own radio finds them there.
   */
  readonly scanFilters?: ScanFilters;
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
  /** Cancels the attempt (ABORTED); whatever it started is undone. */
  readonly signal?: AbortSignal;
}

export interface ScanOptions {
  readonly signal?: AbortSignal;
}

/** How long the adapter may take to power on before the radio counts as unavailable. */
const POWER_ON_MS = 5000;
/** noble states that mean this radio will not work (no LE support, no permission). */
const DEAD_STATES = new Set(['unsupported', 'unauthorized']);

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
  /** Aborted, with a typed reason, when the radio goes away for good or the client is closed. */
  private readonly lifetime = new AbortController();
  private readonly links = new Set<GattLink>();
  private readonly unwatchRadio: () => void;
  private readonly onStateChange = (state: string): void => {
    // An adapter switched off or unplugged: noble forgets its connections without a word.
    if (state !== 'poweredOn') this.loseLinks(new ToyClientError('LINK_LOST', `the link to the toy dropped: the Bluetooth adapter is ${state}`));
  };
  private watchingState = false;

  private constructor(
    readonly sodium: Sodium,
    readonly noble: Noble,
    readonly store: PhoneStore,
    private readonly label: string,
    private readonly now: () => number,
    /** The stack this client loaded itself (and releases on close); absent when the app passed noble. */
    private readonly loaded: LoadedNoble | undefined,
    private readonly scanFilters: ScanFilters | undefined,
  ) {
    this.unwatchRadio = loaded?.watchRadio((error) => this.radioGone(error)) ?? (() => undefined);
  }

  static async create(options: ToyClientOptions): Promise<ToyClient> {
    const sodium = await sodiumReady();
    const loaded = !options.noble && options.radio ? loadRadio(options.radio, options.label ?? 'phone', options.privateAddress ?? true) : undefined;
    const noble = options.noble ?? loaded?.noble;
    if (!noble) throw new ToyClientError('BAD_INPUT', 'ToyClient needs a radio (virtual air or adapter) or a noble instance');
    const store = typeof options.store === 'string' ? FilePhoneStore.open(sodium, options.store) : options.store;
    return new ToyClient(sodium, noble, store, options.label ?? 'phone', options.now ?? Date.now, loaded, options.scanFilters ?? loaded?.scanFilters);
  }

  /**
   * Hangs up every session, stops scanning and lets go of the radio this client loaded, so the
   * process can exit by itself. Calls still pending end with CLOSED. Settles whatever the radio's state.
   */
  async close(): Promise<void> {
    if (this.lifetime.signal.aborted && this.links.size === 0 && !this.watchingState) return;
    if (!this.lifetime.signal.aborted) this.lifetime.abort(new ToyClientError('CLOSED', 'the client was closed'));
    await Promise.all([...this.links].map((link) => link.close()));
    this.noble.removeListener('stateChange', this.onStateChange);
    this.watchingState = false;
    this.unwatchRadio();
    this.loaded?.release();
  }

  private radioGone(error: Error): void {
    this.loseLinks(new ToyClientError('LINK_LOST', `the link to the toy dropped: ${error.message}`, { cause: error }));
    if (!this.lifetime.signal.aborted) this.lifetime.abort(new ToyClientError('RADIO_UNAVAILABLE', error.message, { cause: error }));
  }

  private loseLinks(reason: ToyClientError): void {
    for (const link of [...this.links]) link.lost(reason);
  }

  /** Bonds this phone holds. */
  bonds(): readonly Bond[] {
    return this.store.bonds.list();
  }

  /** Listens for `durationMs` and reports every toy heard, strongest first. */
  async scan(durationMs = 2000, options: ScanOptions = {}): Promise<NearbyToy[]> {
    const signal = eitherSignal(options.signal, this.lifetime.signal);
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
    await this.poweredOn(signal);
    this.noble.on('discover', onDiscover);
    try {
      await abortable(this.noble.startScanningAsync([PLUSHLINK_SERVICE], true), signal);
      await abortable(delay(durationMs, undefined, { signal }), signal);
    } finally {
      this.noble.removeListener('discover', onDiscover);
      await this.stopScanning();
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

  /**
   * This phone's side of the toy's family mailbox on a relay (client/family-relay.ts): sendRemote()
   * from far away, inbox(), and bridge() over a session when in range.
   */
  familyRelay(toyId: string, relay: { readonly url: string; readonly mailbox: string }): FamilyRelay {
    return new FamilyRelay(this, { ...relay, toyId });
  }

  /** Stores the bond an owner's addMember() granted this phone; connect() then opens sessions. */
  acceptGrant(grant: string): Bond {
    return acceptGrant(this.store, grant, this.now());
  }

  /** Forgets a bond on this phone only (the owner removes it on the toy with removeMember). */
  forget(toyId: string): boolean {
    const bond = bondForToy(this.store.bonds, toyId);
    return bond ? this.store.bonds.remove(bond.bondId) : false;
  }

  private async open(toyId: string, start: { connection: PhoneConnection; frame: Uint8Array }, options: ConnectOptions): Promise<ToySession> {
    const signal = eitherSignal(options.signal, this.lifetime.signal);
    throwIfAborted(signal);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const peripheral = await this.find(toyId, timeoutMs, signal);
    const link = await GattLink.open(peripheral, Math.max(1, deadline - Date.now()), signal);
    this.links.add(link);
    link.onClose(() => this.links.delete(link));
    const { connection } = start;
    const established = new Promise<Bond>((resolve, reject) => {
      link.onClose((reason) => reject(new ToyClientError('LINK_LOST', `${reason.message} during the handshake`, { cause: reason })));
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
      const bond = await withTimeout(established, Math.max(1, deadline - Date.now()), () => new ToyClientError('TIMEOUT', `the toy did not finish the handshake within ${timeoutMs} ms`), signal);
      return new ToySession(this.sodium, link, connection, bond, this.keysFor(toyId), this.now);
    } catch (error) {
      await link.close();
      throw error;
    }
  }

  /**
   * Scans until the toy is heard advertising now: a peripheral remembered from an earlier scan may
   * have gone, or be busy with another phone (a toy serves one at a time). Where the controller can
   * filter (as a phone's does when an app scans for one device), only this toy's advertisements
   * reach the host; elsewhere the host hears every toy and picks this one.
   */
  private async find(toyId: string, timeoutMs: number, signal: AbortSignal): Promise<Peripheral> {
    await this.poweredOn(signal);
    const filter = await this.scanFilters?.monitor([advertPattern(toyId)]);
    let onDiscover: (p: Peripheral) => void = () => undefined;
    const found = new Promise<Peripheral>((resolve) => {
      onDiscover = (p: Peripheral): void => {
        if (parseAdvert(p.advertisement.manufacturerData)?.toyId === toyId) resolve(p);
      };
      this.noble.on('discover', onDiscover);
    });
    try {
      await abortable(this.noble.startScanningAsync([PLUSHLINK_SERVICE], false), signal);
      return await withTimeout(found, timeoutMs, () => new ToyClientError('TOY_NOT_FOUND', `toy ${toyId} was not heard within ${timeoutMs} ms`), signal);
    } finally {
      this.noble.removeListener('discover', onDiscover);
      await this.stopScanning();
      await filter?.cancel();
    }
  }

  /** Stops scanning; does not wait on a radio that is gone (noble would never confirm). */
  private async stopScanning(): Promise<void> {
    if (this.lifetime.signal.aborted) {
      this.noble.stopScanning();
      return;
    }
    await withTimeout(this.noble.stopScanningAsync(), 1000, () => new ToyClientError('TIMEOUT', 'scanning did not stop')).catch(() => undefined);
  }

  private poweredOn(signal: AbortSignal): Promise<void> {
    if (!this.watchingState) {
      this.watchingState = true;
      this.noble.on('stateChange', this.onStateChange);
    }
    const noble = this.noble as unknown as { state: string };
    if (noble.state === 'poweredOn') return Promise.resolve();
    let onState: (state: string) => void = () => undefined;
    const on = new Promise<void>((resolve, reject) => {
      onState = (state: string): void => {
        if (state === 'poweredOn') resolve();
        if (DEAD_STATES.has(state)) reject(new ToyClientError('RADIO_UNAVAILABLE', `the Bluetooth adapter is ${state}`));
      };
      this.noble.on('stateChange', onState);
    });
    const done = withTimeout(on, POWER_ON_MS, () => new ToyClientError('RADIO_UNAVAILABLE', `the Bluetooth adapter did not power on within ${POWER_ON_MS / 1000} s`), signal);
    const stopListening = (): void => void this.noble.removeListener('stateChange', onState);
    done.then(stopListening, stopListening);
    return done;
  }
}

/** Loads noble on `radio`; a machine with no usable adapter is RADIO_UNAVAILABLE, not a raw socket error. */
function loadRadio(radio: Radio, name: string, privateAddress: boolean): LoadedNoble {
  try {
    return loadNoble(radio, { name, privateAddress });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EAFNOSUPPORT' ? 'this machine has no Bluetooth support (EAFNOSUPPORT)' : (error as Error).message;
    throw new ToyClientError('RADIO_UNAVAILABLE', `no Bluetooth adapter to use: ${why}`, { cause: error });
  }
}

function toClientError(error: PairingError): ToyClientError {
  const code = PAIRING_ERRORS[error.code] ?? 'PROTOCOL';
  return new ToyClientError(code, error.message, { cause: error, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) });
}
