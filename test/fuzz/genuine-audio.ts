// Genuine audio/ material for the fuzz targets to mutate: small real WAV and Ogg Opus files, a
// sealed envelope and the parties that can open it, the messages of a real transfer of it,
// persisted receiver snapshots and a persisted replay guard. Seeded, like genuine-pairing.ts.
import { sealEnvelope } from '../../audio/envelope';
import { EnvelopeStreamSealer } from '../../audio/envelope-stream';
import { writeOggOpus } from '../../audio/ogg-opus';
import type { OpusStream } from '../../audio/opus-packet';
import { admitEnvelope, createReplayGuard, replayGuardToJson } from '../../audio/replay-guard';
import { TransferReceiver } from '../../audio/transfer-receiver';
import { TransferSender } from '../../audio/transfer-sender';
import { encodeReceiverSnapshot } from '../../audio/transfer-snapshot';
import { OutgoingStream } from '../../audio/transfer-stream';
import { encodeTransferMessage } from '../../audio/transfer-wire';
import { writeWav } from '../../audio/wav';
import { generatePartyKeys, publicKeys } from '../../pairing/identity';
import type { PartyKeys } from '../../pairing/keys';
import type { Sodium } from '../../pairing/sodium';

export interface GenuineAudio {
  readonly wavs: readonly Uint8Array[];
  readonly oggs: readonly Uint8Array[];
  readonly oggAudio: Uint8Array;
  readonly sender: PartyKeys;
  readonly recipient: PartyKeys;
  readonly envelope: Uint8Array;
  readonly envelopeHash: Uint8Array;
  /**
   * Every message a sender and a receiver exchanged while moving `envelope` (128-byte chunks), then
   * while streaming a version 4 envelope of the same audio (OPEN, DATA as it is sealed, END).
   */
  readonly toReceiver: readonly Uint8Array[];
  readonly toSender: readonly Uint8Array[];
  readonly snapshots: readonly Uint8Array[];
  readonly replayGuards: readonly string[];
  readonly envelopeTime: number;
}

export const RECEIVER_MAX_BYTES = 64 * 1024;
export const TRANSFER_CHUNK = 128;

/** `count` 20 ms SILK wideband packets (TOC config 9, one frame) with arbitrary payloads. */
function opusStream(channels: 1 | 2, count: number): OpusStream {
  const stereo = channels === 2 ? 0x04 : 0;
  const packets = Array.from({ length: count }, (_, i) => Uint8Array.of((9 << 3) | stereo, i, i * 7, 0x55));
  return { channels, preSkip: 312, length48k: count * 960 - 312 - 100, inputSampleRate: 16000, outputGain: 0, packets };
}

function wavs(): Uint8Array[] {
  const tone = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i / 3) * 0.5);
  const pcm16 = writeWav({ sampleRate: 8000, channels: [tone(40)] });
  const float = writeWav({ sampleRate: 16000, channels: [tone(12), tone(12)] }, 'float32');
  // The same PCM in a WAVE_FORMAT_EXTENSIBLE header with a LIST chunk before the data.
  const extensible = Uint8Array.from([
    ...pcm16.subarray(0, 12),
    ...[0x66, 0x6d, 0x74, 0x20, 40, 0, 0, 0, 0xfe, 0xff, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0, 22, 0, 16, 0, 4, 0, 0, 0, 1, 0],
    ...[0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71],
    ...[0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 0x61, 0x62, 0x63, 0],
    ...pcm16.subarray(36),
  ]);
  return [pcm16, float, extensible];
}

