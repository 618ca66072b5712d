// The QR payload: a URI with toy id, code and key fingerprint that round-trips, and strict
// parsing that gives a typed error for anything else.
import fc from 'fast-check';
import { keyFingerprint, provisionToy, publicKeys } from '../../pairing/identity';
import { encodeQrPayload, parseQrPayload } from '../../pairing/qr';
import { errorCode, returnsOrPairingError, useSodium } from './helpers';

const sodium = useSodium();

describe('QR payload', () => {
  it('round-trips a provisioned toy and pins its key fingerprint', () => {
    const toy = provisionToy(sodium());
    const fingerprint = keyFingerprint(sodium(), publicKeys(toy.keys));
    const uri = encodeQrPayload({ toyId: toy.toyId, code: toy.code, fingerprint });
    expect(uri).toMatch(/^plushlink:\/\/pair\?v=1&id=[0-9a-f]{16}&code=[0-9]{10}&fp=[0-9a-f]{32}$/);
    expect(parseQrPayload(uri)).toEqual({ toyId: toy.toyId, code: toy.code, fingerprint });
    const other = provisionToy(sodium());
    expect(keyFingerprint(sodium(), publicKeys(other.keys))).not.toEqual(fingerprint);
  });

  it('gives typed errors for a wrong scheme, version, duplicate or unknown field, bad code', () => {
    const toy = provisionToy(sodium());
    const good = encodeQrPayload({ toyId: toy.toyId, code: toy.code, fingerprint: new Uint8Array(16) });
    expect(errorCode(() => parseQrPayload(good.replace('plushlink', 'http')))).toBe('MALFORMED');
    expect(errorCode(() => parseQrPayload(good.replace('v=1', 'v=2')))).toBe('UNSUPPORTED_VERSION');
    expect(errorCode(() => parseQrPayload(`${good}&v=1`))).toBe('MALFORMED');
    expect(errorCode(() => parseQrPayload(`${good}&x=1`))).toBe('MALFORMED');
    expect(errorCode(() => parseQrPayload(good.replace(/fp=.*/, 'fp=00')))).toBe('MALFORMED');
    const lastDigit = Number(toy.code.at(-1));
    const mistyped = good.replace(`code=${toy.code}`, `code=${toy.code.slice(0, -1)}${(lastDigit + 1) % 10}`);
    expect(errorCode(() => parseQrPayload(mistyped))).toBe('BAD_CHECK_DIGIT');
  });

  it('property: arbitrary strings (and mutations of a good URI) parse or give a PairingError', () => {
    const good = 'plushlink://pair?v=1&id=0123456789abcdef&code=5724000000&fp=' + '00'.repeat(16);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.tuple(fc.nat({ max: good.length }), fc.string({ maxLength: 5 })).map(([at, s]) => good.slice(0, at) + s + good.slice(at))), (input) => returnsOrPairingError(() => parseQrPayload(input))),
      { numRuns: 300 },
    );
  });
});
