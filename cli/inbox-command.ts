// `plushlink inbox`: what waits for this phone in the family mailbox, e.g. the child's paw-press
// recordings a bridge posted. Lists it, or fetches each recording (checking the toy sealed it for
// this phone), writes it as Ogg Opus into --out DIR and acknowledges it on the relay.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine } from './args';
import { saveVoice } from './audio-files';
import type { Command } from './command';
import { FAR_PHONE_HELP, FAR_PHONE_OPTIONS, FarPhone } from './far-phone';
import { kilobytes } from './progress-bar';

const OPTIONS = { ...FAR_PHONE_OPTIONS, out: { type: 'string' } } as const;

export const inboxCommand: Command = {
  name: 'inbox',
  summary: "list or fetch what waits for this phone in the family mailbox (the toy's recordings)",
  help: `usage: plushlink inbox [--out DIR] [phone options]

Without --out, lists the envelopes waiting in the family mailbox (id, padded size, hour taken).
With --out DIR, fetches each recording the toy sealed for its phones, checks the seal, saves it as
DIR/ID.ogg and acknowledges it (the relay deletes it once every recipient did). Envelopes that are
not recordings from the toy (messages on their way to it) are left for a bridge.

  --out DIR            fetch the recordings into DIR (made if missing)
${FAR_PHONE_HELP}`,

  async run(args, out) {
    const { values } = parseCommandLine('inbox', args, OPTIONS);
    const phone = await FarPhone.open(values.phone);
    const toyId = phone.toyId(values.toy);
    const { relay, settings } = phone.familyRelay(toyId);
    const waiting = await relay.relay.pending(settings.mailbox);
    if (!values.out) {
      if (waiting.length === 0) out.print('nothing waiting');
      for (const w of waiting) out.print(`${w.id}  ${kilobytes(w.size)} kB  ${new Date(w.hour * 3_600_000).toISOString().slice(0, 13)}h`);
      return 0;
    }
    mkdirSync(values.out, { recursive: true });
    let fetched = 0;
    for (const w of waiting) {
      const sealed = await relay.relay.fetch(settings.mailbox, w.id);
      let recording;
      try {
        recording = relay.openRecording(sealed);
      } catch {
        continue; // not a recording from the toy for this phone: a message on its way to the toy
      }
      const file = join(values.out, `${recording.id}.ogg`);
      const bytes = await saveVoice(file, recording.ogg);
      await relay.relay.acknowledge(settings.mailbox, w.id);
      out.print(`fetched recording ${recording.id} from ${new Date(recording.recordedAt).toISOString()} → ${file} (${kilobytes(bytes)} kB)`);
      fetched += 1;
    }
    if (fetched === 0) out.print('no recordings waiting');
    return 0;
  },
};
