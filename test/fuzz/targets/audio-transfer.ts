// Fuzz targets for audio/'s transfer protocol: the wire decoder, and the receiver and sender
// state machines fed hostile message sequences. The machines never throw on peer input, report
// only AudioErrors, send only well-formed messages, keep memory within maxBytes, never deliver
// an envelope whose hash does not match, and never claim more progress than the envelope has.
import fc from 'fast-check';
import { AudioError } from '../../../audio/errors';
import { TransferReceiver } from '../../../audio/transfer-receiver';
import { TransferSender } from '../../../audio/transfer-sender';
import { decodeTransferMessage, encodeTransferMessage, streamHash } from '../../../audio/transfer-wire';
import type { FuzzContext } from '../context';
import { sameBytes } from '../equal';
import { RECEIVER_MAX_BYTES, TRANSFER_CHUNK } from '../genuine-audio';
import { hostileBytes } from '../mutate';
import { roundTripTarget } from '../round-trip';
import { type FuzzTarget, audioErrorOnly, defineTarget, invariant, nothingThrown } from '../target';

type SenderStep =
  | { readonly kind: 'message'; readonly bytes: Uint8Array }
  | { readonly kind: 'tick'; readonly ms: number }
  | { readonly kind: 'reconnect'; readonly chunkSize: number }
  | { readonly kind: 'disconnect' };

function checkEvents(events: readonly { type: string; error?: unknown }[]): void {
  for (const e of events) if (e.type === 'failed' || e.type === 'ignored') invariant(e.error instanceof AudioError, `${e.type} without an AudioError`);
}

export function audioTransferTargets(ctx: FuzzContext): FuzzTarget[] {
  const a = ctx.audio;
  const all = [...a.toReceiver, ...a.toSender];
  const senderSteps: fc.Arbitrary<SenderStep> = fc.oneof(
    { weight: 6, arbitrary: hostileBytes(a.toSender).map((bytes) => ({ kind: 'message' as const, bytes })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 5000 }).map((ms) => ({ kind: 'tick' as const, ms })) },
    { weight: 1, arbitrary: fc.constantFrom(TRANSFER_CHUNK, 1, 20, 500).map((chunkSize) => ({ kind: 'reconnect' as const, chunkSize })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'disconnect' as const }) },
  );
  return [
    roundTripTarget({
      name: 'transfer-wire',
      description: 'decodeTransferMessage on mutated genuine offers, data, states, dones, rejects and cancels; accepted ones re-encode exactly',
      seeds: all,
      decode: decodeTransferMessage,
      encode: encodeTransferMessage,
      isExpected: audioErrorOnly,
    }),
    defineTarget({
      name: 'transfer-receiver',
      description: 'a TransferReceiver fed sequences of mutated genuine sender messages (offered and streamed); memory bounded, complete only with the offered hash or, for a stream, behind its opened head',
      arbitrary: fc.record({ window: fc.constantFrom(1, 8, 32), messages: fc.array(hostileBytes(a.toReceiver), { minLength: 1, maxLength: 16 }) }),
      ciRuns: 300,
      run({ window, messages }: { window: number; messages: Uint8Array[] }) {
        const receiver = new TransferReceiver(ctx.sodium, { maxBytes: RECEIVER_MAX_BYTES, window });
        /** Heads of the streams opened, by their transfer hash (as hex). */
        const opened = new Map<string, Uint8Array>();
        for (const m of messages) {
          let decoded: ReturnType<typeof decodeTransferMessage> | undefined;
          try {
            decoded = decodeTransferMessage(m);
          } catch {
            decoded = undefined;
          }
          if (decoded?.type === 'open') opened.set(Buffer.from(streamHash(ctx.sodium, decoded.bound, decoded.head)).toString('hex'), decoded.head);
          const out = receiver.receive(m);
          out.messages.forEach(decodeTransferMessage);
          checkEvents(out.events);
          for (const e of out.events) {
            if (e.type === 'complete') {
              const head = opened.get(Buffer.from(e.hash).toString('hex'));
              const streamed = head !== undefined && sameBytes(e.envelope.subarray(0, head.length), head);
              invariant(streamed || sameBytes(ctx.sodium.crypto_generichash(32, e.envelope, null), e.hash), 'completed an envelope that matches neither its hash nor an opened stream');
            }
            if (e.type === 'progress') invariant(e.bytesDone <= e.total, 'progress beyond the total');
          }
          // The envelope buffer plus its bitmap (one bit per chunk of at least one byte).
          invariant(receiver.memoryBytes() <= RECEIVER_MAX_BYTES + Math.ceil(RECEIVER_MAX_BYTES / 8), `holds ${receiver.memoryBytes()} bytes`);
        }
      },
      isExpected: nothingThrown,
    }),
    defineTarget({
      name: 'transfer-sender',
      description: 'a TransferSender fed mutated genuine receiver messages, ticks, reconnects (changing chunk size) and disconnects',
      arbitrary: fc.array(senderSteps, { minLength: 1, maxLength: 16 }),
      ciRuns: 300,
      run(steps: SenderStep[]) {
        const sender = new TransferSender(ctx.sodium, a.envelope, { chunkSize: TRANSFER_CHUNK, window: 8, maxRetries: 3 });
        let now = 0;
        let chunkSize = TRANSFER_CHUNK;
        const check = (out: ReturnType<TransferSender['tick']>): void => {
          checkEvents(out.events);
          for (const bytes of out.messages) {
            const m = decodeTransferMessage(bytes);
            if (m.type === 'data') {
              const start = m.index * chunkSize;
              invariant(sameBytes(m.payload, a.envelope.subarray(start, start + chunkSize)), `chunk ${m.index} is not the envelope’s bytes`);
            }
          }
          for (const e of out.events) if (e.type === 'progress') invariant(e.bytesDone >= 0 && e.bytesDone <= e.total && e.total === a.envelope.length, 'impossible progress');
        };
        check(sender.connect(now));
        for (const step of steps) {
          if (step.kind === 'message') check(sender.receive(step.bytes, now));
          else if (step.kind === 'tick') check(sender.tick((now += step.ms)));
          else if (step.kind === 'disconnect') sender.disconnect();
          else check(sender.connect(now, (chunkSize = step.chunkSize)));
        }
      },
      isExpected: nothingThrown,
    }),
  ];
}
