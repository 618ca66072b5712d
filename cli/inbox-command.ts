// `plushlink inbox`: what waits for this phone in the family mailbox: the child's paw-press
// recordings a bridge posted, and the toy's "played" receipts for this phone's messages. Lists
// them, or fetches each recording (checking the toy sealed it for this phone), writes it as Ogg
// Opus into --out DIR and acknowledges it on the relay; receipts are printed and acknowledged.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine } from './args';
import { saveVoice } from './audio-files';
import type { Command } from './command';
import { FAR_PHONE_HELP, FAR_PHONE_OPTIONS, FarPhone } from './far-phone';
import { retryPendingRoster } from './pending-roster';
import { kilobytes } from './progress-bar';

const OPTIONS = { ...FAR_PHONE_OPTIONS, out: { type: 'string' } } as const;

export const inboxCommand: Command = {
  name: 'inbox',
  summary: "what waits for this phone in the family mailbox: the toy's recordings, \"played\" receipts",
  help: `usage: plushlink inbox [--out DIR] [phone options]

Opens what waits for this phone in the family mailbox. A "played" receipt (the toy's sealed word
that it played a message this phone sent) is printed and acknowledged. Without --out, the toy's
recordings and the envelopes this phone cannot open (messages on their way to the toy) are listed
(id, padded size, hour taken). With --out DIR, each recording the toy sealed for this phone is
checked, saved as DIR/ID.ogg and acknowledged (the relay deletes it once every recipient did);
envelopes this phone cannot open are left for a bridge.

  --out DIR            fetch the recordings into DIR (made if missing)
${FAR_PHONE_HELP}`,

  async run(args, out) {
    const { values } = parseCommandLine('inbox', args, OPTIONS);
    const phone = await FarPhone.open(values.phone);
    const toyId = phone.toyId(values.toy);
    const { relay, settings } = phone.familyRelay(toyId);
    await retryPendingRoster(phone, phone.storePath, toyId, out);
    const waiting = await relay.relay.pending(settings.mailbox);
    if (values.out) mkdirSync(values.out, { recursive: true });
    let shown = 0;
    for (const w of waiting) {
      const mail = relay.read(await relay.relay.fetch(settings.mailbox, w.id));
      const listing = `${w.id}  ${kilobytes(w.size)} kB  ${new Date(w.hour * 3_600_000).toISOString().slice(0, 13)}h`;
      if (mail.kind === 'receipt') {
        out.print(`message ${mail.receipt.message} played on the toy at ${new Date(mail.receipt.playedAt).toISOString()}`);
        await relay.relay.acknowledge(settings.mailbox, w.id);
      } else if (!values.out) {
        out.print(`${listing}  ${mail.kind === 'recording' ? `recording ${mail.recording.id}` : 'sealed (on its way to the toy)'}`);
      } else if (mail.kind === 'recording') {
        const file = join(values.out, `${mail.recording.id}.ogg`);
        const bytes = await saveVoice(file, mail.recording.ogg);
        await relay.relay.acknowledge(settings.mailbox, w.id);
        out.print(`fetched recording ${mail.recording.id} from ${new Date(mail.recording.recordedAt).toISOString()} → ${file} (${kilobytes(bytes)} kB)`);
      } else {
        continue; // not this phone's to open: a message on its way to the toy
      }
      shown += 1;
    }
    if (shown === 0) out.print(values.out ? 'no recordings or receipts waiting' : 'nothing waiting');
    return 0;
  },
};
