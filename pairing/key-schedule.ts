// How pairing's pieces are bound together: CPace's inputs (the code as PRS, the toy id in CI,
// the phone's fresh sid), the Noise prologues, and the psk that turns CPace's ISK into the
// XXpsk3 pre-shared key. Both sides call these same functions, so they cannot drift apart.
import { concat, fromHex, utf8 } from './bytes';
import { codeToPrs, type PairingCode } from './code';
import { type CPaceInputs, lvCat } from './cpace';
import { DESTINATION_ID_BYTES } from './frame';
import { hkdfSha256, hmacSha256 } from './hkdf';
import { PSKLEN } from './noise/handshake-state';
import type { Sodium } from './sodium';

/** Names the protocol version in every label, so a peer of another version derives nothing. */
const LABEL = 'plushlink/3';
/** CPace associated data: fixed per side, so a peer of another protocol version gets no key. */
export const PHONE_AD = utf8(`${LABEL} phone`);
export const TOY_AD = utf8(`${LABEL} toy`);

export function cpaceInputs(code: PairingCode, toyId: string, sid: Uint8Array): CPaceInputs {
  return { prs: codeToPrs(code), ci: lvCat(utf8(`${LABEL} pairing`), fromHex(toyId)), sid };
}

/** XXpsk3 prologue: binds the handshake to the toy and to the CPace message that opened it. */
export function pairingPrologue(toyId: string, sid: Uint8Array, phoneShare: Uint8Array): Uint8Array {
  return lvCat(utf8(`${LABEL} pairing prologue`), fromHex(toyId), sid, phoneShare, PHONE_AD);
}

/** KK prologue: binds the session to the toy and to the hello's nonce and destination id. */
export function sessionPrologue(toyId: string, nonce: Uint8Array, destinationId: Uint8Array): Uint8Array {
  return lvCat(utf8(`${LABEL} session prologue`), fromHex(toyId), nonce, destinationId);
}

/**
 * SESSION_HELLO's destination id (after Matter CASE's, whose key is the fabric's IPK): HMAC-SHA256
 * over the label, the toy id and the fresh nonce under the bond's destination key, cut to 16
 * bytes. The destination key is 32 random bytes the toy drew for the bond and handed to the phone
 * inside the pairing session (pair confirm) or, for a phone added by its keys, to the owner inside
 * its session (add-member) for the grant. Only the bond's holders know it, and a fresh nonce makes
 * every hello's id different, so a sniffer cannot link one phone's sessions; the toy finds the
 * bond by trying each of its bonds (at most 16 HMACs, no DH: the static keys serve Noise alone).
 */
export function destinationId(sodium: Sodium, key: Uint8Array, toyId: string, nonce: Uint8Array): Uint8Array {
  return hmacSha256(sodium, key, utf8(`${LABEL} destination id`), fromHex(toyId), nonce).slice(0, DESTINATION_ID_BYTES);
}

/** The XXpsk3 psk: HKDF-SHA256 of CPace's ISK, as the draft recommends, salted by purpose. */
export function pskFromIsk(sodium: Sodium, isk: Uint8Array, sid: Uint8Array): Uint8Array {
  return hkdfSha256(sodium, utf8(`${LABEL} cpace to noise psk`), isk, sid, PSKLEN);
}

/**
 * The toy's key confirmation in XXpsk3 message 2: proof that the toy ran CPace with the same code.
 * The phone checks it before it writes message 3, whose first token is its static key (encrypted
 * only under keys a fake toy holds too: the psk is mixed in after it), so a fake toy that does not
 * know the code never learns the phone's key.
 */
export function toyConfirm(sodium: Sodium, psk: Uint8Array, handshakeHash: Uint8Array): Uint8Array {
  return hmacSha256(sodium, psk, utf8(`${LABEL} toy confirm`), handshakeHash);
}

/** What an intro signature signs: purpose and the handshake hash at the time of writing. */
export function introSignedBytes(who: 'toy' | 'phone', handshakeHash: Uint8Array): Uint8Array {
  return concat(utf8(`${LABEL} ${who} intro`), handshakeHash);
}
