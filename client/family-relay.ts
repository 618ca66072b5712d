// A phone's view of its family's mailbox on the relay, for one toy: what a far-away member and a
// bridge at home need. `sendRemote` seals a recording for the toy (this phone's per-toy keys, the
// toy's keys from the bond) and posts it; `inbox()` yields what waits, with `openRecording` for
// what the toy recorded; `bridge()` runs on a phone in Bluetooth range: it moves each envelope
// that waits for it to the toy over the session's sealed-send path (the toy checks the sender is
// a member and the signature holds), acknowledges it, and posts the toy's recordings (sealed by
// the toy for all its phones) for the members far away, and the toy's "played" receipts (sealed by
// the toy for each message's sender alone) back to the senders. The bridge only carries sealed
// bytes: envelopes for the toy do not open with its keys, and an altered one is refused by the toy.
import { toHex } from '../pairing/bytes';
import { type Bond, bondForToy } from '../pairing/bond';
import { ToyClientError, isToyClientError } from './errors';
import { type FamilyMail, readFamilyMail } from './family-mail';
import { type PendingReceipt, PlayWatch } from './play-watch';
import { RelayClient, RelayRefusal, isRetryableRelayError } from './relay-client';
import type { PartyKeys } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import type { PhoneStore } from './phone-store';
import { type FetchedRecording, openToyRecording, sealForToy } from './toy-recording';
import type { ToySession } from './toy-session';

export interface FamilyRelayOptions {
  /** The relay's base URL. */
  readonly url: string;
  /** The family mailbox id (from the remote invitation's offer, or the owner's own). */
  readonly mailbox: string;
  readonly toyId: string;
}

/** What one bridge() pass did. */
export interface BridgeReport {
  /** Envelopes the toy took (ids as hex), acknowledged on the relay. */
  readonly delivered: readonly string[];
  /** Envelopes the toy refused (not from a member, altered, replayed), acknowledged so they stop coming. */
  readonly refused: readonly { readonly id: string; readonly reason: string }[];
  /** Toy recordings posted to the mailbox (ids as hex). */
  readonly uploaded: readonly string[];
  /** Envelopes (relay ids) that are this phone's own mail, from the toy: left for inbox(), not forwarded. */
  readonly forThisPhone: readonly string[];
  /** Messages (ids as hex) whose "played" receipt went back to their sender. */
  readonly receipts: readonly string[];
  /** Receipts the relay did not take this pass (down, busy): kept in `pendingReceipts` for the next. */
  readonly receiptsWaiting: number;
}

/** One envelope from `inbox()`, opened as far as this phone can: acknowledge it once kept. */
export type FamilyInboxItem = FamilyMail & {
  /** The relay's id for the envelope. */
  readonly id: string;
  /** The sealed envelope, unpadded. */
  readonly sealed: Uint8Array;
  acknowledge(): Promise<void>;
};

/** How long a bridge waits for the toy to play what it took (it plays at once; decoding takes a moment). */
const PLAY_WAIT_MS = 15_000;
/** A toy keeps 32 receipts at most, 8 to an answer: a pass takes them all in 5 rounds. */
const MAX_TAKE_ROUNDS = 6;

/** What the family relay needs of a phone: its store and per-toy keys (a ToyClient has them; no radio needed). */
export interface FamilyPhone {
  readonly sodium: Sodium;
  readonly store: PhoneStore;
  keysFor(toyId: string): PartyKeys;
}

export class FamilyRelay {
  readonly relay: RelayClient;
  /** Recordings already posted by this bridge (ids as hex): an app may persist and pass it back. */
  readonly uploaded: Set<string>;
  /** Receipts this bridge still owes the relay (it was down): an app may persist and pass them back. */
  readonly pendingReceipts: PendingReceipt[];

  constructor(
    private readonly client: FamilyPhone,
    private readonly options: FamilyRelayOptions,
    uploaded: Iterable<string> = [],
    pendingReceipts: Iterable<PendingReceipt> = [],
  ) {
    this.relay = new RelayClient({ url: options.url, key: client.keysFor(options.toyId).signing, sodium: client.sodium });
    this.uploaded = new Set(uploaded);
    this.pendingReceipts = [...pendingReceipts];
  }

  private bond(): Bond {
    const bond = bondForToy(this.client.store.bonds, this.options.toyId);
    if (!bond) throw new ToyClientError('NOT_BONDED', `this phone has no bond with toy ${this.options.toyId}`);
    return bond;
  }

  /** Seals a WAV or Ogg Opus recording for the toy and posts it to the family mailbox. */
  async sendRemote(recording: Uint8Array, now = Date.now()): Promise<string> {
    const sealed = sealForToy(this.client.sodium, recording, this.client.keysFor(this.options.toyId), this.bond().peer, now);
    await this.relay.post(this.options.mailbox, sealed.envelope);
    return sealed.id;
  }

