// Ogg Opus files: plushlink's pass opusinfo and play in opusdec; opusenc's read back; broken
// ones give a typed error naming what is wrong, never audio.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { concatBytes } from '../../audio/bytes';
import { decodeOpus, encodeOpus } from '../../audio/opus-codec';
import { OGG_FLAG_BOS, OGG_FLAG_EOS, readOggPages, writeOggPage } from '../../audio/ogg-page';
import { readOggOpus, writeOggOpus } from '../../audio/ogg-opus';
import { readWav, writeWav } from '../../audio/wav';
import {
  GRANDMA,
  correlation,
  correlationAtLag,
  energyEnvelope,
  espeakWav,
  parsesOrAudioError,
  run,
  scratchDir,
  sine,
  thrown,
} from './fixtures';

describe('Ogg Opus files', () => {
  const dir = scratchDir();
  afterAll(() => dir.remove());
  const speechWav = espeakWav(GRANDMA);
  const stream = encodeOpus(readWav(speechWav));
  const file = writeOggOpus(stream, { tags: { vendor: 'plushlink test', comments: ['TITLE=Goodnight'] } });
  const path = dir.write('ours.opus', file);

  it('are read without changing a byte of the caller\'s Buffer', () => {
    const buffer = Buffer.from(file);
    readOggOpus(buffer);
    expect(buffer.equals(Buffer.from(file))).toBe(true);
  });

  describe('written by plushlink', () => {
    it('read back from a file (a Buffer) as often as needed, the bytes untouched', () => {
      const fromDisk = readFileSync(path);
      const before = Buffer.from(fromDisk);
      readOggOpus(fromDisk);
      expect(fromDisk.equals(before)).toBe(true);
      expect(readOggOpus(fromDisk).stream.packets.length).toBe(stream.packets.length);
    });

    it('pass opusinfo with no warnings, and it reads back our pre-skip, channels and length', () => {
      const info = run('opusinfo', [path]);
      expect(info).not.toMatch(/WARNING|ERROR|Hole|error/i);
      expect(info).toMatch(/Pre-skip: 312/);
      expect(info).toMatch(/Channels: 1/);
      expect(info).toMatch(/Original sample rate: 22050 Hz/);
      expect(info).toMatch(/TITLE=Goodnight/);
      const seconds = stream.length48k / 48000;
      const [, m, s] = /Playback length: (\d+)m:([\d.]+)s/.exec(info) ?? [];
      expect(Number(m) * 60 + Number(s)).toBeCloseTo(seconds, 2);
    });

    it('decode in opusdec to exactly our sample count and the same audio as ours', async () => {
      // At 48 kHz both are plain libopus (at other rates opusdec adds its own resampler).
      run('opusdec', ['--quiet', '--float', '--rate', '48000', path, dir.path('opusdec.wav')]);
      const theirs = readWav(new Uint8Array(readFileSync(dir.path('opusdec.wav')))).channels[0] as Float32Array;
      const ours = (await decodeOpus(readOggOpus(file).stream, 48000)).channels[0] as Float32Array;
      expect(theirs).toHaveLength(stream.length48k);
      expect(ours).toHaveLength(theirs.length);
      expect(correlationAtLag(theirs, ours, 0)).toBeGreaterThan(0.9999);
    });

    it('read back to the same stream and tags', () => {
      const back = readOggOpus(file);
      expect(back.stream).toEqual(stream);
      expect(back.tags).toEqual({ vendor: 'plushlink test', comments: ['TITLE=Goodnight'] });
    });

    it('put one second of audio on each page, granule positions counting 48 kHz samples', () => {
      const pages = readOggPages(file);
      expect(pages[0]?.flags).toBe(OGG_FLAG_BOS);
      expect(pages.at(-1)?.flags).toBe(OGG_FLAG_EOS);
      expect(pages[2]?.granule).toBe(50 * 960);
      expect(pages.at(-1)?.granule).toBe(stream.preSkip + stream.length48k);
    });
  });

  describe('made by opusenc', () => {
    it('read back with the right length and the speech in them', async () => {
      const wavPath = dir.write('speech.wav', speechWav);
      run('opusenc', ['--quiet', '--bitrate', '24', wavPath, dir.path('opusenc.opus')]);
      const theirs = readOggOpus(new Uint8Array(readFileSync(dir.path('opusenc.opus'))));
      const source = readWav(speechWav).channels[0] as Float32Array;
      expect(theirs.stream.inputSampleRate).toBe(22050);
      expect(theirs.tags.comments.join()).toMatch(/ENCODER=opusenc/);
      // opusenc resamples to 48 kHz itself; its length is the source duration to within 0.1 ms.
      expect(Math.abs(theirs.stream.length48k - (source.length * 48000) / 22050)).toBeLessThan(5);
      const decoded = (await decodeOpus(theirs.stream, 24000)).channels[0] as Float32Array;
      const sourceAt24k = readWav(writeWav({ sampleRate: 22050, channels: [source] })).channels[0] as Float32Array;
      const envelope = (x: Float32Array, rate: number): Float64Array => energyEnvelope(x, rate / 50);
      expect(correlation(envelope(sourceAt24k, 22050), envelope(decoded, 24000))).toBeGreaterThan(0.97);
    });

    it('read stereo files as two channels', async () => {
      const stereo = writeWav({ sampleRate: 48000, channels: [sine(48000, 300, 0.5), sine(48000, 500, 0.5)] });
      run('opusenc', ['--quiet', dir.write('stereo.wav', stereo), dir.path('stereo.opus')]);
      const read = readOggOpus(new Uint8Array(readFileSync(dir.path('stereo.opus'))));
      expect(read.stream.channels).toBe(2);
      const pcm = await decodeOpus(read.stream, 48000);
      expect(pcm.channels).toHaveLength(2);
      expect(pcm.channels[0]).toHaveLength(24000);
    });
  });

  describe('when broken', () => {
    it('are TRUNCATED wherever they are cut', () => {
      for (let cut = 0; cut < file.length; cut += 7) {
        expect(thrown(() => readOggOpus(file.subarray(0, cut))).code).toBe('TRUNCATED');
      }
    });

    it('give a typed error for any changed byte (the page CRC catches what the structure does not)', () => {
      fc.assert(
        fc.property(fc.nat({ max: file.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
          const bad = file.slice();
          bad[at] = ((bad[at] as number) + delta) & 0xff;
          expect(['BAD_CRC', 'CORRUPT', 'TRUNCATED']).toContain(thrown(() => readOggOpus(bad)).code);
        }),
        { numRuns: 300 },
      );
    });

    it('name a missing page', () => {
      const pages = readOggPages(file);
      const withoutPage3 = concatBytes(
        pages.filter((_, i) => i !== 3).map((p) => writeOggPage({ ...p, packets: splitByLacing(p.lacing, p.body) })),
      );
      const error = thrown(() => readOggOpus(withoutPage3));
      expect(error.code).toBe('CORRUPT');
      expect(error.message).toMatch(/page 3 has sequence number 4/);
    });

    it('refuse chained streams as UNSUPPORTED_FORMAT', () => {
      const other = writeOggOpus(stream, { serial: 7 });
      expect(thrown(() => readOggOpus(concatBytes([writeOggOpus(stream, { serial: 6 }), other]))).code).toBe('UNSUPPORTED_FORMAT');
    });

    it('give a typed error for arbitrary bytes', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => parsesOrAudioError(() => readOggOpus(bytes))), { numRuns: 300 });
    });

    it('give a typed error, or audio that decodes, for arbitrary packets in valid pages', async () => {
      const packet = fc.uint8Array({ maxLength: 40 });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(packet, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }), fc.nat(), async (pages, granule) => {
          const bytes = concatBytes(
            pages.map((packets, i) =>
              writeOggPage({ flags: (i === 0 ? OGG_FLAG_BOS : 0) | (i === pages.length - 1 ? OGG_FLAG_EOS : 0), granule, serial: 1, sequence: i, packets }),
            ),
          );
          let read;
          try {
            read = readOggOpus(bytes);
          } catch (error) {
            return parsesOrAudioError(() => { throw error; });
          }
          await decodeOpus(read.stream).catch((error: unknown) => parsesOrAudioError(() => { throw error; }));
          return true;
        }),
        { numRuns: 200 },
      );
    });
  });
});

/** The packets of a page whose packets all end on it. */
function splitByLacing(lacing: Uint8Array, body: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let start = 0;
  let at = 0;
  for (const length of lacing) {
    at += length;
    if (length < 255) {
      packets.push(body.subarray(start, at));
      start = at;
    }
  }
  return packets;
}
