// The frame format: version | type | body. Every message round-trips, and any bytes at all
// decode to a message or a PairingError (MALFORMED or UNSUPPORTED_VERSION), never another error.
import fc from 'fast-check';
import { PairingError } from '../../pairing/errors';
import { type Message, PROTOCOL_VERSION, REFUSAL_REASONS, decodeFrame, encodeFrame } from '../../pairing/frame';
import { errorCode } from './helpers';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const some = fc.uint8Array({ maxLength: 200 });

const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('PAIR_HELLO' as const), sid: bytes(16), share: bytes(32), ad: fc.uint8Array({ maxLength: 255 }), noise: some }),
  fc.record({ type: fc.constant('PAIR_REPLY' as const), share: bytes(32), ad: fc.uint8Array({ maxLength: 255 }), noise: some }),
  fc.record({ type: fc.constant('PAIR_FINISH' as const), noise: some }),
  fc.record({ type: fc.constant('SESSION_HELLO' as const), bondId: bytes(8), noise: some }),
  fc.record({ type: fc.constant('SESSION_ACCEPT' as const), noise: some }),
  fc.record({ type: fc.constant('TRANSPORT' as const), message: some }),
  fc.record({
    type: fc.constant('REFUSED' as const),
    reason: fc.constantFrom(...REFUSAL_REASONS),
    retryAfterMs: fc.integer({ min: 0, max: 0xffffffff }),
  }),
);

describe('frame format', () => {
  it('property: every message round-trips and starts with the protocol version', () => {
    fc.assert(
      fc.property(message, (m) => {
        const frame = encodeFrame(m);
        expect(frame[0]).toBe(PROTOCOL_VERSION);
        expect(decodeFrame(frame)).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('property: arbitrary bytes decode or give MALFORMED / UNSUPPORTED_VERSION', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (input) => {
        try {
          decodeFrame(input);
        } catch (error) {
          expect(error).toBeInstanceOf(PairingError);
          expect(['MALFORMED', 'UNSUPPORTED_VERSION']).toContain((error as PairingError).code);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('names a future version as such, and rejects unknown types and short bodies', () => {
    expect(errorCode(() => decodeFrame(Uint8Array.of(2, 0x20)))).toBe('UNSUPPORTED_VERSION');
    expect(errorCode(() => decodeFrame(Uint8Array.of(1, 0x55)))).toBe('MALFORMED');
    expect(errorCode(() => decodeFrame(Uint8Array.of(1, 0x10, 1, 2, 3)))).toBe('MALFORMED');
    expect(errorCode(() => decodeFrame(Uint8Array.of(1, 0x7f, 0, 0, 0, 0, 0, 9)))).toBe('MALFORMED');
  });
});
