// Key types shared by pairing/ (sessions, bonds) and audio/ (sealed voice envelopes).
// Every party (a toy or a phone) holds two long-term key pairs: an X25519 static key for Noise
// sessions and envelope encryption, and an Ed25519 key for signatures.

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
  readonly static: StaticKeyPair;
  readonly signing: SigningKeyPair;
}

/** What one party knows of another's long-term keys (public halves only). */
export interface PeerPublicKeys {
  readonly static: Uint8Array;
  readonly signing: Uint8Array;
}
