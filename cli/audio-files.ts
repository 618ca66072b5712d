// Saving voice as files people open: the file name's extension picks the format (.ogg/.opus keep
// the Ogg Opus bytes as they came, .wav decodes them to 16 kHz PCM).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { oggToWav } from '../audio/voice-message';
import { UsageError } from './usage-error';

export type AudioFileKind = 'ogg' | 'wav';

/** The format a path asks for; a UsageError for any other extension. */
export function audioFileKind(path: string): AudioFileKind {
  const ext = extname(path).toLowerCase();
  if (ext === '.ogg' || ext === '.opus') return 'ogg';
  if (ext === '.wav') return 'wav';
  throw new UsageError(`${path}: the file name must end in .ogg, .opus or .wav`);
}

/** Writes Ogg Opus audio to `path` in the format its extension names; returns the bytes written. */
export async function saveVoice(path: string, ogg: Uint8Array): Promise<number> {
  const bytes = audioFileKind(path) === 'ogg' ? ogg : await oggToWav(ogg);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return bytes.length;
}
