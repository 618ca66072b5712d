// What an envelope from the family mailbox is, to one phone: a recording the toy sealed for it, a
// receipt the toy sealed for it ("your message played"), or sealed mail it cannot open (a message
// on its way to the toy, or another member's receipt). Only opening tells them apart: the relay
// and a bridge see the same kind of envelope for all three.
import { openEnvelope } from '../audio/envelope';
import { isAudioError } from '../audio/errors';
import { isReceiptPayload, readReceiptPayload } from '../audio/receipt';
import { toHex } from '../pairing/bytes';
import type { PartyKeys, PeerPublicKeys } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import { ToyClientError } from './errors';
import { type FetchedRecording, recordingIn } from './toy-recording';

/** The toy's word that it played a message this phone sent, verified as the toy's. */
export interface PlayedReceipt {
  /** The played message's id as hex (what sendRemote returned). */
  readonly message: string;
  /** When it played, by the toy's clock (ms since the epoch). */
  readonly playedAt: number;
  /** The receipt envelope's own id as hex. */
  readonly id: string;
}

export type FamilyMail =
  | { readonly kind: 'recording'; readonly recording: FetchedRecording }
  | { readonly kind: 'receipt'; readonly receipt: PlayedReceipt }
  /** Not this phone's to open: a message on its way to the toy, or a receipt for another member. */
  | { readonly kind: 'sealed' };

/**
 * Opens `sealed` as `me`, trusting only `toy` as its signer. Mail not sealed for this phone by the
 * toy is 'sealed'; a toy-signed envelope whose content is neither a sound recording nor a sound
 * receipt is a PROTOCOL error (the toy signed nonsense, which no relay or bridge can cause).
 */
export function readFamilyMail(sodium: Sodium, sealed: Uint8Array, me: PartyKeys, toy: PeerPublicKeys): FamilyMail {
  let opened;
  try {
    opened = openEnvelope(sodium, sealed, me, { senders: [toy] });
  } catch (error) {
    if (isAudioError(error)) return { kind: 'sealed' };
    throw error;
  }
  try {
    if (isReceiptPayload(opened.audio)) {
      const { message, playedAt } = readReceiptPayload(opened.audio);
      return { kind: 'receipt', receipt: { message: toHex(message), playedAt, id: toHex(opened.id) } };
    }
    return { kind: 'recording', recording: recordingIn(opened) };
  } catch (error) {
    if (isAudioError(error)) throw new ToyClientError('PROTOCOL', `the toy's envelope did not verify: ${error.message}`, { cause: error });
    throw error;
  }
}
