// audio/'s public surface for firmware-sim/, client/ and cli/: import from 'audio' rather than
// from its files, so the files can change shape without breaking callers.
export { AudioError, isAudioError, type AudioErrorCode } from './errors';
export type { Pcm } from './pcm';
export { VOICE_SAMPLE_RATE, downmixToMono, durationSeconds } from './pcm';
export { resample } from './resample';
export { readWav, writeWav, type WavSampleFormat } from './wav';
export type { OpusStream } from './opus-packet';
export { encodeOpus, decodeOpus, OpusFrameEncoder, VOICE_BITRATE, FRAME_MS, type EncodeOptions, type OpusRate } from './opus-codec';
export { readOggOpus, writeOggOpus, OggOpusPager, type OggOpus, type OpusTags, type OpusStreamShape } from './ogg-opus';
export { sealEnvelope, openEnvelope, readEnvelopeHeader, type Envelope, type EnvelopeHeader, type SealInput, type OpenOptions } from './envelope';
export { EnvelopeStreamSealer, STREAM_ENVELOPE_VERSION, streamBodyBound, type StreamSealInput } from './envelope-stream';
export {
  createReplayGuard,
  admitEnvelope,
  replayGuardToJson,
  replayGuardFromJson,
  type ReplayGuard,
  type ReplayGuardOptions,
} from './replay-guard';
export { TransferSender, chunkSizeFor, type SenderOptions, type SenderEvent, type SenderOutput, type SenderPhase } from './transfer-sender';
export {
  TransferReceiver,
  type ReceiverOptions,
  type ReceiverEvent,
  type ReceiverOutput,
  type ReceiverSnapshot,
  type PartialTransfer,
} from './transfer-receiver';
export { encodeReceiverSnapshot, decodeReceiverSnapshot } from './transfer-snapshot';
export { OutgoingStream } from './transfer-stream';
export { DATA_HEADER_BYTES, type TransferMessage } from './transfer-wire';
export {
  recordingToOgg,
  oggToPcm,
  oggToWav,
  sealVoiceMessage,
  openVoiceMessage,
  type SealVoiceInput,
  type SealedVoiceMessage,
  type VoiceMessage,
} from './voice-message';
