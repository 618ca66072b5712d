// WAV (RIFF/WAVE) files in and out: how people and tools hand plushlink a recording and get one
// back. Reads 16-bit integer PCM and 32-bit IEEE float, mono or stereo, 8-48 kHz, in plain or
// WAVE_FORMAT_EXTENSIBLE headers; anything else is refused with UNSUPPORTED_FORMAT rather than
// guessed at.
import { ByteReader, ByteWriter, bytesEqual, asciiBytes } from './bytes';
import { AudioError } from './errors';
import type { Pcm } from './pcm';
import { checkPcmShape, pcmLength, toInt16Interleaved } from './pcm';

export type WavSampleFormat = 'pcm16' | 'float32';

const FORMAT_PCM = 0x0001;
const FORMAT_IEEE_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;
/** The KSDATAFORMAT_SUBTYPE GUID tail shared by PCM and IEEE float sub-formats. */
const SUBFORMAT_TAIL = Uint8Array.of(0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71);
/** Streaming writers (ffmpeg to a pipe) put this in a size they cannot know: "to end of file". */
const UNKNOWN_SIZE = 0xffffffff;

interface WavFormat {
  readonly sampleFormat: WavSampleFormat;
  readonly channels: number;
  readonly sampleRate: number;
}

function readFormat(body: Uint8Array): WavFormat {
  const r = new ByteReader(body, 'WAV fmt chunk');
  let tag = r.u16le('format tag');
  const channels = r.u16le('channel count');
  const sampleRate = r.u32le('sample rate');
  const byteRate = r.u32le('byte rate');
  const blockAlign = r.u16le('block align');
  const bits = r.u16le('bits per sample');
  if (tag === FORMAT_EXTENSIBLE) {
    const extraSize = r.u16le('extension size');
    if (extraSize < 22) throw new AudioError('CORRUPT', `WAV extensible fmt extension is ${extraSize} bytes, needs 22`);
    r.u16le('valid bits per sample');
    r.u32le('channel mask');
    tag = r.u16le('sub-format');
    if (!bytesEqual(r.bytes(14, 'sub-format GUID'), SUBFORMAT_TAIL)) {
      throw new AudioError('UNSUPPORTED_FORMAT', 'WAV extensible sub-format GUID is not PCM or IEEE float');
    }
  }
  let sampleFormat: WavSampleFormat;
  if (tag === FORMAT_PCM && bits === 16) sampleFormat = 'pcm16';
  else if (tag === FORMAT_IEEE_FLOAT && bits === 32) sampleFormat = 'float32';
  else {
    throw new AudioError(
      'UNSUPPORTED_FORMAT',
      `WAV format tag ${tag} with ${bits} bits per sample; only 16-bit PCM and 32-bit float are supported`,
    );
  }
  checkPcmShape(sampleRate, channels, 'WAV');
  const bytesPerFrame = (bits / 8) * channels;
  if (blockAlign !== bytesPerFrame) {
    throw new AudioError('CORRUPT', `WAV block align ${blockAlign} does not match ${channels} x ${bits}-bit samples`);
  }
  if (byteRate !== bytesPerFrame * sampleRate) {
    throw new AudioError('CORRUPT', `WAV byte rate ${byteRate} does not match ${sampleRate} Hz x ${bytesPerFrame} bytes`);
  }
  return { sampleFormat, channels, sampleRate };
}

function decodeSamples(data: Uint8Array, format: WavFormat): Pcm {
  const bytesPerSample = format.sampleFormat === 'pcm16' ? 2 : 4;
  const frameBytes = bytesPerSample * format.channels;
  if (data.length % frameBytes !== 0) {
    throw new AudioError('TRUNCATED', `WAV data is ${data.length} bytes, not a whole number of ${frameBytes}-byte frames`);
  }
  const frames = data.length / frameBytes;
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const channels = Array.from({ length: format.channels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < format.channels; c++) {
      const at = i * frameBytes + c * bytesPerSample;
      let s: number;
      if (format.sampleFormat === 'pcm16') s = view.getInt16(at, true) / 32768;
      else {
        s = view.getFloat32(at, true);
        if (!Number.isFinite(s)) throw new AudioError('CORRUPT', `WAV float sample ${i} of channel ${c} is not finite`);
      }
      (channels[c] as Float32Array)[i] = s;
    }
  }
  return { sampleRate: format.sampleRate, channels };
}

