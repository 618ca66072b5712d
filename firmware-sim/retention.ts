// What the toy keeps, and for how long (docs/PROTOCOL.md §10.7), so its flash never fills with
// what nobody needs:
// - a voice message is erased once it has played (the speaker is its only reader);
// - a recording is erased once every phone that may fetch it has fetched it. Those phones are its
//   envelope's recipients that are still bonded, so a revoked phone is never waited for; a phone
//   that joins later cannot open it anyway. The owner (or any bonded phone) may also delete it.
// Which phones fetched a recording lives in its own record, `fetched/<id>`, beside the recording.
import { readEnvelopeHeader } from '../audio/envelope';
import type { Bond } from '../pairing/bond';
import { toHex } from '../pairing/bytes';
import type { ToyStorage } from './toy-storage';

const fetchedKey = (id: Uint8Array): string => `fetched/${toHex(id)}`;

function readFetched(storage: ToyStorage, id: Uint8Array): string[] {
  const stored = storage.flash.read(fetchedKey(id));
  if (!stored) return [];
  try {
    const list: unknown = JSON.parse(stored.toString('utf8'));
    return Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return []; // unreadable: as if nobody had fetched it yet (it is kept a little longer)
  }
}

/**
 * `bond`'s phone has received recording `id` in full. Returns true when that was the last phone
 * waited for and the recording is gone.
 */
export function recordingFetched(storage: ToyStorage, id: Uint8Array, bond: Bond): boolean {
  const envelope = storage.getVoice('recordings', id);
  if (!envelope) return false;
  const fetched = new Set([...readFetched(storage, id), toHex(bond.peer.static)]);
  const bonded = new Set(storage.bonds.list().map((b) => toHex(b.peer.static)));
  const waitingFor = readEnvelopeHeader(envelope)
    .recipients.map((r) => toHex(r.static))
    .filter((key) => bonded.has(key) && !fetched.has(key));
  if (waitingFor.length === 0) {
    eraseRecording(storage, id);
    return true;
  }
  storage.flash.write(fetchedKey(id), Buffer.from(JSON.stringify([...fetched])));
  return false;
}

/** Erases a recording and what the toy noted about it; false if there was none. */
export function eraseRecording(storage: ToyStorage, id: Uint8Array): boolean {
  if (storage.flash.has(fetchedKey(id))) storage.flash.erase(fetchedKey(id));
  return storage.eraseVoice('recordings', id);
}

/** A message has played: nobody else reads it, so it goes. */
export function messagePlayed(storage: ToyStorage, id: Uint8Array): void {
  storage.eraseVoice('messages', id);
}
