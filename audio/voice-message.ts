// The voice-message pipeline end to end, for firmware-sim/ and client/: a recording (WAV or Ogg
// Opus) becomes a sealed envelope; an envelope opened by a recipient becomes Ogg Opus, PCM or
// WAV again. Each step is also available on its own (wav.ts, opus-codec.ts, ogg-opus.ts,
// envelope.ts, replay-guard.ts); this file only joins them in the one right order.
import type { PartyKeys, PeerPublicKeys } from '../pairing/keys';
import type { Sodium } from '../pairing/sodium';
import { asciiBytes, bytesEqual } from './bytes';
import { type Envelope, type OpenOptions, openEnvelope, sealEnvelope } from './envelope';
import { AudioError } from './errors';
import { type OggOpus, type OpusTags, readOggOpus, writeOggOpus } from './ogg-opus';
import { type EncodeOptions, type OpusRate, decodeOpus, encodeOpus } from './opus-codec';
import { OPUS_RATE } from './opus-packet';
import type { Pcm } from './pcm';
import { type ReplayGuard, admitEnvelope } from './replay-guard';
import { type WavSampleFormat, isWav, readWav, writeWav } from './wav';

export interface RecordingOptions extends EncodeOptions {
  readonly tags?: OpusTags;
}

/**
 * A recording as an Ogg Opus file: WAV is encoded (16 kHz mono voice by default); Ogg Opus is
 * checked and kept as it is (re-encoding would only lose quality). Anything else is
 * UNSUPPORTED_FORMAT.
 */
export function recordingToOgg(recording: Uint8Array, options: RecordingOptions = {}): Uint8Array {
  const magic = recording.subarray(0, 4);
  if (bytesEqual(magic, asciiBytes('OggS'))) {
    readOggOpus(recording);
    return recording;
  }
  if (isWav(recording)) {
    return writeOggOpus(encodeOpus(readWav(recording), options), options.tags ? { tags: options.tags } : {});
  }
  throw new AudioError('UNSUPPORTED_FORMAT', 'a recording must be a WAV or an Ogg Opus file');
}

export async function oggToPcm(ogg: Uint8Array, sampleRate: OpusRate = 16000): Promise<Pcm> {
  return decodeOpus(readOggOpus(ogg).stream, sampleRate);
}

export async function oggToWav(ogg: Uint8Array, sampleRate: OpusRate = 16000, format: WavSampleFormat = 'pcm16'): Promise<Uint8Array> {
  return writeWav(await oggToPcm(ogg, sampleRate), format);
}

export interface SealVoiceInput extends RecordingOptions {
  /** WAV or Ogg Opus bytes. */
  readonly recording: Uint8Array;
  readonly sender: PartyKeys;
  readonly recipients: readonly PeerPublicKeys[];
  /** Milliseconds since the Unix epoch (the sender's clock). */
  readonly now: number;
}

export interface SealedVoiceMessage {
  readonly envelope: Uint8Array;
  readonly id: Uint8Array;
  readonly durationSeconds: number;
}

/** Recording in, sealed envelope out: encode if needed, then seal for the recipients. */
export function sealVoiceMessage(sodium: Sodium, input: SealVoiceInput): SealedVoiceMessage {
  const ogg = recordingToOgg(input.recording, input);
  const { stream } = readOggOpus(ogg);
  const id = sodium.randombytes_buf(16);
  const envelope = sealEnvelope(sodium, { audio: ogg, sender: input.sender, recipients: input.recipients, time: input.now, id });
  return { envelope, id, durationSeconds: stream.length48k / OPUS_RATE };
}

export interface VoiceMessage extends Envelope {
  readonly ogg: OggOpus;
  readonly durationSeconds: number;
}

/**
 * Opens an envelope for `me`, checks its audio is a sound Ogg Opus file, and only then admits
 * its id to the replay guard (so a forged or broken envelope cannot burn a real id). Returns
 * the message and the guard to persist.
 */
export function openVoiceMessage(
  sodium: Sodium,
  envelope: Uint8Array,
  me: PartyKeys,
  guard: ReplayGuard,
  now: number,
  options: OpenOptions = {},
): { readonly message: VoiceMessage; readonly guard: ReplayGuard } {
  const opened = openEnvelope(sodium, envelope, me, options);
  const ogg = readOggOpus(opened.audio);
  const next = admitEnvelope(guard, opened, now);
  return { message: { ...opened, ogg, durationSeconds: ogg.stream.length48k / OPUS_RATE }, guard: next };
}