const RIFF = asciiBytes('RIFF');

/** Whether `bytes` start like a WAV (RIFF) file: what sends a recording down the encoding path. */
export function isWav(bytes: Uint8Array): boolean {
  return bytesEqual(bytes.subarray(0, 4), RIFF);
}

/** Parses a WAV file into PCM at its own rate and channel count. */
export function readWav(bytes: Uint8Array): Pcm {
  const r = new ByteReader(bytes, 'WAV');
  if (r.remaining < 12) throw new AudioError('TRUNCATED', `WAV is ${bytes.length} bytes, shorter than a RIFF header`);
  if (!bytesEqual(r.bytes(4, 'RIFF tag'), RIFF)) throw new AudioError('CORRUPT', 'not a RIFF file');
  r.u32le('RIFF size');
  if (!bytesEqual(r.bytes(4, 'WAVE tag'), asciiBytes('WAVE'))) throw new AudioError('CORRUPT', 'RIFF file is not WAVE');
  let format: WavFormat | undefined;
  while (r.remaining > 0) {
    const id = String.fromCharCode(...r.bytes(4, 'chunk id'));
    let size = r.u32le(`${id} chunk size`);
    if (id === 'data') {
      if (!format) throw new AudioError('CORRUPT', 'WAV data chunk comes before its fmt chunk');
      if (size === UNKNOWN_SIZE) size = r.remaining - (r.remaining % ((format.sampleFormat === 'pcm16' ? 2 : 4) * format.channels));
      return decodeSamples(r.bytes(size, 'data chunk'), format);
    }
    const body = r.bytes(size, `${id} chunk`);
    if (id === 'fmt ') format = readFormat(body);
    // RIFF pads odd-sized chunks to an even length; a missing pad at the very end is tolerated.
    if (size % 2 === 1 && r.remaining > 0) r.u8('chunk pad byte');
  }
  throw new AudioError(format ? 'TRUNCATED' : 'CORRUPT', format ? 'WAV has no data chunk' : 'WAV has no fmt chunk');
}

/** Writes PCM as a canonical 44-byte-header WAV (16-bit PCM by default: what every player opens). */
export function writeWav(pcm: Pcm, sampleFormat: WavSampleFormat = 'pcm16'): Uint8Array {
  checkPcmShape(pcm.sampleRate, pcm.channels.length, 'PCM');
  const channels = pcm.channels.length;
  const frames = pcmLength(pcm);
  const bytesPerSample = sampleFormat === 'pcm16' ? 2 : 4;
  const dataBytes = frames * channels * bytesPerSample;
  const data = new Uint8Array(dataBytes);
  if (sampleFormat === 'pcm16') {
    const ints = toInt16Interleaved(pcm);
    const view = new DataView(data.buffer);
    ints.forEach((s, i) => view.setInt16(i * 2, s, true));
  } else {
    const view = new DataView(data.buffer);
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < channels; c++) view.setFloat32((i * channels + c) * 4, (pcm.channels[c] as Float32Array)[i] as number, true);
    }
  }
  return new ByteWriter()
    .ascii('RIFF')
    .u32le(36 + dataBytes)
    .ascii('WAVE')
    .ascii('fmt ')
    .u32le(16)
    .u16le(sampleFormat === 'pcm16' ? FORMAT_PCM : FORMAT_IEEE_FLOAT)
    .u16le(channels)
    .u32le(pcm.sampleRate)
    .u32le(pcm.sampleRate * channels * bytesPerSample)
    .u16le(channels * bytesPerSample)
    .u16le(bytesPerSample * 8)
    .ascii('data')
    .u32le(dataBytes)
    .bytes(data)
    .finish();
}
