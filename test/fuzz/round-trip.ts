// The commonest decoder target: mutated genuine encodings fed to a decoder that must accept or
// throw its module's error, and whatever it accepts must re-encode to exactly the bytes it read
// (one message, one encoding: nothing for a peer to smuggle in a second spelling).
import { sameBytes } from './equal';
import { hostileBytes } from './mutate';
import { type FuzzTarget, defineTarget, invariant } from './target';

export function roundTripTarget<Value>(options: {
  readonly name: string;
  readonly description: string;
  readonly seeds: readonly Uint8Array[];
  readonly decode: (bytes: Uint8Array) => Value;
  readonly encode: (value: Value) => Uint8Array;
  readonly isExpected: (error: unknown) => boolean;
}): FuzzTarget {
  const { decode, encode } = options;
  return defineTarget({
    name: options.name,
    description: options.description,
    arbitrary: hostileBytes(options.seeds),
    run(bytes: Uint8Array) {
      invariant(sameBytes(encode(decode(bytes)), bytes), `${options.name}: accepted bytes do not re-encode to themselves`);
    },
    isExpected: options.isExpected,
  });
}
