// The regression corpus: inputs that once broke a target (found by a campaign) or that probe an
// edge on purpose (hand-made), one JSON file each under corpus/<target>/<hash>.json, replayed by
// every `npm test`. Inputs are JSON with byte arrays written as {"$bytes": "<hex>"}, so a person
// can read and edit an entry and any input shape round-trips.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const CORPUS_DIR = join(__dirname, 'corpus');

export interface CorpusEntry {
  readonly target: string;
  /** Why this input is here: the failure it caused, or the edge it probes. */
  readonly note: string;
  /** For campaign finds: the seed and path that reproduce it with `npm run fuzz`. */
  readonly seed?: number;
  readonly path?: string;
  readonly input: unknown;
}

function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex') };
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (typeof value === 'object' && value !== null) {
    const hex = (value as { $bytes?: unknown }).$bytes;
    if (typeof hex === 'string') return new Uint8Array(Buffer.from(hex, 'hex'));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(v)]));
  }
  return value;
}

/** Where an entry is (or would be) saved: named by the hash of its target and input. */
export function entryFile(entry: CorpusEntry, dir = CORPUS_DIR): string {
  const input = JSON.stringify(toJson(entry.input));
  const name = createHash('sha256').update(`${entry.target}\n${input}`).digest('hex').slice(0, 16);
  return join(dir, entry.target, `${name}.json`);
}

/** Writes an entry (saving the same input twice is harmless: same file). */
export function saveEntry(entry: CorpusEntry, dir = CORPUS_DIR): string {
  const file = entryFile(entry, dir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...entry, input: toJson(entry.input) }, null, 2)}\n`);
  return file;
}

/** Every entry under `dir`, with its file name. */
export function loadEntries(dir = CORPUS_DIR): { file: string; entry: CorpusEntry }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(dir, d.name))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => {
          const file = join(dir, d.name, f);
          const raw = JSON.parse(readFileSync(file, 'utf8')) as CorpusEntry;
          return { file, entry: { ...raw, input: fromJson(raw.input) } };
        }),
    );
}
