// Mutation of genuine inputs, so fuzzing gets past magic numbers, lengths and checksums that
// random bytes almost never satisfy: bit flips, interesting values at u8/u16/u32 positions,
// truncation, insertion, deletion, duplication and splices of two genuine inputs. Mutations are
// plain data, so fast-check shrinks a failing input to the fewest and smallest edits.
import fc from 'fast-check';

type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly width: 1 | 2 | 4; readonly value: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly op: 'splice'; readonly at: number; readonly other: number; readonly from: number };

/** Values that sit on boundaries of lengths, counts and signedness. */
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

const position = fc.nat({ max: 0xffff });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      at: position,
      width: fc.constantFrom(1 as const, 2 as const, 4 as const),
      value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat({ max: 0xffffffff })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: position }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('splice' as const), at: position, other: fc.nat(), from: position }) },
);

function setUint(bytes: Uint8Array, at: number, width: 1 | 2 | 4, value: number): void {
  // Little-endian or big-endian both occur in our formats; the low bit of `at` picks one.
  const bigEndian = (at & 1) === 1;
  for (let i = 0; i < width && at + i < bytes.length; i++) {
    const shift = 8 * (bigEndian ? width - 1 - i : i);
    bytes[at + i] = (value >>> shift) & 0xff;
  }
}

function apply(input: Uint8Array, m: Mutation, seeds: readonly Uint8Array[]): Uint8Array {
  const at = input.length === 0 ? 0 : m.at % (input.length + 1);
  switch (m.op) {
    case 'flip': {
      if (input.length === 0) return input;
      const out = input.slice();
      const i = m.at % input.length;
      out[i] = (out[i] as number) ^ (1 << m.bit);
      return out;
    }
    case 'set': {
      if (input.length === 0) return input;
      const out = input.slice();
      setUint(out, m.at % input.length, m.width, m.value);
      return out;
    }
    case 'truncate':
      return input.slice(0, at);
    case 'insert':
      return concat([input.subarray(0, at), m.bytes, input.subarray(at)]);
    case 'delete':
      return concat([input.subarray(0, at), input.subarray(at + m.length)]);
    case 'duplicate':
      return concat([input.subarray(0, at + m.length), input.subarray(at, at + m.length), input.subarray(at + m.length)]);
    case 'splice': {
      const other = seeds[m.other % seeds.length] as Uint8Array;
      return concat([input.subarray(0, at), other.subarray(other.length === 0 ? 0 : m.from % other.length)]);
    }
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (out.set(p, offset), offset + p.length), 0);
  return out;
}

/** A genuine input with 0-5 mutations applied (0 keeps the genuine input itself in play). */
export function mutant(seeds: readonly Uint8Array[], maxMutations = 5): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) throw new Error('mutant() needs at least one genuine input');
  return fc
    .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { maxLength: maxMutations }))
    .map(([index, mutations]) => mutations.reduce((bytes, m) => apply(bytes, m, seeds), seeds[index] as Uint8Array));
}

/** Mostly mutants of genuine inputs, some pure random bytes. */
export function hostileBytes(seeds: readonly Uint8Array[], maxRandomLength = 300): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ weight: 3, arbitrary: mutant(seeds) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: maxRandomLength }) });
}

const latin1 = new TextDecoder('latin1');
const encoder = new TextEncoder();

/** The same for text formats: mutants of genuine strings (edited as bytes) and random strings. */
export function hostileText(seeds: readonly string[]): fc.Arbitrary<string> {
  const asBytes = seeds.map((s) => encoder.encode(s));
  return fc.oneof(
    { weight: 3, arbitrary: mutant(asBytes).map((b) => latin1.decode(b)) },
    { weight: 1, arbitrary: mutant(asBytes).map((b) => new TextDecoder().decode(b)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }) },
  );
}
