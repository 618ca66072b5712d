// Key types shared by pairing/ (sessions, bonds) and audio/ (sealed voice envelopes).
// Every party (a toy or a phone) holds three long-term key pairs, one per role, so that no key
// ever serves two constructions: an X25519 static key used only inside Noise (pairing and
// sessions), an X25519 envelope key used only to wrap and unwrap envelope content keys, and an
// Ed25519 key used only for signatures.

/** An X25519 key pair (32-byte public key, 32-byte secret key). */
export interface StaticKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** An Ed25519 key pair as libsodium holds it (32-byte public key, 64-byte secret key). */
export interface SigningKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** The long-term keys one party owns. */
export interface PartyKeys {
  /** Noise `s`: pairing (XXpsk3) and sessions (KK) only. */
  readonly static: StaticKeyPair;
  /** Sealed envelopes only: envelopes are sealed to it and opened with it (audio/envelope.ts). */
  readonly envelope: StaticKeyPair;
  readonly signing: SigningKeyPair;
}

/** What one party knows of another's long-term keys (public halves only). */
export interface PeerPublicKeys {
  readonly static: Uint8Array;
  readonly envelope: Uint8Array;
  readonly signing: Uint8Array;
}
