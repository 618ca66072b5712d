// What the toy keeps, and for how long (docs/PROTOCOL.md §10.7), so its flash never fills with
// what nobody needs:
// - a voice message is erased once it has played (the speaker is its only reader);
// - a recording is erased once every phone that may fetch it has fetched it. Those phones are its
//   envelope's recipients that are still bonded, so a revoked phone is never waited for; a phone
//   that joins later cannot open it anyway. The owner (or any bonded phone) may also delete it.
// The toy notes a recording's recipients (their static keys; the envelope does not name them) and
// which of them fetched it in its own record, `fetched/<id>`, beside the recording.
import type { Bond } from '../pairing/bond';
import { toHex } from '../pairing/bytes';
import type { ToyStorage } from './toy-storage';

const fetchedKey = (id: Uint8Array): string => `fetched/${toHex(id)}`;

interface FetchRecord {
  /** Static keys (hex) the recording was sealed for; absent: every phone bonded now. */
  readonly for?: readonly string[];
  /** Static keys (hex) of the phones that fetched it. */
  readonly by: readonly string[];
}

const hexList = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((k): k is string => typeof k === 'string') : undefined);

function readFetched(storage: ToyStorage, id: Uint8Array): FetchRecord {
  const stored = storage.flash.read(fetchedKey(id));
  if (!stored) return { by: [] };
  try {
    const json = JSON.parse(stored.toString('utf8')) as { for?: unknown; by?: unknown };
    const recipients = hexList(json.for);
    return { ...(recipients ? { for: recipients } : {}), by: hexList(json.by) ?? [] };
  } catch {
    return { by: [] }; // unreadable: wait for every bonded phone (it is kept a little longer)
  }
}

function writeFetched(storage: ToyStorage, id: Uint8Array, record: FetchRecord): void {
  storage.flash.write(fetchedKey(id), Buffer.from(JSON.stringify(record)));
}

/** A recording was just sealed for these phones: they are the ones it waits for. */
export function recordingMade(storage: ToyStorage, id: Uint8Array, recipients: readonly Uint8Array[]): void {
  writeFetched(storage, id, { for: recipients.map(toHex), by: [] });
}

/**
 * `bond`'s phone has received recording `id` in full. Returns true when that was the last phone
 * waited for and the recording is gone.
 */
export function recordingFetched(storage: ToyStorage, id: Uint8Array, bond: Bond): boolean {
  if (!storage.flash.has(`recordings/${toHex(id)}`)) return false;
  const record = readFetched(storage, id);
  const fetched = new Set([...record.by, toHex(bond.peer.static)]);
  const bonded = storage.bonds.list().map((b) => toHex(b.peer.static));
  const waitingFor = (record.for ?? bonded).filter((key) => bonded.includes(key) && !fetched.has(key));
  if (waitingFor.length === 0) {
    eraseRecording(storage, id);
    return true;
  }
  writeFetched(storage, id, { ...(record.for ? { for: record.for } : {}), by: [...fetched] });
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
