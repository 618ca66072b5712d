// Test fixture: two Sessions joined by a real KK handshake between fresh keys, for tests of the
// transport layer that need a live pair rather than a published vector.
import { HandshakeState, x25519KeyPairFromSecret } from '../../pairing/noise/handshake-state';
import { KK } from '../../pairing/noise/patterns';
import type { Sodium } from '../../pairing/sodium';
import { Session } from '../../pairing/transport';

export function sessionPair(sodium: Sodium): { phone: Session; toy: Session } {
  const phoneKey = x25519KeyPairFromSecret(sodium, sodium.randombytes_buf(32));
  const toyKey = x25519KeyPairFromSecret(sodium, sodium.randombytes_buf(32));
  const prologue = new Uint8Array(0);
  const i = new HandshakeState(sodium, { pattern: KK, initiator: true, prologue, s: phoneKey, rs: toyKey.publicKey });
  const r = new HandshakeState(sodium, { pattern: KK, initiator: false, prologue, s: toyKey, rs: phoneKey.publicKey });
  r.readMessage(i.writeMessage());
  i.readMessage(r.writeMessage());
  return { phone: new Session(i.split()), toy: new Session(r.split()) };
}
