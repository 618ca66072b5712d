// Fuzz targets for pairing/'s stateless decoders: frames, fragments, session messages, stored
// records, QR payloads and typed pairing codes. Each accepts or throws a PairingError, and what
// it accepts re-encodes to what it read (or, where the format has free choices, decodes again
// to the same value).
import fc from 'fast-check';
import { Reassembler } from '../../../pairing/fragment';
import { decodeFrame, encodeFrame } from '../../../pairing/frame';
import { dammCheckDigit, formatPairingCode, parsePairingCode } from '../../../pairing/code';
import { decodePolicy, encodePolicy } from '../../../pairing/policy';
import { encodeQrPayload, parseQrPayload } from '../../../pairing/qr';
import { decodeBonds, decodeIdentity, decodePartyKeys, encodeBonds, encodeIdentity, encodePartyKeys } from '../../../pairing/records';
import { decodeSessionMessage, encodeSessionMessage } from '../../../pairing/session-messages';
import type { FuzzContext } from '../context';
import { sameBytes } from '../equal';
import { hostileBytes, hostileText } from '../mutate';
import { roundTripTarget } from '../round-trip';
import { type FuzzTarget, defineTarget, invariant, pairingErrorOnly, tolerate } from '../target';

export function pairingDecoderTargets(ctx: FuzzContext): FuzzTarget[] {
  const g = ctx.pairing;
  const frames = [...g.phoneFrames, ...g.toyFrames];
  const recordCodecs: readonly [(b: Uint8Array) => unknown, (v: never) => Uint8Array][] = [
    [decodeBonds, encodeBonds],
    [decodeIdentity, encodeIdentity],
    [decodePartyKeys, encodePartyKeys],
    [decodePolicy, encodePolicy],
  ];
  return [
    roundTripTarget({
      name: 'frame-decoder',
      description: 'decodeFrame on mutated genuine frames of every type and random bytes; accepted frames re-encode exactly',
      seeds: frames,
      decode: decodeFrame,
      encode: encodeFrame,
      isExpected: pairingErrorOnly,
    }),
    defineTarget({
      name: 'fragment-reassembler',
      description: 'a Reassembler (random bound) fed sequences of mutated genuine fragments; memory stays within the bound',
      arbitrary: fc.record({
        maxFrameBytes: fc.oneof(fc.constant(4096), fc.integer({ min: 1, max: 600 })),
        fragments: fc.array(hostileBytes(g.fragments, 600), { minLength: 1, maxLength: 12 }),
      }),
      run({ maxFrameBytes, fragments }: { maxFrameBytes: number; fragments: Uint8Array[] }) {
        const reassembler = new Reassembler(maxFrameBytes);
        for (const piece of fragments) {
          tolerate(pairingErrorOnly, () => {
            const frame = reassembler.push(piece);
            if (frame) invariant(frame.length >= 1 && frame.length <= maxFrameBytes, `completed frame of ${frame.length} bytes over ${maxFrameBytes}`);
          });
          invariant(reassembler.bufferedBytes <= maxFrameBytes, `holds ${reassembler.bufferedBytes} bytes over ${maxFrameBytes}`);
        }
      },
      isExpected: () => false,
    }),
    roundTripTarget({
      name: 'session-message-decoder',
      description: 'decodeSessionMessage on mutated genuine requests, responses, errors, events and transfers; accepted ones re-encode exactly',
      seeds: g.sessionMessages,
      decode: decodeSessionMessage,
      encode: encodeSessionMessage,
      isExpected: pairingErrorOnly,
    }),
    defineTarget({
      name: 'records',
      description: 'decodeBonds, decodeIdentity, decodePartyKeys and decodePolicy on mutated genuine records; accepted ones round-trip',
      arbitrary: fc.record({ codec: fc.nat({ max: recordCodecs.length - 1 }), bytes: hostileBytes(g.records) }),
      run({ codec, bytes }: { codec: number; bytes: Uint8Array }) {
        const [decode, encode] = recordCodecs[codec] as (typeof recordCodecs)[number];
        const once = encode(decode(bytes) as never);
        invariant(sameBytes(encode(decode(once) as never), once), 'record does not decode to the same value twice');
      },
      isExpected: pairingErrorOnly,
    }),
    defineTarget({
      name: 'qr-payload',
      description: 'parseQrPayload on mutated genuine URIs and random strings; accepted payloads round-trip',
      arbitrary: hostileText(g.qrPayloads),
      run(uri: string) {
        const payload = parseQrPayload(uri);
        const again = encodeQrPayload(payload);
        invariant(encodeQrPayload(parseQrPayload(again)) === again, 'QR payload does not parse to the same value twice');
      },
      isExpected: pairingErrorOnly,
    }),
    defineTarget({
      name: 'pairing-code',
      description: 'parsePairingCode on mutated typed codes (spaces, dashes, digits) and random strings',
      arbitrary: hostileText([g.identity.code, formatPairingCode(g.identity.code), `${g.identity.code.slice(0, 3)}-${g.identity.code.slice(3)}`]),
      run(text: string) {
        const code = parsePairingCode(text);
        invariant(/^[0-9]{10}$/.test(code) && dammCheckDigit(code) === 0, `accepted "${code}"`);
        invariant(parsePairingCode(formatPairingCode(code)) === code, 'formatted code does not parse back');
      },
      isExpected: pairingErrorOnly,
    }),
  ];
}
