// CPace, the balanced PAKE on the pairing code, as specified by draft-irtf-cfrg-cpace-21
// (cipher suite CPACE-RISTR255-SHA512, initiator-responder setting). The code itself never
// crosses the air: each side sends one ristretto255 element and both derive the same ISK only
// if they used the same code, so an eavesdropper or a fake toy gets one online guess per run.
import { concat, utf8 } from './bytes';
import { PairingError, guard } from './errors';
import type { Sodium } from './sodium';

export const CPACE_DRAFT = 'draft-irtf-cfrg-cpace-21';
export const CPACE_SUITE = 'CPACE-RISTR255-SHA512';

const DSI = utf8('CPaceRistretto255');
const DSI_ISK = utf8('CPaceRistretto255_ISK');
/** SHA-512's input block size: the zero padding makes PRS fill the first hash block. */
const SHA512_BLOCK = 128;
const GROUP_SIZE_BYTES = 32;

/** LEB128 length prefix (the draft's prepend_len). */
export function prependLen(data: Uint8Array): Uint8Array {
  const prefix: number[] = [];
  let length = data.length;
  do {
    prefix.push(length < 128 ? length : (length & 0x7f) | 0x80);
    length = Math.floor(length / 128);
  } while (length > 0);
  return concat(Uint8Array.from(prefix), data);
}

/** The draft's lv_cat: every part with its length prepended. */
export function lvCat(...parts: readonly Uint8Array[]): Uint8Array {
  return concat(...parts.map(prependLen));
}

export function generatorString(dsi: Uint8Array, prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const zpad = Math.max(0, SHA512_BLOCK - 1 - prependLen(prs).length - prependLen(dsi).length);
  return lvCat(dsi, prs, new Uint8Array(zpad), ci, sid);
}

/** G.calculate_generator: the encoded generator g derived from the code and the session. */
export function calculateGenerator(sodium: Sodium, prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const hash = sodium.crypto_hash_sha512(generatorString(DSI, prs, ci, sid));
  return sodium.crypto_core_ristretto255_from_hash(hash);
}

/**
 * G.sample_scalar: a uniformly random non-zero scalar below the group order, from libsodium's
 * crypto_core_ristretto255_scalar_random (masking random bytes, as before, was slightly biased
 * and could give zero).
 */
export function sampleScalar(sodium: Sodium): Uint8Array {
  return sodium.crypto_core_ristretto255_scalar_random();
}

/** G.scalar_mult_vfy: y * X, or INVALID_POINT where the draft returns G.I (bad encoding or identity). */
export function scalarMultVfy(sodium: Sodium, scalar: Uint8Array, point: Uint8Array): Uint8Array {
  if (point.length !== GROUP_SIZE_BYTES) throw new PairingError('INVALID_POINT', 'ristretto255 element length');
  return guard('INVALID_POINT', () => sodium.crypto_scalarmult_ristretto255(scalar, point));
}

/** transcript_ir(Ya, ADa, Yb, ADb): the initiator's message first. */
export function transcriptIr(ya: Uint8Array, ada: Uint8Array, yb: Uint8Array, adb: Uint8Array): Uint8Array {
  return concat(lvCat(ya, ada), lvCat(yb, adb));
}

/** One party's view of the public inputs (the draft's PRS, CI, sid). */
export interface CPaceInputs {
  /** Password-related string: here the canonical pairing code. */
  readonly prs: Uint8Array;
  /** Channel identifier: binds the run to this protocol and this toy. */
  readonly ci: Uint8Array;
  /** Session id: fresh public randomness chosen by the initiator. */
  readonly sid: Uint8Array;
}

/** One CPace message: the public share and its associated data. */
export interface CPaceMessage {
  readonly share: Uint8Array;
  readonly ad: Uint8Array;
}

/** A CPace party between sending its share and receiving the peer's. */
export class CPace {
  private scalar: Uint8Array | undefined;
  readonly own: CPaceMessage;

  /** `scalar` is for the draft's test vectors; production code lets it be sampled. */
  constructor(
    private readonly sodium: Sodium,
    readonly role: 'initiator' | 'responder',
    private readonly inputs: CPaceInputs,
    ad: Uint8Array,
    scalar: Uint8Array = sampleScalar(sodium),
  ) {
    this.scalar = scalar;
    const g = calculateGenerator(sodium, inputs.prs, inputs.ci, inputs.sid);
    this.own = { share: sodium.crypto_scalarmult_ristretto255(scalar, g), ad };
  }

  /** The ISK (64 bytes) from the peer's message; INVALID_POINT aborts as the draft requires. Single use. */
  finish(peer: CPaceMessage): Uint8Array {
    const scalar = this.scalar;
    if (scalar === undefined) throw new PairingError('CLOSED', 'CPace already finished');
    this.scalar = undefined;
    try {
      // A reflected share (the peer sent ours back) gives both sides the same view: refuse it,
      // as the draft's initiator-responder setting asks (Ya != Yb).
      if (peer.share.length === this.own.share.length && this.sodium.memcmp(peer.share, this.own.share)) {
        throw new PairingError('INVALID_POINT', 'the peer sent our own CPace share back');
      }
      const k = scalarMultVfy(this.sodium, scalar, peer.share);
      const [a, b] = this.role === 'initiator' ? [this.own, peer] : [peer, this.own];
      const transcript = transcriptIr(a.share, a.ad, b.share, b.ad);
      return this.sodium.crypto_hash_sha512(concat(lvCat(DSI_ISK, this.inputs.sid, k), transcript));
    } finally {
      this.sodium.memzero(scalar);
    }
  }
}
