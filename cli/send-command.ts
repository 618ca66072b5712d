// `plushlink send FILE`: seals a WAV or Ogg Opus recording for a bonded toy and sends it, with a
// progress bar; the toy stores it and plays it.
import { readFileSync } from 'node:fs';
import { parseCommandLine } from './args';
import type { Command } from './command';
import { openPhone, PHONE_HELP, PHONE_OPTIONS, withSession } from './phone';
import { kilobytes, transferProgress } from './progress-bar';
import { UsageError } from './usage-error';

export const sendCommand: Command = {
  name: 'send',
  summary: 'send a voice message (WAV or Ogg Opus) to a bonded toy',
  help: `usage: plushlink send FILE.wav|FILE.ogg [phone options]

Seals the recording on this phone for the toy alone (signed by this phone, encrypted to the toy)
and sends it over the session; the toy stores it and plays it. WAV is encoded to Opus first.

${PHONE_HELP}`,

  async run(args, out) {
    const { values, positionals } = parseCommandLine('send', args, PHONE_OPTIONS, 1);
    const file = positionals[0];
    if (!file) throw new UsageError('send needs a FILE.wav or FILE.ogg to send');
    const recording = readFileSync(file);
    const phone = await openPhone('send', values);
    const id = await withSession(phone, async (session) => {
      const progress = transferProgress(`sending ${file}`, out.status, { plainLines: true });
      try {
        return await session.sendMessage(recording, progress);
      } finally {
        progress.finish();
      }
    });
    out.print(`sent ${file} (${kilobytes(recording.length)} kB): message ${id} stored on toy ${phone.toyId()}`);
    return 0;
  },
};
