// `plushlink demo` (and `npm start`): the whole story, narrated and checked step by step: at home on
// an embedded virtual radio (demo-story.ts), far away through an embedded family relay
// (demo-far-away.ts), and the breach of that relay beside a legacy cloud's (demo-breach.ts). Every
// file each side received, both databases and their dumps, and one btsnoop capture per device go
// to an output folder. Exits 0 only when every step did what it should.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ToyClient } from '../client/toy-client';
import { Air } from '../radio/air';
import { DEFAULT_RELAY_CONFIG } from '../relay/config';
import { type Relay, startRelay } from '../relay/server';
import { integerOption, parseCommandLine } from './args';
import { Checklist, ensure, StepFailed } from './checklist';
import type { Command } from './command';
import { captureIn, startLiveView } from './live-view';
import { untilInterrupted } from './signals';
import { type DemoLayout, prepareDemoOutput } from './demo-layout';
import { tellBreach } from './demo-breach';
import { tellFarAwayStory } from './demo-far-away';
import { STORY_DEVICES, type StoryContext, tellStory } from './demo-story';
import { transferProgress } from './progress-bar';

const OPTIONS = {
  out: { type: 'string' },
  seed: { type: 'string' },
  'generated-voice': { type: 'boolean' },
  view: { type: 'boolean' },
} as const;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the whole story: toy, phones, a relay far away and the 2017 breach (what npm start runs)',
  help: `usage: plushlink demo [--out DIR] [--seed N] [--generated-voice] [--view]

Runs a toy (bleno), a parent's, a grandparent's and a stranger's phone (noble), all unmodified, on
one embedded virtual radio, and narrates: the toy is provisioned; the parent pairs with the code
after a paw press; sends a voice message the toy plays; the child presses the paw and the parent
fetches the recording; the owner invites grandma, who pairs with a one-time code and sends a
message; a stranger in range is refused (wrong code, closed window, a made-up bond). Then Granny,
far away, joins by a remote invitation over an embedded family relay, her message is bridged to
the toy by the parent's phone and the child's answer comes back to her. Last, the breach: the
relay's database and a legacy CloudPets cloud's (the same family in it) are dumped as a thief
would, side by side. Each step prints ✓ or ✗; the exit code is 0 only if every step passed.

  --out DIR          output folder (default ./plushlink-demo; replaced if an earlier demo made it):
                     per device what it sent and received (Ogg Opus and WAV), the toy's flash,
                     relay/ and legacy-cloud/ (the two clouds' databases), breach/ (each dump as
                     dump.json and a CSV per table, and SUMMARY.txt), and
                     captures/NAME-ID.btsnoop (open with Wireshark or tshark -r FILE)
  --seed N           seed of the air (addresses, ordering), default 1
  --generated-voice  use a generated speech-like voice even when espeak-ng is installed
  --view             serve the air view of the toy's capture live on loopback (the URL is
                     printed), and keep serving it after the story until Ctrl-C`,

  async run(args, out) {
    const { values } = parseCommandLine('demo', args, OPTIONS);
    const seed = integerOption('demo', 'seed', values.seed, 0, 2 ** 31) ?? 1;
    const layout = prepareDemoOutput(values.out ?? 'plushlink-demo');
    const started = performance.now();
    out.print(`plushlink demo: a toy and three phones on one virtual radio, a fourth far away on a relay (seed ${seed}); output in ${layout.root}`);
    const air = new Air({ seed, captureDir: layout.captures });
    const view = values.view ? await startLiveView(out, "the toy's btsnoop capture", captureIn(layout.captures, 'toy-')) : undefined;
    const steps = new Checklist(out.print);
    const context: StoryContext = {
      air,
      layout,
      steps,
      say: (line) => out.print(line),
      phone: (label) => ToyClient.create({ radio: { kind: 'virtual', air }, store: layout.phoneStore(label), label }),
      transfer: (label) => transferProgress(label, out.status, { plainLines: false }),
      ...(values['generated-voice'] ? { voice: 'generated' as const } : {}),
    };
    let relay: (Relay & { readonly url: string }) | undefined;
    try {
      const home = await tellStory(context);
      // The family relay, embedded: in this process, its SQLite database in the output folder.
      relay = await startRelay({ ...DEFAULT_RELAY_CONFIG, port: 0, dir: layout.relay, logLevel: 'silent' });
      const far = await tellFarAwayStory(context, relay.url, home);
      await tellBreach(context, far);
    } catch (error) {
      if (!(error instanceof StepFailed)) steps.unexpected(error);
    } finally {
      await relay?.close().catch((error: unknown) => steps.unexpected(error));
      air.close();
    }
    if (steps.failed === 0) {
      out.print('11. What went over the air, as each device saw it.');
      await steps.expectOk('one btsnoop capture per device, no audio in the clear', async () => checkCaptures(layout), (detail) => detail).catch(() => undefined);
    }
    out.print('files:');
    for (const file of listFiles(layout)) out.print(`  ${file}`);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const verdict = steps.failed === 0 ? 'every step did what it should' : `${steps.failed} step failed`;
    out.print(`${verdict}: ${steps.passed} ✓, ${steps.failed} ✗ in ${seconds} s`);
    if (view) {
      out.print(`the air view stays at ${view.url}; Ctrl-C stops`);
      await untilInterrupted();
      await view.close();
    }
    return steps.failed === 0 ? 0 : 1;
  },
};

/** Every device wrote a capture, and no capture holds an Ogg page: voice only crossed sealed. */
function checkCaptures(layout: DemoLayout): string {
  const files = readdirSync(layout.captures).filter((f) => f.endsWith('.btsnoop'));
  for (const device of STORY_DEVICES) {
    const file = files.find((f) => f.startsWith(`${device}-`));
    ensure(file !== undefined, `no capture for ${device}`);
    const bytes = readFileSync(join(layout.captures, file!));
    ensure(bytes.length > 16, `${file} holds no packets`);
    ensure(!bytes.includes('OggS') && !bytes.includes('OpusHead'), `${file} carries Ogg audio in the clear`);
  }
  return `${files.length} captures (${files.join(', ')}); tshark -r FILE decodes them`;
}

/** The output's files worth opening, relative to its root (the toy's flash internals left out). */
function listFiles(layout: DemoLayout): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (path === layout.toyFlash || name.startsWith('.') || /-(wal|shm)$/.test(name)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else found.push(layout.relative(path));
    }
  };
  walk(layout.root);
  return found;
}
