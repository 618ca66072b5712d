// A phone command that did not do what was asked says so: one line on stderr and a non-zero exit
// code, whatever went wrong (the air unreachable, the toy killed mid-send, Ctrl-C, a refusal).
// An interrupted send resumes when run again, and the toy ends up with each message exactly once.
import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOggOpus } from '../../audio/ogg-opus';
import { encodeOpus } from '../../audio/opus-codec';
import { toHex } from '../../pairing/bytes';
import { writeWav } from '../../audio/wav';
import { ToyFirmware } from '../../firmware-sim/firmware';
import { speechLike } from '../../firmware-sim/microphone';
import { OutputWatcher, plushlink, startPlushlink } from './run';

/** A running `plushlink send`, with its stderr as it comes. */
function startSend(args: readonly string[]): { child: ChildProcessWithoutNullStreams; stderr(): string; exited: Promise<number | null> } {
  const child = startPlushlink(['send', ...args]);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
  return { child, stderr: () => stderr, exited };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('phone commands that fail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-cli-failures-'));
  const toyDir = join(dir, 'toy');
  const store = join(dir, 'phone.json');
  // A minute of voice at 64 kbps (~260 kB): long enough on the wire to cut part-way.
  const long = join(dir, 'long.ogg');
  const other = join(dir, 'other.ogg');
  const small = join(dir, 'small.wav');
  let toy: ChildProcessWithoutNullStreams;
  let watcher: OutputWatcher;
  /** What every toy process printed, across restarts. */
  const toyOutputs: OutputWatcher[] = [];
  let toyId = '';

  const startToy = async (): Promise<void> => {
    toy = startPlushlink(['toy', '--dir', toyDir, '--port', '0', '--no-qr']);
    watcher = new OutputWatcher(toy);
    toyOutputs.push(watcher);
    toyId = (await watcher.waitFor(/^toy ([0-9a-f]{16}) is on the air/m))[1]!;
  };
  const stopToy = async (signal: NodeJS.Signals): Promise<void> => {
    if (toy.exitCode !== null || toy.signalCode !== null) return;
    const exited = new Promise((resolve) => toy.once('exit', resolve));
    toy.kill(signal);
    await exited;
  };
  const phone = (...args: string[]): string[] => [...args, '--toy-dir', toyDir, '--phone', store];
  const played = (): string[] => toyOutputs.flatMap((w) => [...w.output.matchAll(/toy: played message ([0-9a-f]{32})/g)].map((m) => m[1]!));

  beforeAll(async () => {
    // One second encoded, its packets played sixty times over (encoding a minute under jest's
    // module loader takes far longer than the test).
    const minute = (seed: number): Uint8Array => {
      const second = encodeOpus({ sampleRate: 16000, channels: [speechLike(16000, seed)] }, { complexity: 0, bitrate: 64000 });
      const packets = Array.from({ length: 60 }, () => second.packets).flat();
      return writeOggOpus({ ...second, packets, length48k: 60 * 48000 - second.preSkip });
    };
    writeFileSync(long, minute(1));
    writeFileSync(other, minute(2));
    writeFileSync(small, writeWav({ sampleRate: 16000, channels: [speechLike(16000, 3)] }));
    await startToy();
    expect(plushlink(['paw', '--dir', toyDir]).status).toBe(0);
    const code = (await watcher.waitFor(/^pairing code: (\d{5} \d{5})$/m))[1]!;
    expect(plushlink(phone('pair', '--code', code)).status).toBe(0);
    const first = plushlink(phone('send', small));
    expect(first.status).toBe(0);
  });

  afterAll(async () => {
    await stopToy('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('exit 1 at once when the air cannot be reached, naming it, with RADIO_UNAVAILABLE', () => {
    const started = Date.now();
    const ran = plushlink(['send', small, '--air', 'tcp:127.0.0.1:1', '--toy', toyId, '--phone', store]);
    expect(ran.status).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/^plushlink: cannot reach the air at tcp:127\.0\.0\.1:1: .*ECONNREFUSED.* \(RADIO_UNAVAILABLE\)\n$/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a recording longer than the toy takes before encoding it, with the limit (TOO_LARGE)', () => {
    const tenMinutes = join(dir, 'ten-minutes.wav');
    writeFileSync(tenMinutes, writeWav({ sampleRate: 16000, channels: [new Float32Array(10 * 60 * 16000)] }));
    const ran = plushlink(phone('send', tenMinutes));
    expect(ran.status).toBe(1);
    expect(ran.stderr).toMatch(/^plushlink: .*ten-minutes\.wav is 10 min 0 s long: the toy takes messages up to \d+ min \d+ s \(TOO_LARGE\)\n$/);
  });

  it('exit 1 when the toy is killed mid-send over TCP, saying how to resume; run again, it resumes and the toy stores it once', async () => {
    const send = startSend(phone(long));
    await until(() => /sending .*long\.ogg: +\d+% /.test(send.stderr()), 'the first progress line');
    await stopToy('SIGKILL');
    const status = await send.exited;
    expect(status).toBe(1);
    const lines = send.stderr().trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^plushlink: the link to the toy dropped: the air at tcp:127\.0\.0\.1:\d+ closed the connection( \([^)]*\))?: the toy had acknowledged [\d.]+ of [\d.]+ kB; run the same send again to resume \(TRANSFER_INTERRUPTED\)$/,
    );
    expect(lines.filter((l) => l.startsWith('plushlink:'))).toHaveLength(1);

    await startToy();
    const again = plushlink(phone('send', long));
    expect(again.stderr).toMatch(/^resuming the interrupted send of .*long\.ogg$/m);
    const firstPercent = Number(/sending .*long\.ogg: +(\d+)% /.exec(again.stderr)?.[1]);
    expect(firstPercent).toBeGreaterThan(0);
    expect(again.status).toBe(0);
    const id = /message ([0-9a-f]{32}) stored/.exec(again.stdout)![1]!;
    await watcher.waitFor(new RegExp(`toy: played message ${id}`));
  });

  it('exit 130 on Ctrl-C mid-send, saying how to resume; run again, it resumes', async () => {
    const send = startSend(phone(other));
    await until(() => /sending .*other\.ogg: +\d+% /.test(send.stderr()), 'the first progress line');
    send.child.kill('SIGINT');
    expect(await send.exited).toBe(130);
    expect(send.stderr().trim().split('\n').at(-1)).toMatch(
      /^plushlink: interrupted \(Ctrl-C\): the toy had acknowledged [\d.]+ of [\d.]+ kB; run the same send again to resume \(TRANSFER_INTERRUPTED\)$/,
    );

    const again = plushlink(phone('send', other));
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/^resuming the interrupted send of .*other\.ogg$/m);
    const id = /message ([0-9a-f]{32}) stored/.exec(again.stdout)![1]!;
    await watcher.waitFor(new RegExp(`toy: played message ${id}`));
  });

  it('leaves the toy with every message sent exactly once, and nothing else', async () => {
    const plays = played();
    expect(new Set(plays).size).toBe(plays.length);
    expect(plays).toHaveLength(3);
    await stopToy('SIGINT');
    const firmware = await ToyFirmware.boot({ dir: join(toyDir, 'flash') });
    try {
      // Each played once and, played, erased (issue 11's retention): none left stored, and the toy
      // admitted exactly these three, no resumed send twice.
      expect(firmware.storage.listVoice('messages').map((m) => toHex(m.id))).toEqual([]);
      expect(firmware.storage.loadReplayGuard().seen.map((e) => e.id).sort()).toEqual([...plays].sort());
    } finally {
      firmware.powerOff();
    }
  });
});
