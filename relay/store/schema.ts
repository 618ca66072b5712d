// The relay's tables as Kysely sees them: the whole of what a relay stores. Every column is
// random, a public key, a size, a coarse hour or ciphertext (docs/RELAY.md walks through them).
export interface MailboxTable {
  /** Random 16-byte id, base64url. */
  readonly id: string;
  /** The owner's per-toy Ed25519 public key (key id). */
  readonly owner_key: string;
  readonly roster_version: number;
  /** The owner's signature over the roster (roster.ts), so members can check it. */
  readonly roster_signature: string;
  readonly created_hour: number;
  /** Padded bytes and count of envelopes held, for the quota. */
  readonly bytes_used: number;
  readonly envelope_count: number;
}

export interface MemberTable {
  readonly mailbox_id: string;
  readonly member_key: string;
  /** Position in the signed roster, so the roster can be re-served exactly as signed. */
  readonly position: number;
}

export interface EnvelopeTable {
  readonly mailbox_id: string;
  /** The envelope's own random id (from its header), base64url. */
  readonly envelope_id: string;
  /** SHA-256 of the padded bytes: a repeated upload is recognised, a different one refused. */
  readonly digest: string;
  /** Padded length (a size bucket). */
  readonly size: number;
  readonly created_hour: number;
  readonly expires_hour: number;
  /** Recipients that have not acknowledged it yet; 0 means it is deleted. */
  readonly pending: number;
}

/** The padded sealed envelope, apart from its row in `envelopes` so that only a fetch reads it. */
export interface EnvelopeBodyTable {
  readonly mailbox_id: string;
  readonly envelope_id: string;
  readonly body: Buffer;
}

export interface DeliveryTable {
  readonly mailbox_id: string;
  readonly envelope_id: string;
  readonly member_key: string;
}

export interface NonceTable {
  readonly key_id: string;
  readonly nonce: string;
  /** Seconds since the epoch after which the signature it came with is too old anyway. */
  readonly expires_at: number;
}

export interface RendezvousTable {
  readonly rendezvous_id: string;
  readonly seq: number;
  readonly body: Buffer;
  readonly digest: string;
  readonly expires_at: number;
}

export interface RelayDatabase {
  mailboxes: MailboxTable;
  members: MemberTable;
  envelopes: EnvelopeTable;
  envelope_bodies: EnvelopeBodyTable;
  deliveries: DeliveryTable;
  nonces: NonceTable;
  rendezvous: RendezvousTable;
}
