// Where the time of an end-to-end run goes: samples the CPU with V8's profiler (in process,
// through node:inspector) and attributes every sample to radio, stacks, crypto, audio or idle by
// the source file of the nearest frame that belongs to one of them.
import { Session } from 'node:inspector/promises';

export type Share = 'radio' | 'noble_bleno' | 'plushlink_glue' | 'crypto' | 'audio' | 'idle' | 'gc' | 'v8_native' | 'node_internals';

export type Attribution = Record<Share, number>;

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly url: string; readonly functionName: string };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * A frame's share by its file. Libraries we call into are named by their package; our own
 * folders by path. Code that only calls libsodium (Noise, CPace, envelopes) counts as crypto, code
 * that only calls Opus (codec, Ogg, WAV, resampling) as audio.
 */
export function shareOf(url: string, functionName: string): Share | undefined {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'v8_native';
  if (/libsodium/.test(url) || /\/pairing\/(noise\/|cpace|hkdf|keys|key-schedule|identity)/.test(url) || /\/audio\/(envelope|replay-guard)/.test(url)) return 'crypto';
  if (/opusscript|opus-decoder|wasm-audio-decoders/.test(url) || /\/audio\/(opus-|ogg-|wav|pcm|resample)/.test(url)) return 'audio';
  if (/@abandonware\/(noble|bleno)/.test(url)) return 'noble_bleno';
  if (/\/work\/[^/]+\/radio\/|\/radio\/[\w-]+\.ts$/.test(url) && !/node_modules/.test(url)) return 'radio';
  if (/\/(client|firmware-sim|pairing|audio)\/[\w/-]+\.ts$/.test(url) && !/node_modules/.test(url)) return 'plushlink_glue';
  return undefined;
}

/** Milliseconds per share in a profile: each sample goes to its leaf's nearest attributable frame. */
export function attribute(profile: Profile): Attribution {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const shareCache = new Map<number, Share>();
  const shareOfNode = (id: number): Share => {
    const cached = shareCache.get(id);
    if (cached) return cached;
    let share: Share = 'node_internals';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at)!.callFrame;
      const found = shareOf(url, functionName);
      if (found) {
        share = found;
        break;
      }
    }
    shareCache.set(id, share);
    return share;
  };
  // Samples under node:inspector are the profiler handing over its own profile (Profiler.stop):
  // not the work's time, and larger than a whole reconnect, so they are left out.
  const profilerCache = new Map<number, boolean>();
  const isProfiler = (id: number): boolean => {
    let found = profilerCache.get(id);
    if (found === undefined) {
      const at = parent.get(id);
      found = byId.get(id)!.callFrame.url === 'node:inspector' || (at !== undefined && isProfiler(at));
      profilerCache.set(id, found);
    }
    return found;
  };
  const out: Attribution = { radio: 0, noble_bleno: 0, plushlink_glue: 0, crypto: 0, audio: 0, idle: 0, gc: 0, v8_native: 0, node_internals: 0 };
  profile.samples.forEach((id, i) => {
    if (!isProfiler(id)) out[shareOfNode(id)] += (profile.timeDeltas[i] ?? 0) / 1000;
  });
  return out;
}

/** Runs `work` under the sampling profiler (100 µs) and returns its result and the attribution. */
export async function profiled<T>(work: () => Promise<T>): Promise<{ result: T; attribution: Attribution }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    return { result, attribution: attribute(profile) };
  } finally {
    session.disconnect();
  }
}

export function addAttributions(a: Attribution, b: Attribution): Attribution {
  const out = { ...a };
  for (const key of Object.keys(b) as Share[]) out[key] += b[key];
  return out;
}

/** Shares as fractions of their total, rounded to 3 places. */
export function fractions(a: Attribution): Record<Share, number> {
  const total = Object.values(a).reduce((s, v) => s + v, 0) || 1;
  const out = {} as Record<Share, number>;
  for (const key of Object.keys(a) as Share[]) out[key] = Math.round((1000 * a[key]) / total) / 1000;
  return out;
}
