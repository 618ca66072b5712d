// The resampler: common input rates to the 16 kHz plushlink encodes, without audible change
// to what is below 8 kHz and without folding what is above it back down.
import { resample, resampledLength } from '../../audio/resample';
import { bestLag, correlationAtLag, mono, rms, sine } from './fixtures';

const COMMON_RATES = [8000, 11025, 12000, 22050, 24000, 32000, 44100, 48000];

describe('resampling to 16 kHz', () => {
  it.each(COMMON_RATES)('keeps a 1 kHz tone at %i Hz the same tone, level within 0.1 dB, in place', (rate) => {
    const input = sine(rate, 1000, 0.5);
    const out = resample(mono(rate, input), 16000).channels[0] as Float32Array;
    expect(out).toHaveLength(resampledLength(input.length, rate, 16000));
    const ideal = sine(16000, 1000, 0.5);
    // Away from the edges, where the filter sees silence beyond the signal.
    const middle = (x: Float32Array): Float32Array => x.subarray(1000, 7000);
    expect(20 * Math.log10(rms(middle(out)) / rms(middle(ideal)))).toBeCloseTo(0, 1);
    expect(bestLag(middle(ideal), middle(out), 4)).toBe(0);
    expect(correlationAtLag(middle(ideal), middle(out), 0)).toBeGreaterThan(0.9999);
  });

  it.each([
    [48000, 12000],
    [44100, 9000],
    [22050, 8600],
  ])('attenuates a %i Hz input tone at %i Hz (above the new Nyquist) by more than 60 dB', (rate, frequency) => {
    const out = resample(mono(rate, sine(rate, frequency, 0.5)), 16000).channels[0] as Float32Array;
    expect(20 * Math.log10(rms(out.subarray(1000, 7000)) / 0.5)).toBeLessThan(-60);
  });

  it('keeps durations: output length is the input duration rounded to a sample', () => {
    expect(resampledLength(22050, 22050, 16000)).toBe(16000);
    expect(resampledLength(441, 44100, 16000)).toBe(160);
    expect(resampledLength(1, 48000, 16000)).toBe(0);
  });

  it('is the identity at equal rates and handles stereo channel by channel', () => {
    const pcm = { sampleRate: 24000, channels: [sine(24000, 500, 0.1), sine(24000, 700, 0.1)] };
    expect(resample(pcm, 24000)).toBe(pcm);
    const out = resample(pcm, 16000);
    expect(out.channels).toHaveLength(2);
    expect(out.channels[1]).toHaveLength(1600);
  });
});
