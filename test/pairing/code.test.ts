// The pairing code: at least 27 bits, and a check digit that catches every single-digit error
// and every adjacent transposition (checked exhaustively over the table, and by property on codes).
import fc from 'fast-check';
import { CODE_LENGTH, CODE_RANDOM_DIGITS, dammCheckDigit, dammTable, formatPairingCode, generatePairingCode, parsePairingCode } from '../../pairing/code';
import { errorCode, returnsOrPairingError, useSodium } from './helpers';

const sodium = useSodium();
const body = fc.stringMatching(new RegExp(`^[0-9]{${CODE_RANDOM_DIGITS}}$`));
const withCheck = (digits: string) => digits + String(dammCheckDigit(digits));

describe('pairing code', () => {
  it('carries at least 27 bits of randomness', () => {
    expect(CODE_RANDOM_DIGITS * Math.log2(10)).toBeGreaterThanOrEqual(27);
  });

  it('uses the Damm check digit (572 -> 4, the published example)', () => {
    expect(dammCheckDigit('572')).toBe(4);
    expect(dammCheckDigit('5724')).toBe(0);
  });

  it('uses a table that is weakly totally anti-symmetric with a zero diagonal', () => {
    const t = dammTable();
    for (let c = 0; c < 10; c++) {
      expect((t[c] as readonly number[])[c]).toBe(0);
      for (let x = 0; x < 10; x++) {
        for (let y = 0; y < 10; y++) {
          const cx = (t[c] as readonly number[])[x] as number;
          const cy = (t[c] as readonly number[])[y] as number;
          if (x !== y) expect((t[cx] as readonly number[])[y]).not.toBe((t[cy] as readonly number[])[x]);
        }
      }
    }
  });

  it('generates valid ten-digit codes that parse back', () => {
    for (let i = 0; i < 50; i++) {
      const code = generatePairingCode(sodium());
      expect(code).toHaveLength(CODE_LENGTH);
      expect(parsePairingCode(formatPairingCode(code))).toBe(code);
    }
  });

  it('property: any single mistyped digit is BAD_CHECK_DIGIT', () => {
    fc.assert(
      fc.property(body, fc.nat({ max: CODE_LENGTH - 1 }), fc.integer({ min: 1, max: 9 }), (digits, at, delta) => {
        const code = withCheck(digits);
        const wrong = code.slice(0, at) + String((Number(code[at]) + delta) % 10) + code.slice(at + 1);
        expect(errorCode(() => parsePairingCode(wrong))).toBe('BAD_CHECK_DIGIT');
      }),
      { numRuns: 300 },
    );
  });

  it('property: any swap of two different adjacent digits is BAD_CHECK_DIGIT', () => {
    fc.assert(
      fc.property(body, fc.nat({ max: CODE_LENGTH - 2 }), (digits, at) => {
        const code = withCheck(digits);
        fc.pre(code[at] !== code[at + 1]);
        const swapped = code.slice(0, at) + code[at + 1] + code[at] + code.slice(at + 2);
        expect(errorCode(() => parsePairingCode(swapped))).toBe('BAD_CHECK_DIGIT');
      }),
      { numRuns: 300 },
    );
  });

  it('accepts spaces and dashes, rejects anything else as MALFORMED', () => {
    const code = withCheck('123456789');
    expect(parsePairingCode(` ${code.slice(0, 3)}-${code.slice(3, 6)} ${code.slice(6)} `)).toBe(code);
    expect(errorCode(() => parsePairingCode(code.slice(1)))).toBe('MALFORMED');
    expect(errorCode(() => parsePairingCode(`${code}0`))).toBe('MALFORMED');
    expect(errorCode(() => parsePairingCode(code.replace('5', 'S')))).toBe('MALFORMED');
  });

  it('property: arbitrary strings parse or give a PairingError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (input) => returnsOrPairingError(() => parsePairingCode(input))),
      { numRuns: 300 },
    );
  });
});
