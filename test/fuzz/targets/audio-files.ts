// Fuzz targets for audio/'s file and record parsers: WAV, Ogg Opus (with page CRCs repaired
// after mutation, to reach the deeper checks), sealed envelopes, persisted replay guards and
// receiver snapshots. Each accepts or throws an AudioError; what it accepts is sane (finite
// samples, output no larger than input, re-encodes to the same value) and an envelope opens
// only if not one byte of it was changed.
import fc from 'fast-check';
import { openEnvelope, readEnvelopeHeader } from '../../../audio/envelope';
import { readOggOpus, writeOggOpus } from '../../../audio/ogg-opus';
import { opusPacketsSamples } from '../../../audio/opus-packet';
import { admitEnvelope, replayGuardFromJson, replayGuardToJson } from '../../../audio/replay-guard';
import { TransferReceiver } from '../../../audio/transfer-receiver';
import { decodeReceiverSnapshot, encodeReceiverSnapshot } from '../../../audio/transfer-snapshot';
import { readWav } from '../../../audio/wav';
import { publicKeys } from '../../../pairing/identity';
import type { FuzzContext } from '../context';
import { sameBytes } from '../equal';
import { RECEIVER_MAX_BYTES } from '../genuine-audio';
import { hostileBytes, hostileText } from '../mutate';
import { fixOggCrcs } from '../ogg-crc';
import { type FuzzTarget, audioErrorOnly, defineTarget, invariant, tolerate } from '../target';

export function audioFileTargets(ctx: FuzzContext): FuzzTarget[] {
  const a = ctx.audio;
  return [
    defineTarget({
      name: 'wav-reader',
      description: 'readWav on mutated genuine WAV files (16-bit, float, extensible with a LIST chunk) and random bytes',
      arbitrary: hostileBytes(a.wavs),
      run(bytes: Uint8Array) {
        const pcm = readWav(bytes);
        invariant(pcm.channels.length === 1 || pcm.channels.length === 2, `${pcm.channels.length} channels`);
        const length = pcm.channels[0]?.length ?? 0;
        invariant(length * pcm.channels.length * 2 <= bytes.length, 'more samples than the file has bytes for');
        for (const channel of pcm.channels) {
          invariant(channel.length === length, 'channels of different lengths');
          for (const s of channel) invariant(Number.isFinite(s), 'a sample is not finite');
        }
      },
      isExpected: audioErrorOnly,
    }),
    defineTarget({
      name: 'ogg-opus-reader',
      description: 'readOggOpus on mutated genuine Ogg Opus files, page CRCs repaired or not, and random bytes; accepted files round-trip',
      arbitrary: fc.tuple(hostileBytes(a.oggs), fc.boolean()).map(([bytes, fix]) => (fix ? fixOggCrcs(bytes) : bytes)),
      run(bytes: Uint8Array) {
        const { stream, tags } = readOggOpus(bytes);
        invariant(stream.packets.length > 0 && stream.length48k >= 0, 'accepted an empty stream');
        invariant(stream.preSkip + stream.length48k <= opusPacketsSamples(stream.packets), 'length beyond the packets’ samples');
        const again = readOggOpus(writeOggOpus(stream, { serial: 1, tags }));
        invariant(again.stream.length48k === stream.length48k && again.stream.packets.length === stream.packets.length, 'does not round-trip');
        again.stream.packets.forEach((p, i) => invariant(sameBytes(p, stream.packets[i] as Uint8Array), `packet ${i} does not round-trip`));
      },
      isExpected: audioErrorOnly,
    }),
    defineTarget({
      name: 'envelope-opener',
      description: 'readEnvelopeHeader and openEnvelope (recipient, trusted sender) on mutated genuine envelopes; only the untouched envelope opens',
      arbitrary: fc.tuple(hostileBytes([a.envelope], 1200), fc.boolean()),
      ciRuns: 300,
      run([bytes, asStranger]: [Uint8Array, boolean]) {
        tolerate(audioErrorOnly, () => readEnvelopeHeader(bytes));
        const me = asStranger ? ctx.pairing.stranger : a.recipient;
        const opened = openEnvelope(ctx.sodium, bytes, me, { senders: [publicKeys(a.sender)] });
        invariant(!asStranger, 'a non-recipient opened the envelope');
        invariant(sameBytes(bytes, a.envelope), 'an altered envelope opened');
        invariant(sameBytes(opened.audio, a.oggAudio), 'opened audio differs from what was sealed');
      },
      isExpected: audioErrorOnly,
    }),
    defineTarget({
      name: 'replay-guard-json',
      description: 'replayGuardFromJson on mutated genuine guards and random text, then admitEnvelope; accepted guards round-trip and stay bounded',
      arbitrary: fc.record({ json: hostileText(a.replayGuards), id: fc.nat({ max: 4 }), dt: fc.integer({ min: -20, max: 20 }) }),
      run({ json, id, dt }: { json: string; id: number; dt: number }) {
        const guard = replayGuardFromJson(json);
        const text = replayGuardToJson(guard);
        invariant(replayGuardToJson(replayGuardFromJson(text)) === text, 'guard does not round-trip');
        tolerate(audioErrorOnly, () => {
          const next = admitEnvelope(guard, { id: new Uint8Array(16).fill(id), time: a.envelopeTime + dt }, a.envelopeTime + 10);
          invariant(next.seen.length <= next.maxEntries, 'guard grew past maxEntries');
          invariant(replayGuardToJson(replayGuardFromJson(replayGuardToJson(next))) === replayGuardToJson(next), 'admitted guard does not persist');
        });
      },
      isExpected: audioErrorOnly,
    }),
    defineTarget({
      name: 'receiver-snapshot',
      description: 'decodeReceiverSnapshot on mutated genuine snapshots (offered and streamed), then a TransferReceiver restored from it and offered the genuine envelope, then streamed one',
      arbitrary: hostileBytes(a.snapshots, 1200),
      run(bytes: Uint8Array) {
        const snapshot = decodeReceiverSnapshot(bytes, RECEIVER_MAX_BYTES);
        invariant(sameBytes(encodeReceiverSnapshot(snapshot), bytes), 'snapshot does not re-encode to its bytes');
        const receiver = new TransferReceiver(ctx.sodium, { maxBytes: RECEIVER_MAX_BYTES, window: 8 }, snapshot);
        invariant(receiver.memoryBytes() <= RECEIVER_MAX_BYTES * 1.125 + 1, 'restored receiver over its memory bound');
        for (const m of a.toReceiver) {
          for (const e of receiver.receive(m).events) {
            if (e.type !== 'complete') continue;
            if (sameBytes(e.hash, a.envelopeHash)) invariant(sameBytes(e.envelope, a.envelope), 'completed with bytes other than the genuine envelope');
            // A stream has no hash of its bytes: a snapshot altered in flash may complete one with
            // other bytes, which its records and signature then refuse when it is opened.
            else tolerate(audioErrorOnly, () => invariant(sameBytes(openEnvelope(ctx.sodium, e.envelope, a.recipient).audio, a.oggAudio), 'a completed stream opened to other audio'));
          }
        }
      },
      isExpected: audioErrorOnly,
    }),
  ];
}
