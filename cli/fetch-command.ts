// `plushlink fetch`: lists the toy's paw recordings, or fetches one (checking it was sealed by
// this toy for this phone) and saves it as Ogg Opus or WAV, with a progress bar.
import type { RecordingInfo } from '../pairing/session-messages';
import { toHex } from '../pairing/bytes';
import { parseCommandLine } from './args';
import { audioFileKind, saveVoice } from './audio-files';
import type { Command } from './command';
import { openPhone, PHONE_HELP, PHONE_OPTIONS, withSession } from './phone';
import { kilobytes, transferProgress } from './progress-bar';
import { UsageError } from './usage-error';

const OPTIONS = { ...PHONE_OPTIONS, latest: { type: 'boolean' }, list: { type: 'boolean' }, out: { type: 'string' } } as const;

export const fetchCommand: Command = {
  name: 'fetch',
  summary: "list the toy's recordings, or fetch one as Ogg Opus or WAV",
  help: `usage: plushlink fetch (ID | --latest) --out FILE.ogg|FILE.wav [phone options]
       plushlink fetch --list [phone options]

Recordings are what the toy's microphone heard when someone pressed its paw. Each is sealed by
the toy for its bonded phones; fetching checks the seal and saves the audio.

  ID                   a recording id (32 hex digits, from --list)
  --latest             the newest recording
  --out FILE           where to save it: .ogg or .opus keeps Ogg Opus, .wav decodes to WAV
  --list               list the recordings instead
${PHONE_HELP}`,

  async run(args, out) {
    const { values, positionals } = parseCommandLine('fetch', args, OPTIONS, 1);
    const wanted = positionals[0];
    if (!values.list) {
      if ((wanted === undefined) === !values.latest) throw new UsageError('fetch needs a recording ID or --latest (or --list)');
      if (!values.out) throw new UsageError('fetch needs --out FILE.ogg or FILE.wav');
      audioFileKind(values.out);
    }
    const phone = await openPhone('fetch', values);
    return withSession(phone, async (session) => {
      const recordings = await session.listRecordings();
      if (values.list) {
        if (recordings.length === 0) out.print('no recordings (press the paw to record one)');
        for (const r of recordings) out.print(describe(r));
        return 0;
      }
      const latest = recordings.at(-1);
      if (!wanted && !latest) throw new Error('the toy has no recordings yet (press its paw to record one)');
      const id = wanted ?? toHex(latest!.id);
      const progress = transferProgress(`fetching ${id.slice(0, 8)}`, out.status, { plainLines: true });
      let fetched;
      try {
        fetched = await session.fetchRecording(id, progress);
      } finally {
        progress.finish();
      }
      const bytes = await saveVoice(values.out!, fetched.ogg);
      out.print(`fetched recording ${fetched.id} from ${new Date(fetched.recordedAt).toISOString()} → ${values.out} (${kilobytes(bytes)} kB)`);
      return 0;
    }, out.signal);
  },
};

function describe(recording: RecordingInfo): string {
  return `${toHex(recording.id)}  ${new Date(recording.createdAt).toISOString()}  ${kilobytes(recording.bytes)} kB`;
}
