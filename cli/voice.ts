// Voices for the demo and for a toy's microphone: spoken words from espeak-ng when it is
// installed (nicer to listen to in the output files), else firmware-sim's generated
// speech-like signal, so the demo runs anywhere.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VOICE_SAMPLE_RATE } from '../audio/pcm';
import { writeWav } from '../audio/wav';
import { speechLike } from '../firmware-sim/microphone';

export type VoiceSource = 'espeak-ng' | 'generated';

export interface Voice {
  readonly wav: Uint8Array;
  readonly source: VoiceSource;
}

/** `text` spoken by espeak-ng (voice `espeakVoice`), or about `seconds` of generated voice. */
export function speak(text: string, options: { readonly seed: number; readonly seconds: number; readonly espeakVoice?: string; readonly prefer?: VoiceSource }): Voice {
  if (options.prefer !== 'generated') {
    const spoken = espeak(text, options.espeakVoice ?? 'en');
    if (spoken) return { wav: spoken, source: 'espeak-ng' };
  }
  const samples = Math.round(options.seconds * VOICE_SAMPLE_RATE);
  return { wav: writeWav({ sampleRate: VOICE_SAMPLE_RATE, channels: [speechLike(samples, options.seed)] }), source: 'generated' };
}

function espeak(text: string, voice: string): Uint8Array | undefined {
  // A file rather than --stdout: espeak-ng streams WAV with placeholder sizes there.
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-voice-'));
  try {
    const path = join(dir, 'voice.wav');
    const result = spawnSync('espeak-ng', ['-v', voice, '-s', '150', '-w', path, text], { stdio: 'ignore', timeout: 5000 });
    if (result.status !== 0) return undefined;
    return readFileSync(path);
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
