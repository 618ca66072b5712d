// The transport layer: messages arrive exactly once, in order, unaltered, or not at all.
import fc from 'fast-check';
import { utf8 } from '../../pairing/bytes';
import { errorCode, useSodium } from './helpers';
import { sessionPair } from './session-pair';

const sodium = useSodium();

describe('Session (transport messages with counters)', () => {
  it('delivers messages in both directions and counts them', () => {
    const { phone, toy } = sessionPair(sodium());
    expect(new TextDecoder().decode(toy.open(phone.seal(utf8('play 1'))))).toBe('play 1');
    expect(new TextDecoder().decode(phone.open(toy.seal(utf8('ok'))))).toBe('ok');
    expect(phone.counters).toEqual({ send: 1n, receive: 1n });
    expect(phone.handshakeHash).toEqual(toy.handshakeHash);
  });

  it('rejects a replayed message as REPLAY', () => {
    const { phone, toy } = sessionPair(sodium());
    const first = phone.seal(utf8('a'));
    toy.open(first);
    expect(errorCode(() => toy.open(first))).toBe('REPLAY');
  });

  it('rejects a message that overtook an earlier one as OUT_OF_ORDER, and still takes the earlier one', () => {
    const { phone, toy } = sessionPair(sodium());
    const first = phone.seal(utf8('a'));
    const second = phone.seal(utf8('b'));
    expect(errorCode(() => toy.open(second))).toBe('OUT_OF_ORDER');
    expect(toy.open(first)).toEqual(utf8('a'));
    expect(toy.open(second)).toEqual(utf8('b'));
  });

  it('rejects truncated messages as MALFORMED or DECRYPT_FAILED', () => {
    const { phone, toy } = sessionPair(sodium());
    const message = phone.seal(utf8('hello'));
    expect(errorCode(() => toy.open(message.subarray(0, 7)))).toBe('MALFORMED');
    expect(errorCode(() => toy.open(message.subarray(0, 8 + 15)))).toBe('MALFORMED');
    expect(errorCode(() => toy.open(message.subarray(0, message.length - 1)))).toBe('DECRYPT_FAILED');
    expect(toy.open(message)).toEqual(utf8('hello'));
  });

  it('property: any flipped bit is rejected and the genuine message is still accepted after it', () => {
    const { phone, toy } = sessionPair(sodium());
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (plaintext, bitSeed) => {
        const message = phone.seal(plaintext);
        const bit = bitSeed % (message.length * 8);
        const altered = message.slice();
        altered[bit >> 3] = (altered[bit >> 3] as number) ^ (1 << (bit & 7));
        const code = errorCode(() => toy.open(altered));
        expect(['REPLAY', 'OUT_OF_ORDER', 'DECRYPT_FAILED']).toContain(code);
        expect(toy.open(message)).toEqual(plaintext);
      }),
      { numRuns: 200 },
    );
  });

  it('property: in any delivery order, only the in-order prefix is delivered, each message once', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 7 }), { minLength: 1, maxLength: 20 }), (deliveries) => {
        const { phone, toy } = sessionPair(sodium());
        const sent = Array.from({ length: 8 }, (_, i) => phone.seal(Uint8Array.of(i)));
        const delivered: number[] = [];
        for (const index of deliveries) {
          try {
            delivered.push(toy.open(sent[index] as Uint8Array)[0] as number);
          } catch (error) {
            expect(['REPLAY', 'OUT_OF_ORDER']).toContain(errorCode(() => { throw error; }));
          }
        }
        expect(delivered).toEqual(delivered.map((_, i) => i));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses everything once closed', () => {
    const { phone } = sessionPair(sodium());
    phone.close();
    expect(errorCode(() => phone.seal(utf8('x')))).toBe('CLOSED');
  });
});
