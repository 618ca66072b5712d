// Transfer messages on the wire: every kind round-trips, control messages stay small, and any
// bytes parse to a message or a typed error.
import fc from 'fast-check';
import { DATA_HEADER_BYTES, REJECT_REASONS, type TransferMessage, decodeTransferMessage, encodeTransferMessage } from '../../audio/transfer-wire';
import { parsesOrAudioError, thrown } from './fixtures';

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const window = fc.integer({ min: 1, max: 1024 });
const message: fc.Arbitrary<TransferMessage> = fc.oneof(
  fc.record({ type: fc.constant('offer' as const), hash, total: fc.integer({ min: 1, max: 0xffffffff }), chunkSize: fc.integer({ min: 1, max: 0xffff }), window }),
  fc.record({ type: fc.constant('data' as const), tag: u16, index: u32, payload: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
  fc.record({ type: fc.constant('cancel' as const), tag: u16 }),
  fc.record({ type: fc.constant('sent' as const), tag: u16 }),
  window.chain((w) =>
    fc.record({ type: fc.constant('state' as const), tag: u16, next: u32, window: fc.constant(w), received: fc.uint8Array({ maxLength: Math.ceil(w / 8) }) }),
  ),
  fc.record({ type: fc.constant('done' as const), hash }),
  fc.record({ type: fc.constant('reject' as const), hash, reason: fc.constantFrom(...REJECT_REASONS) }),
);

describe('transfer messages', () => {
  it('round-trip every kind', () => {
    fc.assert(fc.property(message, (m) => expect(decodeTransferMessage(encodeTransferMessage(m))).toEqual(m)), { numRuns: 500 });
  });

  it('cost 7 bytes per data chunk, and a state for a 64-chunk window fits a 20-byte ATT payload', () => {
    expect(encodeTransferMessage({ type: 'data', tag: 1, index: 2, payload: new Uint8Array(100) })).toHaveLength(100 + DATA_HEADER_BYTES);
    expect(encodeTransferMessage({ type: 'state', tag: 1, next: 2, window: 64, received: new Uint8Array(8) }).length).toBeLessThanOrEqual(20);
    expect(encodeTransferMessage({ type: 'sent', tag: 1 })).toEqual(Uint8Array.of(0x06, 0, 1));
  });

  it('refuse unknown types, empty chunks, zero windows and trailing bytes as CORRUPT', () => {
    expect(thrown(() => decodeTransferMessage(Uint8Array.of(0x7f))).code).toBe('CORRUPT');
    expect(thrown(() => decodeTransferMessage(Uint8Array.of(0x02, 0, 1, 0, 0, 0, 0))).code).toBe('CORRUPT');
    expect(thrown(() => decodeTransferMessage(Uint8Array.of(0x11, 0, 1, 0, 0, 0, 0, 0, 0))).code).toBe('CORRUPT');
    expect(thrown(() => decodeTransferMessage(Uint8Array.of(0x03, 0, 1, 9))).code).toBe('CORRUPT');
    expect(thrown(() => decodeTransferMessage(Uint8Array.of(0x01, 1, 2))).code).toBe('TRUNCATED');
  });

  it('parse any bytes to a message or a typed error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => parsesOrAudioError(() => decodeTransferMessage(bytes))), { numRuns: 1000 });
  });
});
