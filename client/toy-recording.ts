// Sealing for the toy and opening what the toy sealed, on a phone: shared by the session (over
// Bluetooth) and the family relay (from far away), so both check the same things and report the
// same typed errors.
import { type Envelope, openEnvelope } from '../audio/envelope';
import { isAudioError } from '../audio/errors';
import { readOggOpus } from '../audio/ogg-opus';
import { sealVoiceMessage } from '../audio/voice-message';
import { toHex } from '../pairing/bytes';
import type { PartyKeys, PeerPublicKeys } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import { ToyClientError } from './errors';

/** A recording fetched from the toy and verified as its. */
export interface FetchedRecording {
  /** The recording's id as hex. */
  readonly id: string;
  /** The Ogg Opus audio as the toy recorded it. */
  readonly ogg: Uint8Array;
  /** When the toy recorded it (its clock, ms since the epoch). */
  readonly recordedAt: number;
}

/** Opens an envelope the toy sealed for `me`: it must be signed by the toy and hold sound Ogg Opus. */
export function openToyRecording(sodium: Sodium, envelope: Uint8Array, me: PartyKeys, toy: PeerPublicKeys): FetchedRecording {
  try {
    return recordingIn(openEnvelope(sodium, envelope, me, { senders: [toy] }));
  } catch (error) {
    if (isAudioError(error)) throw new ToyClientError('PROTOCOL', `the recording did not verify: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The recording an envelope the toy signed holds: sound Ogg Opus, or an AudioError. */
export function recordingIn(opened: Envelope): FetchedRecording {
  readOggOpus(opened.audio);
  return { id: toHex(opened.id), ogg: opened.audio, recordedAt: opened.time };
}

/** Seals a WAV or Ogg Opus recording from `me` for the toy alone. */
export function sealForToy(
  sodium: Sodium,
  recording: Uint8Array,
  me: PartyKeys,
  toy: PeerPublicKeys,
  now: number,
  onEncodeProgress?: (framesDone: number, frames: number) => void,
): { envelope: Uint8Array; id: string } {
  try {
    const sealed = sealVoiceMessage(sodium, { recording, sender: me, recipients: [toy], now, ...(onEncodeProgress ? { onProgress: onEncodeProgress } : {}) });
    return { envelope: sealed.envelope, id: toHex(sealed.id) };
  } catch (error) {
    if (isAudioError(error)) throw new ToyClientError('BAD_INPUT', error.message, { cause: error });
    throw error;
  }
}
