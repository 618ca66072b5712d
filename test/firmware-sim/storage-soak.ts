// The SIGKILL soak: the real `plushlink toy` process, killed with SIGKILL at a random moment of a
// send, a fetch, a paw recording or a factory reset (phone commands in their own processes, as a
// person runs them), then switched on again. After every boot the toy's flash folder is inspected
// without changing a byte: every acknowledged message and recording is there and decodes (or, for a
// message, it played: the toy erases a message once played, docs/PROTOCOL.md §10.7), nothing
// half-written (temporary file, tombstone, damaged record) is left, no reset mark is left (an
// interrupted reset was finished), and a reset either erased everything or nothing. A seed makes
// the kill points repeatable. `npm run soak:storage` runs it long; `npm test` runs a few rounds.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeWav } from '../../audio/wav';
import { Flash } from '../../firmware-sim/flash';
import { type FlashIO, nodeFlashIO } from '../../firmware-sim/flash-io';
import { speechLike } from '../../firmware-sim/microphone';
import { RESET_MARK, ToyStorage } from '../../firmware-sim/toy-storage';
import { toHex } from '../../pairing/bytes';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'cli', 'plushlink.js');

export type SoakOperation = 'send' | 'fetch' | 'record' | 'reset';

export interface SoakReport {
  readonly seed: number;
  readonly runs: number;
  readonly boots: number;
  readonly killsBy: Readonly<Record<SoakOperation, number>>;
  /** Items the toy or the phone confirmed: messages stored, recordings announced, resets done. */
  readonly acknowledged: { readonly messages: number; readonly recordings: number; readonly resets: number };
  /** Acknowledged items missing after a boot (must be 0). */
  readonly lost: number;
  /** Records the toy quarantined at boot or on read (damaged records found). */
  readonly quarantined: number;
  /** Resets cut by the kill and finished at the next boot. */
  readonly interruptedResetsFinished: number;
  /**
   * Phone commands that exited 0 without printing their result after the toy was killed (a lost
   * link that ends the command silently instead of as an error): not counted as acknowledged.
   */
  readonly silentPhoneExits: number;
  /** Everything that broke a promise, one line each (must be empty). */
  readonly violations: readonly string[];
}

export interface SoakOptions {
  readonly runs: number;
  readonly seed: number;
  /** A scratch folder for the toy, the phone and the voice file. */
  readonly dir: string;
  readonly progress?: (line: string) => void;
  /** The operations to kill, in turn (default: drawn at random, resets rarer). */
  readonly operations?: readonly SoakOperation[];
}

/** mulberry32: a small seeded generator, so a failing kill point replays with its seed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], timeoutMs = 60_000): Promise<Ran> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr: stderr + (status === null ? `\n(killed after ${timeoutMs} ms: it hung)` : '') });
    }),
  );
}

class ToyProcess {
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(dir: string): Promise<ToyProcess> {
    const toy = new ToyProcess(spawn(process.execPath, [BIN, 'toy', '--dir', dir, '--port', '0', '--no-qr', '--record-seconds', '1'], { cwd: ROOT }));
    await toy.waitFor(/is on the air at /, 30_000);
    return toy;
  }

  get text(): string {
    return this.output;
  }

  async waitFor(pattern: RegExp, ms: number, from = 0): Promise<RegExpMatchArray | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(this.output.slice(from));
      if (match) return match;
      if (Date.now() > deadline || this.child.exitCode !== null || this.child.signalCode !== null) {
        if (ms >= 30_000) throw new Error(`the toy never printed ${pattern}:\n${this.output}`);
        return undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  paw(): void {
    this.child.kill('SIGUSR1');
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** A FlashIO that refuses every change: mounting through it proves there was nothing to repair. */
const LOOK_ONLY: FlashIO = {
  ...nodeFlashIO,
  ...Object.fromEntries(
    (['create', 'openExisting', 'write', 'fsync', 'rename', 'unlink', 'fsyncDir'] as const).map((call) => [
      call,
      (path: unknown) => {
        throw new Error(`the booted toy left something to repair (${call} ${String(path)})`);
      },
    ]),
  ),
};

interface Inspection {
  readonly bonds: number;
  readonly messages: ReadonlySet<string>;
  readonly recordings: ReadonlySet<string>;
}

