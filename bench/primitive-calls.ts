// The libsodium calls a piece of protocol code makes, recorded once (function and copies of its
// arguments) and replayed alone, so a benchmark can put the protocol's CPU time beside the cost of
// exactly the primitives it used, measured in the same run on the same inputs.
import type { Sodium } from '../pairing/sodium';

export interface PrimitiveCall {
  readonly name: string;
  readonly args: readonly unknown[];
  /** Streaming hashes hand a state from _init to _update and _final: replay threads it through. */
  readonly result?: unknown;
}

const copy = (value: unknown): unknown => (value instanceof Uint8Array ? value.slice() : value);

/**
 * pairing/noise/chachapoly.ts calls the AEAD through libsodium's wasm exports on its own heap
 * buffer; those calls are recorded as the equivalent wrapper calls (same lengths, a valid
 * ciphertext for decryption), i.e. as "the raw AEAD", which is what the benchmark compares with.
 */
function recordingWasm(sodium: Sodium, wasm: object, calls: PrimitiveCall[]): object {
  const nonce = new Uint8Array(12);
  const key = sodium.randombytes_buf(32);
  return new Proxy(wasm, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === '_crypto_aead_chacha20poly1305_ietf_encrypt') {
        return (...args: number[]) => {
          calls.push({ name: 'crypto_aead_chacha20poly1305_ietf_encrypt', args: [sodium.randombytes_buf(args[3]!), sodium.randombytes_buf(args[6]!), null, nonce, key] });
          return (value as (...a: number[]) => number).apply(target, args);
        };
      }
      if (property === '_crypto_aead_chacha20poly1305_ietf_decrypt') {
        return (...args: number[]) => {
          const ad = sodium.randombytes_buf(args[7]!);
          const ciphertext = sodium.crypto_aead_chacha20poly1305_ietf_encrypt(sodium.randombytes_buf(args[4]! - 16), ad, null, nonce, key);
          calls.push({ name: 'crypto_aead_chacha20poly1305_ietf_decrypt', args: [null, ciphertext, ad, nonce, key] });
          return (value as (...a: number[]) => number).apply(target, args);
        };
      }
      return value;
    },
  });
}

/** A libsodium whose every function call is appended to `calls` (arguments copied as called). */
export function recordingSodium(sodium: Sodium, calls: PrimitiveCall[]): Sodium {
  return new Proxy(sodium, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'libsodium') return recordingWasm(target, value as object, calls);
      if (typeof value !== 'function' || typeof property !== 'string' || !property.startsWith('crypto_') && !property.startsWith('randombytes')) return value;
      return (...args: unknown[]) => {
        const recorded = args.map(copy);
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        calls.push({ name: property, args: recorded, result });
        return result;
      };
    },
  });
}

/**
 * Replays `calls` on `sodium` once. With `spent`, adds each function's time (ms) to it (the
 * clock then costs a little per call: use the untimed replay for totals).
 */
export function replay(sodium: Sodium, calls: readonly PrimitiveCall[], spent?: Map<string, number>): void {
  const states = new Map<unknown, unknown>();
  for (const call of calls) {
    const fn = (sodium as unknown as Record<string, (...a: unknown[]) => unknown>)[call.name]!;
    const args = call.name.endsWith('_update') || call.name.endsWith('_final') ? [states.get(call.args[0]) ?? call.args[0], ...call.args.slice(1)] : call.args;
    const t0 = spent ? performance.now() : 0;
    const result = fn.apply(sodium, args as unknown[]);
    if (spent) spent.set(call.name, (spent.get(call.name) ?? 0) + performance.now() - t0);
    if (call.name.endsWith('_init')) states.set(call.result, result);
  }
}

/** How many calls of each function. */
export function countCalls(calls: readonly PrimitiveCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of calls) counts[c.name] = (counts[c.name] ?? 0) + 1;
  return counts;
}
