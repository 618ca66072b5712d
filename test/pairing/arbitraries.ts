// fast-check generators shared by the property tests: well-formed protocol messages of every
// type (with arbitrary contents), and arbitrary byte strings.
import fc from 'fast-check';
import { type Message, REFUSAL_REASONS } from '../../pairing/frame';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const some = fc.uint8Array({ maxLength: 200 });

export const anyMessage: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('PAIR_HELLO' as const), sid: bytes(16), share: bytes(32), ad: fc.uint8Array({ maxLength: 255 }), noise: some }),
  fc.record({ type: fc.constant('PAIR_REPLY' as const), share: bytes(32), ad: fc.uint8Array({ maxLength: 255 }), noise: some }),
  fc.record({ type: fc.constant('PAIR_FINISH' as const), noise: some }),
  fc.record({ type: fc.constant('SESSION_HELLO' as const), nonce: bytes(16), destinationId: bytes(16), noise: some }),
  fc.record({ type: fc.constant('SESSION_ACCEPT' as const), noise: some }),
  fc.record({ type: fc.constant('TRANSPORT' as const), message: some }),
  fc.record({
    type: fc.constant('REFUSED' as const),
    reason: fc.constantFrom(...REFUSAL_REASONS),
    retryAfterMs: fc.integer({ min: 0, max: 0xffffffff }),
  }),
);
