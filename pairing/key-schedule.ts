// How pairing's pieces are bound together: CPace's inputs (the code as PRS, the toy id in CI,
// the phone's fresh sid), the Noise prologues, and the psk that turns CPace's ISK into the
// XXpsk3 pre-shared key. Both sides call these same functions, so they cannot drift apart.
import { concat, fromHex, utf8 } from './bytes';
import { codeToPrs, type PairingCode } from './code';
import { type CPaceInputs, lvCat } from './cpace';
import { hkdfSha256 } from './hkdf';
import { PSKLEN } from './noise/handshake-state';
import type { Sodium } from './sodium';

/** Names the protocol version in every label, so a peer of another version derives nothing. */
const LABEL = 'plushlink/2';
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

/** KK prologue: binds the session to the toy and the bond it was opened for. */
export function sessionPrologue(toyId: string, bondId: string): Uint8Array {
  return lvCat(utf8(`${LABEL} session prologue`), fromHex(toyId), fromHex(bondId));
}

/** The XXpsk3 psk: HKDF-SHA256 of CPace's ISK, as the draft recommends, salted by purpose. */
export function pskFromIsk(sodium: Sodium, isk: Uint8Array, sid: Uint8Array): Uint8Array {
  return hkdfSha256(sodium, utf8(`${LABEL} cpace to noise psk`), isk, sid, PSKLEN);
}

/** What an intro signature signs: purpose and the handshake hash at the time of writing. */
export function introSignedBytes(who: 'toy' | 'phone', handshakeHash: Uint8Array): Uint8Array {
  return concat(utf8(`${LABEL} ${who} intro`), handshakeHash);
}
