// Gives back what libsodium-wrappers leaves in libsodium's wasm heap. Its
// crypto_secretstream_xchacha20poly1305_init_push/init_pull malloc the 52-byte state and nothing in
// the wrappers ever frees it (there is no "final" for a secretstream); a crypto_generichash state is
// freed by crypto_generichash_final only, so one abandoned by an error stays. Left alone, each
// streamed envelope sealed or opened kept 56 bytes of heap for good (measured: docs/PROTOCOL.md
// section 10.3). The wrappers free their own states with the module's _free (as
// crypto_generichash_final does); so does this, through the module they expose.
import type { Sodium } from './sodium';

interface SodiumModule {
  readonly HEAPU8: Uint8Array;
  _free(address: number): void;
  _crypto_secretstream_xchacha20poly1305_statebytes(): number;
}

type StateAddress = ReturnType<Sodium['crypto_generichash_init']>;

function sodiumModule(sodium: Sodium): SodiumModule {
  return (sodium as unknown as { libsodium: SodiumModule }).libsodium;
}

/** The heap address a state is: a plain number at run time, whatever the type declarations say. */
function addressOf(state: StateAddress): number {
  const value = state as unknown;
  return typeof value === 'number' ? value : (value as { address: number }).address;
}

/** Wipes (it holds the stream's key and nonce) and frees a secretstream state; use it no more. */
export function freeSecretstreamState(sodium: Sodium, state: StateAddress): void {
  const module = sodiumModule(sodium);
  const address = addressOf(state);
  module.HEAPU8.fill(0, address, address + module._crypto_secretstream_xchacha20poly1305_statebytes());
  module._free(address);
}

/** Frees a crypto_generichash state abandoned before crypto_generichash_final (which frees it). */
export function freeAbandonedHashState(sodium: Sodium, state: StateAddress): void {
  sodiumModule(sodium)._free(addressOf(state));
}
