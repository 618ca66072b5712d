// The frame format: version | type | body. Every message round-trips, and any bytes at all
// decode to a message or a PairingError (MALFORMED or UNSUPPORTED_VERSION), never another error.
import fc from 'fast-check';
import { PROTOCOL_VERSION, decodeFrame, encodeFrame } from '../../pairing/frame';
import { anyMessage } from './arbitraries';
import { errorCode, returnsOrPairingError } from './helpers';

describe('frame format', () => {
  it('property: every message round-trips and starts with the protocol version', () => {
    fc.assert(
      fc.property(anyMessage, (m) => {
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
        returnsOrPairingError(() => decodeFrame(input), ['MALFORMED', 'UNSUPPORTED_VERSION']);
      }),
      { numRuns: 300 },
    );
  });

  it('names another version (the old 1 and 2, a future 4) as such, and rejects unknown types and short bodies', () => {
    for (const version of [1, 2, 4]) expect(errorCode(() => decodeFrame(Uint8Array.of(version, 0x20)))).toBe('UNSUPPORTED_VERSION');
    expect(errorCode(() => decodeFrame(Uint8Array.of(3, 0x55)))).toBe('MALFORMED');
    expect(errorCode(() => decodeFrame(Uint8Array.of(3, 0x10, 1, 2, 3)))).toBe('MALFORMED');
    expect(errorCode(() => decodeFrame(Uint8Array.of(3, 0x7f, 0, 0, 0, 0, 0, 9)))).toBe('MALFORMED');
  });
});
