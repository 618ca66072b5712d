// `plushlink send FILE`: seals a WAV or Ogg Opus recording for a bonded toy and sends it, with a
// progress bar; the toy stores it and plays it. Too long a recording is refused before encoding;
// a send cut short (toy gone, Ctrl-C) is kept and resumes when the same command runs again.
import { readFileSync } from 'node:fs';
import { isToyClientError } from '../client/errors';
import { parseCommandLine } from './args';
import type { Command } from './command';
import { UndoneWork } from './error-line';
import { checkMessageSize, MAX_MESSAGE_SECONDS } from './message-limit';
import { pendingSend } from './pending-sends';
import { retryPendingRoster } from './pending-roster';
import { FarPhone } from './far-phone';
import { openPhone, PHONE_HELP, PHONE_OPTIONS, withSession } from './phone';
import { kilobytes, transferProgress } from './progress-bar';
import { UsageError } from './usage-error';

/** One line per tenth of a long encode: it blocks for seconds, and a silent terminal looks hung. */
function encodeProgress(status: NodeJS.WritableStream): (framesDone: number, frames: number) => void {
  let shown = 0;
  return (done, frames) => {
    const tenths = Math.floor((10 * done) / frames);
    if (tenths <= shown) return;
    shown = tenths;
    status.write(`encoding: ${tenths * 10}%\n`);
  };
}

const OPTIONS = { ...PHONE_OPTIONS, remote: { type: 'boolean' } } as const;

export const sendCommand: Command = {
  name: 'send',
  summary: 'send a voice message (WAV or Ogg Opus) to a bonded toy',
  help: `usage: plushlink send FILE.wav|FILE.ogg [phone options]
       plushlink send --remote FILE.wav|FILE.ogg [--toy ID] [--phone FILE]

Seals the recording on this phone for the toy alone (signed by this phone, encrypted to the toy)
and sends it over the session; the toy stores it and plays it. WAV is encoded to Opus first.
The toy takes messages up to ${Math.floor(MAX_MESSAGE_SECONDS / 60)} min ${MAX_MESSAGE_SECONDS % 60} s. If a send is cut short (the toy goes away,
Ctrl-C), running the same command again resumes where it stopped.

  --remote             from far away: seal it for the toy the same way and post it to the
                       family mailbox on the relay (stored by "plushlink join"); a family phone
                       in range ("plushlink bridge") carries it to the toy
${PHONE_HELP}`,

  async run(args, out) {
    const { values, positionals } = parseCommandLine('send', args, OPTIONS, 1);
    const file = positionals[0];
    if (!file) throw new UsageError('send needs a FILE.wav or FILE.ogg to send');
    const recording = readFileSync(file);
    const encoding = checkMessageSize(file, recording);
    if (values.remote) {
      const far = await FarPhone.open(values.phone);
      const toyId = far.toyId(values.toy);
      const { relay, settings } = far.familyRelay(toyId);
      await retryPendingRoster(far, far.storePath, toyId, out);
      if (encoding) out.status.write(`${encoding}\n`);
      const id = await relay.sendRemote(recording);
      out.print(`sent ${file} (${kilobytes(recording.length)} kB): message ${id} posted for toy ${toyId} to mailbox ${settings.mailbox}`);
      return 0;
    }
    const phone = await openPhone('send', values);
    const pending = pendingSend(phone.storePath, phone.toyId(), recording);
    let onToy = 0;
    let total = 0;
    const id = await withSession(
      phone,
      async (session) => {
        let envelope = pending.envelope;
        if (envelope) {
          out.status.write(`resuming the interrupted send of ${file}\n`);
        } else {
          if (encoding) out.status.write(`${encoding}\n`);
          envelope = session.sealMessage(recording, encoding ? { onEncodeProgress: encodeProgress(out.status) } : {});
          pending.save(envelope);
        }
        total = envelope.length;
        const progress = transferProgress(`sending ${file}`, out.status, { plainLines: true });
        try {
          const stored = await session.sendSealed(envelope, {
            onProgress: (p) => {
              onToy = p.bytesDone;
              progress.onProgress(p);
            },
          });
          pending.done();
          return stored;
        } catch (error) {
          if (isToyClientError(error, 'TRANSFER_INTERRUPTED') && error.resumable) {
            const why = isToyClientError(error.cause) ? error.cause.message : error.message;
            throw new UndoneWork(`the toy had acknowledged ${kilobytes(onToy)} of ${kilobytes(total)} kB; run the same send again to resume (TRANSFER_INTERRUPTED)`, why);
          }
          if (!isToyClientError(error, 'TRANSFER_INTERRUPTED')) pending.done();
          throw error;
        } finally {
          progress.finish();
        }
      },
      out.signal,
    );
    out.print(`sent ${file} (${kilobytes(recording.length)} kB): message ${id} stored on toy ${phone.toyId()}`);
    return 0;
  },
};
