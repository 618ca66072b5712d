// The phone's side: pinning the toy's keys from the QR payload, passing on the toy's refusals,
// and refusing bad arguments before anything is sent.
import { utf8 } from '../../pairing/bytes';
import { generatePartyKeys, keyFingerprint, publicKeys } from '../../pairing/identity';
import { PhoneConnection } from '../../pairing/phone';
import { parseQrPayload, encodeQrPayload } from '../../pairing/qr';
import { errorCode, useSodium } from './helpers';
import { eventTypes, newToy, pump } from './world';

const sodium = useSodium();

describe('PhoneConnection', () => {
  it('pairs from a scanned QR payload when the toy keys match its fingerprint', () => {
    const toy = newToy(sodium());
    toy.pawPress(0);
    const fingerprint = keyFingerprint(sodium(), publicKeys(toy.identity.keys));
    const qr = parseQrPayload(encodeQrPayload({ toyId: toy.identity.toyId, code: toy.identity.code, fingerprint }));
    const { connection, frame } = PhoneConnection.pair(sodium(), { keys: generatePartyKeys(sodium()), ...qr });
    expect(eventTypes(pump(connection, toy.connect(), frame, 1).phone)).toEqual(['paired']);
  });

  it('stops with FINGERPRINT_MISMATCH when another toy with the same id and code answers', () => {
    const real = newToy(sodium());
    const fingerprint = keyFingerprint(sodium(), publicKeys(real.identity.keys));
    const lookalike = newToy(sodium());
    lookalike.pawPress(0);
    const { connection, frame } = PhoneConnection.pair(sodium(), {
      keys: generatePartyKeys(sodium()),
      toyId: lookalike.identity.toyId,
      code: lookalike.identity.code,
      fingerprint,
    });
    const exchange = pump(connection, lookalike.connect(), frame, 1);
    expect(eventTypes(exchange.phone)).toEqual(['rejected:FINGERPRINT_MISMATCH']);
    expect(exchange.frames.map((f) => f.from)).toEqual(['phone', 'toy']);
    expect(lookalike.bonds.list()).toHaveLength(0);
  });

  it('reports a refusal by its reason and then accepts nothing more', () => {
    const toy = newToy(sodium());
    const { connection, frame } = PhoneConnection.pair(sodium(), {
      keys: generatePartyKeys(sodium()),
      toyId: toy.identity.toyId,
      code: toy.identity.code,
    });
    const toyConnection = toy.connect();
    const refusal = toyConnection.receive(frame, 1).send[0] as Uint8Array;
    expect(eventTypes(connection.receive(refusal, 1).events)).toEqual(['rejected:WINDOW_CLOSED']);
    expect(eventTypes(connection.receive(refusal, 1).events)).toEqual(['rejected:CLOSED']);
  });

  it('refuses a malformed toy id or an over-long label, and sending before a session', () => {
    const toy = newToy(sodium());
    const base = { keys: generatePartyKeys(sodium()), toyId: toy.identity.toyId, code: toy.identity.code };
    expect(errorCode(() => PhoneConnection.pair(sodium(), { ...base, toyId: 'toy' }))).toBe('MALFORMED');
    expect(errorCode(() => PhoneConnection.pair(sodium(), { ...base, label: 'x'.repeat(65) }))).toBe('INVALID_ARGUMENT');
    const { connection } = PhoneConnection.pair(sodium(), base);
    expect(errorCode(() => connection.send(utf8('too early')))).toBe('CLOSED');
    expect(errorCode(() => connection.receive(new Uint8Array(0), Number.POSITIVE_INFINITY))).toBe('INVALID_ARGUMENT');
  });
});
