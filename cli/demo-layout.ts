// Where `plushlink demo` writes: one folder per device (what it sent, received, stored), one
// btsnoop capture per device, the embedded relay's and the legacy cloud's databases, and the
// breach: what a thief dumps from each. A folder from an earlier demo run is replaced; any other non-empty
// folder is left alone and refused, so --out never erases someone's files.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UsageError } from './usage-error';

/** Marks a folder as a demo's output, safe to replace on the next run. */
const MARKER = '.plushlink-demo';

export interface DemoLayout {
  readonly root: string;
  readonly captures: string;
  readonly toyFlash: string;
  /** The toy's speaker writes each message it played here, as WAV. */
  readonly toySpeaker: string;
  /** What the toy's microphone hears when the child presses the paw. */
  readonly microphone: string;
  phoneStore(label: string): string;
  /** The WAV a phone sent. */
  sent(from: string): string;
  /** A message as the toy received it (opened with the toy's key), Ogg Opus. */
  received(from: string): string;
  /** The child's recording as the parent's phone fetched it. */
  fetched(kind: 'ogg' | 'wav'): string;
  /** The child's recording as `who`'s phone fetched it (from the toy or through the relay). */
  fetchedBy(who: string, kind: 'ogg' | 'wav'): string;
  /** A voice message `from` sent, as the Ogg Opus file that was sealed. */
  sentOgg(from: string, name?: string): string;
  /** The embedded family relay's folder (its SQLite database). */
  readonly relay: string;
  /** The legacy CloudPets cloud's folder (its database and bucket). */
  readonly legacyCloud: string;
  /** What a thief dumps from each cloud: breach/relay/, breach/legacy/, breach/SUMMARY.txt. */
  readonly breach: string;
  /** `path` relative to the output folder, for narration. */
  relative(path: string): string;
}

export function prepareDemoOutput(dir: string): DemoLayout {
  const root = resolve(dir);
  if (existsSync(root)) {
    if (existsSync(join(root, MARKER))) rmSync(root, { recursive: true, force: true });
    else if (readdirSync(root).length > 0) throw new UsageError(`--out ${dir}: the folder exists and was not made by plushlink demo; pick another one`);
  }
  const device = (name: string): string => join(root, name.toLowerCase());
  const layout: DemoLayout = {
    root,
    captures: join(root, 'captures'),
    toyFlash: join(device('toy'), 'flash'),
    toySpeaker: join(device('toy'), 'speaker'),
    microphone: join(device('toy'), 'microphone.wav'),
    phoneStore: (label) => join(device(label), 'phone.json'),
    sent: (from) => join(device(from), 'sent-message.wav'),
    received: (from) => join(device('toy'), `message-from-${from.toLowerCase()}.ogg`),
    fetched: (kind) => join(device('parent'), `recording-from-toy.${kind}`),
    fetchedBy: (who, kind) => join(device(who), `recording-from-toy.${kind}`),
    sentOgg: (from, name = 'sent-message') => join(device(from), `${name}.ogg`),
    relay: join(root, 'relay'),
    legacyCloud: join(root, 'legacy-cloud'),
    breach: join(root, 'breach'),
    relative: (path) => relative(root, path),
  };
  for (const folder of [layout.captures, layout.toyFlash, device('parent'), device('grandma'), device('granny'), device('stranger')]) mkdirSync(folder, { recursive: true });
  writeFileSync(join(root, MARKER), 'written by plushlink demo; the next run replaces this folder\n');
  return layout;
}