/** A streamed transfer of a version 4 envelope sealed in three pieces while it is sent. */
function streamTransfer(sodium: Sodium, audio: Uint8Array, sender: PartyKeys, recipient: PartyKeys, time: number, toReceiver: Uint8Array[], toSender: Uint8Array[], snapshots: Uint8Array[]): void {
  const pieces = [audio.subarray(0, 100), audio.subarray(100, 300), audio.subarray(300)];
  const sealer = new EnvelopeStreamSealer(sodium, { sender, recipients: [publicKeys(recipient)], time, maxAudioBytes: audio.length, maxPushes: pieces.length });
  const stream = new OutgoingStream(sodium, sealer.header, sealer.maxBodyLength);
  const receiver = new TransferReceiver(sodium, { maxBytes: RECEIVER_MAX_BYTES, window: 8 });
  const transferSender = new TransferSender(sodium, stream, { chunkSize: TRANSFER_CHUNK, window: 8 });
  const queue = [...transferSender.connect(0).messages];
  const deliver = (): void => {
    for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
      toReceiver.push(m);
      for (const r of receiver.receive(m).messages) {
        toSender.push(r);
        queue.push(...transferSender.receive(r, 0).messages);
      }
    }
  };
  deliver();
  for (const piece of pieces) {
    stream.append(sealer.push(piece));
    queue.push(...transferSender.more().messages);
    deliver();
  }
  snapshots.push(encodeReceiverSnapshot(receiver.snapshot()));
  stream.append(sealer.finish());
  stream.end();
  queue.push(...transferSender.more().messages);
  deliver();
}

export function buildGenuineAudio(sodium: Sodium): GenuineAudio {
  const oggs = [
    writeOggOpus(opusStream(1, 60), { serial: 0x1234 }),
    writeOggOpus(opusStream(2, 3), { serial: 7, tags: { vendor: 'fuzz', comments: ['TITLE=hello', 'ARTIST=grandma'] } }),
  ];
  const oggAudio = oggs[0] as Uint8Array;
  const sender = generatePartyKeys(sodium);
  const recipient = generatePartyKeys(sodium);
  const envelopeTime = 1_700_000_000_000;
  const envelope = sealEnvelope(sodium, { audio: oggAudio, sender, recipients: [publicKeys(recipient), publicKeys(generatePartyKeys(sodium))], time: envelopeTime });
  const envelopeHash = sodium.crypto_generichash(32, envelope, null);

  const toReceiver: Uint8Array[] = [];
  const toSender: Uint8Array[] = [];
  const snapshots: Uint8Array[] = [];
  const receiver = new TransferReceiver(sodium, { maxBytes: RECEIVER_MAX_BYTES, window: 8 });
  const transferSender = new TransferSender(sodium, envelope, { chunkSize: TRANSFER_CHUNK, window: 8 });
  const queue = [...transferSender.connect(0).messages];
  for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
    toReceiver.push(m);
    const replies = receiver.receive(m).messages;
    if (toReceiver.length === 4) snapshots.push(encodeReceiverSnapshot(receiver.snapshot()));
    for (const r of replies) {
      toSender.push(r);
      queue.push(...transferSender.receive(r, 0).messages);
    }
  }
  snapshots.push(encodeReceiverSnapshot(receiver.snapshot()));
  toReceiver.push(encodeTransferMessage({ type: 'cancel', tag: 0x1234 }));
  toSender.push(encodeTransferMessage({ type: 'reject', hash: envelopeHash, reason: 'TOO_LARGE' }));
  // After the older material, so what saved corpus entries point at stays where it was.
  streamTransfer(sodium, oggAudio, sender, recipient, envelopeTime, toReceiver, toSender, snapshots);

  let guard = createReplayGuard({ maxEntries: 4 });
  for (let i = 0; i < 3; i++) guard = admitEnvelope(guard, { id: new Uint8Array(16).fill(i), time: envelopeTime + i }, envelopeTime + 10);
  return {
    wavs: wavs(),
    oggs,
    oggAudio,
    sender,
    recipient,
    envelope,
    envelopeHash,
    toReceiver,
    toSender,
    snapshots,
    replayGuards: [replayGuardToJson(guard), replayGuardToJson(createReplayGuard())],
    envelopeTime,
  };
}