  /**
   * Every envelope waiting for this phone, as it arrives (RelayClient.inbox), opened: the toy's
   * recordings, the toy's receipts for messages this phone sent, and sealed mail for others.
   */
  async *inbox(options: { readonly signal?: AbortSignal; readonly waitSeconds?: number } = {}): AsyncGenerator<FamilyInboxItem> {
    for await (const item of this.relay.inbox(this.options.mailbox, options)) yield { ...this.read(item.sealed), ...item };
  }

  /** What an envelope from the mailbox is to this phone (client/family-mail.ts). */
  read(sealed: Uint8Array): FamilyMail {
    return readFamilyMail(this.client.sodium, sealed, this.client.keysFor(this.options.toyId), this.bond().peer);
  }

  /** Opens a recording the toy sealed (fetched from the inbox): checks it came from the toy. */
  openRecording(sealed: Uint8Array): FetchedRecording {
    return openToyRecording(this.client.sodium, sealed, this.client.keysFor(this.options.toyId), this.bond().peer);
  }

  /**
   * One bridge pass over an open session with the toy: relay -> toy, then toy -> relay. A link
   * lost half-way throws; what was not acknowledged comes again on the next pass.
   */
  async bridge(session: ToySession, options: { readonly signal?: AbortSignal } = {}): Promise<BridgeReport> {
    const delivered: string[] = [];
    const refused: { id: string; reason: string }[] = [];
    const uploaded: string[] = [];
    const forThisPhone: string[] = [];
    const { mailbox } = this.options;
    const played = new PlayWatch(session);
    try {
      for (const waiting of await this.relay.pending(mailbox)) {
        const sealed = await this.relay.fetch(mailbox, waiting.id);
        // The toy's recordings and receipts another bridge posted are this phone's to read: the toy would refuse them anyway.
        if (this.read(sealed).kind !== 'sealed') {
          forThisPhone.push(waiting.id);
          continue;
        }
        try {
          delivered.push(await session.sendSealed(sealed, options));
        } catch (error) {
          if (!(isToyClientError(error) && (error.code === 'MESSAGE_REFUSED' || error.code === 'BAD_INPUT'))) throw error;
          refused.push({ id: waiting.id, reason: error.message });
        }
        await this.relay.acknowledge(mailbox, waiting.id);
      }
      for (const recording of await session.listRecordings()) {
        const id = toHex(recording.id);
        if (this.uploaded.has(id)) continue;
        try {
          await this.relay.post(mailbox, await session.fetchSealedRecording(recording, options));
        } catch (error) {
          // This phone is alone on the roster: nobody far away to carry the toy's recordings to.
          if (error instanceof RelayRefusal && error.code === 'NO_RECIPIENTS') break;
          throw error;
        }
        this.uploaded.add(id);
        uploaded.push(id);
      }
      await played.untilPlayed(delivered, PLAY_WAIT_MS, options.signal);
    } finally {
      played.stop();
    }
    // The toy's receipts for what it just played, and any it kept from before (a pass cut short,
    // another phone's delivery): the toy lets each go only once this phone holds it.
    await this.takeReceipts(session);
    return { delivered, refused, uploaded, forThisPhone, ...(await this.postReceipts()) };
  }

  private async takeReceipts(session: ToySession): Promise<void> {
    let taken: string[] = [];
    for (let round = 0; round < MAX_TAKE_ROUNDS; round++) {
      const batch = await session.takeReceipts(taken);
      for (const receipt of batch) {
        if (!this.pendingReceipts.some((r) => r.message === receipt.message)) this.pendingReceipts.push(receipt);
      }
      if (batch.length === 0) return;
      taken = batch.map((r) => r.message);
    }
  }

  /**
   * Posts the receipts this bridge holds, oldest first, stopping at the first the relay does not
   * take (down, 5xx, 429): those stay in `pendingReceipts` for the next pass. A receipt for this
   * phone's own message is not posted (the relay would deliver it to everyone else): it is done.
   */
  private async postReceipts(): Promise<{ receipts: string[]; receiptsWaiting: number }> {
    const receipts: string[] = [];
    while (this.pendingReceipts.length > 0) {
      const { message, sealed } = this.pendingReceipts[0]!;
      if (this.read(sealed).kind !== 'receipt') {
        try {
          await this.relay.post(this.options.mailbox, sealed);
        } catch (error) {
          if (isRetryableRelayError(error)) break;
          throw error;
        }
      }
      this.pendingReceipts.shift();
      receipts.push(message);
    }
    return { receipts, receiptsWaiting: this.pendingReceipts.length };
  }
}
