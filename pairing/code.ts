// The pairing code printed on the toy's tag: 9 random decimal digits (~29.9 bits, above Matter's
// 27) and a Damm check digit, which catches every single-digit error and every adjacent
// transposition, so a typo is reported as a typo and never costs one of the three tries.
import { PairingError } from './errors';
import { utf8 } from './bytes';
import type { Sodium } from './sodium';

export const CODE_RANDOM_DIGITS = 9;
export const CODE_LENGTH = CODE_RANDOM_DIGITS + 1;

/** Ten ASCII digits whose last is the Damm check digit of the first nine. */
export type PairingCode = string & { readonly __brand: 'PairingCode' };

// Damm's totally anti-symmetric quasigroup of order 10 (H. M. Damm, 2004), as commonly published.
const DAMM: readonly (readonly number[])[] = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

export function dammTable(): readonly (readonly number[])[] {
  return DAMM;
}

/** The interim digit after all of `digits`: the check digit to append, or 0 if already valid. */
export function dammCheckDigit(digits: string): number {
  let interim = 0;
  for (const ch of digits) {
    const d = ch.charCodeAt(0) - 48;
    if (d < 0 || d > 9) throw new PairingError('MALFORMED', 'not a digit');
    interim = (DAMM[interim] as readonly number[])[d] as number;
  }
  return interim;
}

/** A fresh uniformly random code. */
export function generatePairingCode(sodium: Sodium): PairingCode {
  const body = String(sodium.randombytes_uniform(10 ** CODE_RANDOM_DIGITS)).padStart(CODE_RANDOM_DIGITS, '0');
  return (body + String(dammCheckDigit(body))) as PairingCode;
}

/**
 * Parses what a person typed: spaces and dashes are ignored. MALFORMED for anything but ten
 * digits, BAD_CHECK_DIGIT when the check digit does not match.
 */
export function parsePairingCode(input: string): PairingCode {
  if (typeof input !== 'string' || input.length > 64) throw new PairingError('MALFORMED', 'pairing code');
  const digits = input.replace(/[\s-]/g, '');
  if (!/^[0-9]+$/.test(digits) || digits.length !== CODE_LENGTH) {
    throw new PairingError('MALFORMED', `a pairing code is ${CODE_LENGTH} digits`);
  }
  if (dammCheckDigit(digits) !== 0) throw new PairingError('BAD_CHECK_DIGIT', 'check digit does not match: a typo?');
  return digits as PairingCode;
}

/** How the tag prints it: two groups of five. */
export function formatPairingCode(code: PairingCode): string {
  return `${code.slice(0, 5)} ${code.slice(5)}`;
}

/** CPace's PRS: the canonical ten digits as ASCII. */
export function codeToPrs(code: PairingCode): Uint8Array {
  return utf8(code);
}
