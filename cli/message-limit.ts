// The toy's size limit on a voice message, checked before any work: a WAV longer than the toy
// takes is refused at once with the limit (encoding it would take seconds for nothing), and a
// long encode is announced, and its progress shown as it goes.
import { VOICE_BITRATE } from '../audio/opus-codec';
import { durationSeconds } from '../audio/pcm';
import { isWav, readWav } from '../audio/wav';
import { MAX_MESSAGE_BYTES } from '../firmware-sim/firmware';

/** Envelope overhead (header, signature, sealed keys) and Ogg framing, with room to spare. */
const OVERHEAD_BYTES = 8192;
/** Opus at a fixed target still varies a little per frame. */
const BITRATE_MARGIN = 1.1;

/** The longest recording, in whole seconds, whose sealed message the toy accepts. */
export const MAX_MESSAGE_SECONDS = Math.floor((MAX_MESSAGE_BYTES - OVERHEAD_BYTES) / ((VOICE_BITRATE / 8) * BITRATE_MARGIN));

/** Encodes longer than this get a line saying what is going on. */
const ANNOUNCE_ENCODE_SECONDS = 60;

export class TooLarge extends Error {}

/**
 * Checks `recording` (WAV or Ogg Opus bytes) against the toy's limit; returns a line to show
 * before a long encode, if any. Throws TooLarge, naming the limit, for anything over it.
 */
export function checkMessageSize(file: string, recording: Uint8Array): string | undefined {
  if (!isWav(recording)) {
    if (recording.length + OVERHEAD_BYTES > MAX_MESSAGE_BYTES) {
      throw new TooLarge(`${file} is ${kB(recording.length)} kB: the toy takes messages up to ${kB(MAX_MESSAGE_BYTES - OVERHEAD_BYTES)} kB (TOO_LARGE)`);
    }
    return undefined;
  }
  let seconds: number;
  try {
    seconds = durationSeconds(readWav(recording));
  } catch {
    return undefined; // not a readable WAV: sealing says why, in the client's words
  }
  if (seconds > MAX_MESSAGE_SECONDS) {
    throw new TooLarge(`${file} is ${minutes(seconds)} long: the toy takes messages up to ${minutes(MAX_MESSAGE_SECONDS)} (TOO_LARGE)`);
  }
  return seconds > ANNOUNCE_ENCODE_SECONDS ? `encoding ${minutes(seconds)} of voice to Opus...` : undefined;
}

function minutes(seconds: number): string {
  const whole = Math.round(seconds);
  return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

function kB(bytes: number): string {
  return (bytes / 1000).toFixed(0);
}
