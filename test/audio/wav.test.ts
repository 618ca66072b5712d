// WAV files: what plushlink reads, what it writes, and what it refuses.
import fc from 'fast-check';
import { ByteWriter } from '../../audio/bytes';
import { readWav, writeWav } from '../../audio/wav';
import type { Pcm } from '../../audio/pcm';
import { GRANDMA, espeakWav, mono, parsesOrAudioError, run, scratchDir, sine, thrown } from './fixtures';

/** A WAV header with arbitrary fields, for files plushlink must refuse. */
function wavWith(fields: { tag?: number; channels?: number; rate?: number; bits?: number; data?: Uint8Array; extra?: Uint8Array }): Uint8Array {
  const { tag = 1, channels = 1, rate = 16000, bits = 16, data = new Uint8Array(8), extra } = fields;
  const align = (channels * bits) / 8;
  const fmt = new ByteWriter().u16le(tag).u16le(channels).u32le(rate).u32le(rate * align).u16le(align).u16le(bits);
  if (extra) fmt.bytes(extra);
  const fmtBytes = fmt.finish();
  return new ByteWriter()
    .ascii('RIFF').u32le(20 + fmtBytes.length + data.length).ascii('WAVE')
    .ascii('fmt ').u32le(fmtBytes.length).bytes(fmtBytes)
    .ascii('data').u32le(data.length).bytes(data)
    .finish();
}

describe('WAV files', () => {
  const stereo: Pcm = { sampleRate: 44100, channels: [sine(44100, 440, 0.1), sine(44100, 660, 0.1, -0.25)] };

  it('round-trip 16-bit PCM to within one quantisation step, keeping rate and channels', () => {
    const back = readWav(writeWav(stereo));
    expect(back.sampleRate).toBe(44100);
    expect(back.channels).toHaveLength(2);
    back.channels.forEach((channel, c) => {
      expect(channel).toHaveLength(4410);
      channel.forEach((s, i) => expect(Math.abs(s - (stereo.channels[c]?.[i] as number))).toBeLessThanOrEqual(1 / 32767));
    });
  });

  it('round-trip 32-bit float exactly', () => {
    const back = readWav(writeWav(stereo, 'float32'));
    back.channels.forEach((channel, c) => expect(channel).toEqual(stereo.channels[c]));
  });

  it('read what espeak-ng writes (22.05 kHz mono speech)', () => {
    const pcm = readWav(espeakWav(GRANDMA));
    expect(pcm.sampleRate).toBe(22050);
    expect(pcm.channels).toHaveLength(1);
    expect(pcm.channels[0]?.length).toBeGreaterThan(22050 * 3);
  });

  it('read WAVE_FORMAT_EXTENSIBLE float as opusdec --float writes it', () => {
    const dir = scratchDir();
    try {
      const wav = dir.write('in.wav', writeWav(mono(16000, sine(16000, 300, 0.5))));
      run('opusenc', ['--quiet', wav, dir.path('x.opus')]);
      run('opusdec', ['--quiet', '--float', '--rate', '16000', dir.path('x.opus'), dir.path('out.wav')]);
      const pcm = readWav(new Uint8Array(require('node:fs').readFileSync(dir.path('out.wav'))));
      expect(pcm.sampleRate).toBe(16000);
      expect(pcm.channels[0]).toHaveLength(8000);
    } finally {
      dir.remove();
    }
  });

  it('skip chunks they do not know (LIST, odd-sized with a pad byte) before the data', () => {
    const plain = writeWav(mono(8000, sine(8000, 100, 0.01)));
    const withList = new ByteWriter()
      .bytes(plain.subarray(0, 36))
      .ascii('LIST').u32le(3).bytes(Uint8Array.of(1, 2, 3, 0))
      .bytes(plain.subarray(36))
      .finish();
    expect(readWav(withList).channels[0]).toEqual(readWav(plain).channels[0]);
  });

  it.each([
    ['8-bit PCM', { bits: 8 }],
    ['24-bit PCM', { bits: 24, data: new Uint8Array(9) }],
    ['64-bit float', { tag: 3, bits: 64 }],
    ['A-law', { tag: 6, bits: 8 }],
    ['96 kHz', { rate: 96000 }],
    ['6 kHz', { rate: 6000 }],
    ['six channels', { channels: 6, data: new Uint8Array(12) }],
  ])('refuse %s with UNSUPPORTED_FORMAT', (_, fields) => {
    const error = thrown(() => readWav(wavWith(fields)));
    expect(error.code).toBe('UNSUPPORTED_FORMAT');
  });

  it('name what is wrong in a header that contradicts itself', () => {
    const bad = wavWith({});
    new DataView(bad.buffer).setUint32(28, 12345, true); // byte rate
    const error = thrown(() => readWav(bad));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toMatch(/byte rate/);
  });

  it('give TRUNCATED or CORRUPT for every prefix of a valid file, never partial audio', () => {
    const file = writeWav(mono(8000, sine(8000, 100, 0.005)));
    for (let cut = 0; cut < file.length; cut++) {
      expect(['TRUNCATED', 'CORRUPT']).toContain(thrown(() => readWav(file.subarray(0, cut))).code);
    }
  });

  it('give a typed error or audio for arbitrary bytes, also behind a valid RIFF header', () => {
    const header = writeWav(mono(16000, new Float32Array(0))).subarray(0, 12);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, prefixed) =>
        parsesOrAudioError(() => readWav(prefixed ? Uint8Array.from([...header, ...bytes]) : bytes)),
      ),
      { numRuns: 300 },
    );
  });
});
