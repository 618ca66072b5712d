// Objective speech-quality measures for the codec benchmarks, computed here without external
// tools (no PESQ or ViSQOL on these machines): a decoded signal against its original, after
// aligning them by cross-correlation.
// - snrDb: waveform signal-to-noise ratio over the whole signal.
// - segmentalSnrDb: the mean of per-frame SNRs (20 ms frames, each clamped to [-10, 35] dB,
//   frames quieter than 40 dB below the loudest left out), the classic codec measure.
// - logSpectralDistanceDb: root-mean-square difference of the log power spectra (32 ms Hann
//   frames, 0-8 kHz), averaged over active frames: how far the spectrum a listener hears moves.
// Waveform SNRs understate parametric coders (SILK reproduces the spectrum, not the waveform), so
// the spectral distance is the figure to weigh; all three are reported as differences between
// encoder settings on the same speech, which is what a choice between them needs.

export interface SpeechQuality {
  readonly lagSamples: number;
  readonly snrDb: number;
  readonly segmentalSnrDb: number;
  readonly logSpectralDistanceDb: number;
}

/** The lag (decoded behind original, in samples) within ±maxLag that correlates best. */
function bestLag(original: Float32Array, decoded: Float32Array, maxLag: number): number {
  let best = 0;
  let bestScore = -Infinity;
  const n = Math.min(original.length, decoded.length) - maxLag;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let score = 0;
    for (let i = maxLag; i < n; i += 4) score += original[i]! * decoded[i + lag]!;
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  return best;
}

/** Magnitude-squared spectrum of one frame (naive DFT over `bins` bins; frames are short). */
function powerSpectrum(frame: Float64Array, cos: Float64Array, sin: Float64Array, bins: number): Float64Array {
  const n = frame.length;
  const out = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      const idx = (k * t) % n;
      re += frame[t]! * cos[idx]!;
      im -= frame[t]! * sin[idx]!;
    }
    out[k] = re * re + im * im;
  }
  return out;
}

export function speechQuality(original: Float32Array, decoded: Float32Array, sampleRate: number): SpeechQuality {
  const lag = bestLag(original, decoded, Math.round(sampleRate * 0.02));
  const length = Math.min(original.length, decoded.length - Math.max(0, lag)) - Math.max(0, -lag);
  const x = (i: number): number => original[i + Math.max(0, -lag)]!;
  const y = (i: number): number => decoded[i + Math.max(0, lag)]!;

  let signal = 0;
  let noise = 0;
  for (let i = 0; i < length; i++) {
    signal += x(i) ** 2;
    noise += (x(i) - y(i)) ** 2;
  }
  const frame = Math.round(sampleRate * 0.02);
  const energies: number[] = [];
  for (let start = 0; start + frame <= length; start += frame) {
    let e = 0;
    for (let i = start; i < start + frame; i++) e += x(i) ** 2;
    energies.push(e);
  }
  const floor = Math.max(...energies) * 1e-4;
  const segments: number[] = [];
  energies.forEach((e, f) => {
    if (e < floor) return;
    let d = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) d += (x(i) - y(i)) ** 2;
    segments.push(Math.min(35, Math.max(-10, 10 * Math.log10(e / Math.max(d, 1e-12)))));
  });

  const n = Math.round(sampleRate * 0.032);
  const bins = Math.floor(n / 2) + 1;
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  const hann = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    cos[t] = Math.cos((2 * Math.PI * t) / n);
    sin[t] = Math.sin((2 * Math.PI * t) / n);
    hann[t] = 0.5 - 0.5 * Math.cos((2 * Math.PI * t) / n);
  }
  const distances: number[] = [];
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let start = 0; start + n <= length; start += n / 2) {
    let e = 0;
    for (let t = 0; t < n; t++) {
      a[t] = x(start + t) * hann[t]!;
      b[t] = y(start + t) * hann[t]!;
      e += x(start + t) ** 2;
    }
    if (e < (floor * n) / frame) continue;
    const pa = powerSpectrum(a, cos, sin, bins);
    const pb = powerSpectrum(b, cos, sin, bins);
    let sum = 0;
    for (let k = 0; k < bins; k++) sum += (10 * Math.log10((pa[k]! + 1e-10) / (pb[k]! + 1e-10))) ** 2;
    distances.push(Math.sqrt(sum / bins));
  }
  const mean = (xs: readonly number[]): number => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);
  return { lagSamples: lag, snrDb: 10 * Math.log10(signal / Math.max(noise, 1e-12)), segmentalSnrDb: mean(segments), logSpectralDistanceDb: mean(distances) };
}