/** Those of `ids` the toy's speaker played (it writes each as `played-<time>-<id>.wav`). */
function played(speakerDir: string, ids: ReadonlySet<string>): string[] {
  const files = existsSync(speakerDir) ? readdirSync(speakerDir) : [];
  return [...ids].filter((id) => files.some((f) => f.endsWith(`-${id}.wav`)));
}

/** What the toy holds, read without touching it; throws if anything would need repair. */
function inspect(flashDir: string): Inspection {
  const flash = Flash.mount(flashDir, { io: LOOK_ONLY });
  if (flash.has(RESET_MARK)) throw new Error('a reset mark survived the boot');
  const storage = new ToyStorage(flash);
  const ids = (kind: 'messages' | 'recordings'): Set<string> => new Set(storage.listVoice(kind).map((r) => toHex(r.id)));
  return { bonds: storage.bonds.list().length, messages: ids('messages'), recordings: ids('recordings') };
}

export async function runStorageSoak(options: SoakOptions): Promise<SoakReport> {
  const random = generator(options.seed);
  const say = options.progress ?? (() => undefined);
  const toyDir = join(options.dir, 'toy');
  const flashDir = join(toyDir, 'flash');
  const phone = join(options.dir, 'phone.json');
  const grandma = join(options.dir, 'grandma.json');
  const speakerDir = join(toyDir, 'speaker');
  const wav = join(options.dir, 'hello.wav');
  mkdirSync(options.dir, { recursive: true });
  writeFileSync(wav, writeWav({ sampleRate: 16000, channels: [speechLike(16000, 5)] }));
  const asPhone = (...args: string[]): Promise<Ran> => run([...args, '--toy-dir', toyDir, '--phone', phone]);

  const killsBy: Record<SoakOperation, number> = { send: 0, fetch: 0, record: 0, reset: 0 };
  const acknowledged = { messages: 0, recordings: 0, resets: 0 };
  const violations: string[] = [];
  let boots = 0;
  let lost = 0;
  let quarantined = 0;
  let interruptedResetsFinished = 0;
  let silentPhoneExits = 0;
  // What the toy must hold: acknowledged and not erased by a reset since.
  const messages = new Set<string>();
  const recordings = new Set<string>();
  let bonded = false;
  let code = '';

  const boot = async (): Promise<ToyProcess> => {
    const toy = await ToyProcess.start(toyDir);
    boots++;
    code ||= (await toy.waitFor(/pairing code: (\d{5} \d{5})/, 30_000))![1]!;
    return toy;
  };

  const pair = async (toy: ToyProcess): Promise<void> => {
    toy.paw();
    await toy.waitFor(/pairing window open/, 30_000);
    const paired = await asPhone('pair', '--code', code, '--name', 'Parent');
    if (paired.status !== 0) throw new Error(`pairing failed: ${paired.stderr}`);
    // A second phone, invited, that never fetches: a recording waits until each phone it was sealed
    // for has fetched it (retention, issue 11), so every recording the toy announced must stay
    // until a reset, fetched by the parent or not.
    const invited = await asPhone('members', 'invite');
    const invitation = /invitation code: (\d{5} \d{5})/.exec(invited.stdout)?.[1];
    if (invited.status !== 0 || !invitation) throw new Error(`inviting failed: ${invited.stderr}`);
    const joined = await run(['pair', '--code', invitation, '--name', 'Grandma', '--toy-dir', toyDir, '--phone', grandma]);
    if (joined.status !== 0) throw new Error(`the invited phone could not pair: ${joined.stderr}`);
    bonded = true;
  };

  let toy = await boot();
  await pair(toy);
  let round = 0;
  try {
    for (round = 1; round <= options.runs; round++) {
      // Resets are rarer: each one empties the toy, and the soak wants items to accumulate.
      const pick = random();
      const operation: SoakOperation =
        options.operations?.[(round - 1) % options.operations.length] ?? (pick < 0.35 ? 'send' : pick < 0.63 ? 'record' : pick < 0.8 ? 'fetch' : 'reset');
      const mark = toy.text.length;
      let resetInFlight = false;
      let resetAcknowledged = false;
      let work: Promise<void> = Promise.resolve();
      let killAfterMs: number;
      switch (operation) {
        // Kill windows span the whole operation (process start, link, transfer, storing, playing)
        // and a little after it, so some operations complete and their items must then survive.
        case 'send':
          killAfterMs = random() * 6000;
          work = asPhone('send', wav).then((sent) => {
            const id = /message ([0-9a-f]{32}) stored on toy/.exec(sent.stdout)?.[1];
            if (sent.status === 0 && id) {
              messages.add(id);
              acknowledged.messages++;
            } else if (sent.status === 0) silentPhoneExits++;
          });
          break;
        case 'fetch':
          killAfterMs = random() * 5000;
          work = asPhone('fetch', recordings.size > 0 ? '--latest' : '--list', ...(recordings.size > 0 ? ['--out', join(options.dir, 'latest.ogg')] : [])).then(() => undefined);
          break;
        case 'record':
          killAfterMs = random() * 1500;
          toy.paw();
          break;
        case 'reset': {
          resetInFlight = true;
          const prompt = asPhone('reset');
          // Mostly shortly after the paw confirms it, while the erasing runs; sometimes after the
          // phone heard it was done.
          await toy.waitFor(/factory reset requested/, 20_000, mark);
          toy.paw();
          killAfterMs = random() * random() * 1500;
          work = prompt.then((reset) => {
            // Acknowledged only when the phone says so: its exit status alone is not enough.
            if (reset.status === 0 && /was reset/.test(reset.stdout)) {
              resetAcknowledged = true;
              acknowledged.resets++;
            } else if (reset.status === 0) silentPhoneExits++;
          });
          break;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      await toy.kill();
      killsBy[operation]++;
      await work;
      // A recording is acknowledged once the toy announced it (to its phones and its terminal).
      for (const m of toy.text.slice(mark).matchAll(/toy: recorded ([0-9a-f]{32})/g)) {
        recordings.add(m[1]!);
        acknowledged.recordings++;
      }

      toy = await boot();
      const bootLog = toy.text;
      quarantined += (bootLog.match(/quarantined/g) ?? []).length;
      if (bootLog.includes('factory reset interrupted by a power cut: finished now')) interruptedResetsFinished++;
      let seen: Inspection;
      try {
        seen = inspect(flashDir);
      } catch (error) {
        violations.push(`round ${round} (${operation}, kill at ${killAfterMs.toFixed(0)} ms): ${(error as Error).message}`);
        break;
      }
      const wasReset = bonded && seen.bonds === 0;
      if (wasReset && !resetInFlight) violations.push(`round ${round} (${operation}): the bond vanished without a reset`);
      if (resetAcknowledged && !wasReset) violations.push(`round ${round}: the phone heard "reset done" but the bond survived`);
      if (wasReset) {
        for (const kind of ['messages', 'recordings'] as const) {
          if (seen[kind].size > 0) violations.push(`round ${round}: a reset left ${seen[kind].size} ${kind}`);
        }
        messages.clear();
        recordings.clear();
      } else {
        // A message the speaker played is erased by design; its WAV (written before the erase) says so.
        for (const id of played(speakerDir, messages)) messages.delete(id);
        for (const [kind, expected] of [['messages', messages], ['recordings', recordings]] as const) {
          for (const id of expected) {
            if (!seen[kind].has(id)) {
              lost++;
              violations.push(`round ${round} (${operation}, kill at ${killAfterMs.toFixed(0)} ms): acknowledged ${kind} ${id} lost`);
            }
          }
        }
      }
      say(`round ${round}/${options.runs}: ${operation} killed at ${killAfterMs.toFixed(0)} ms; ${seen.messages.size} messages, ${seen.recordings.size} recordings${wasReset ? ', reset' : ''}`);
      if (wasReset) {
        bonded = false;
        await pair(toy);
      }
    }
  } catch (error) {
    // The harness itself failed (a command hung, the toy never came up): reported, not hidden.
    violations.push(`round ${round}: the soak could not go on: ${(error as Error).message}`);
  } finally {
    await toy.kill();
  }
  return { seed: options.seed, runs: options.runs, boots, killsBy, acknowledged, lost, quarantined, interruptedResetsFinished, silentPhoneExits, violations };
}
