// `plushlink toy --dir DIR`: a simulated toy switched on, with its flash in DIR, serving its own
// air over TCP so phone commands in other processes reach it. Prints its id, pairing code and QR,
// then runs until Ctrl-C. The paw: `p` + Enter here (long press `P`), or `plushlink paw --dir DIR`
// from anywhere else (SIGUSR1 short, SIGUSR2 long, to the pid in DIR/pid).
import { mkdirSync, readFileSync } from 'node:fs';
import { readWav } from '../audio/wav';
import { formatPairingCode } from '../pairing/code';
import { tagFingerprint } from '../pairing/identity';
import { encodeQrPayload } from '../pairing/qr';
import { Air } from '../radio/air';
import { parseAirSpec } from '../radio/air-spec';
import { type H4TcpServer, serveH4OverTcp } from '../radio/h4-tcp-server';
import { integerOption, parseCommandLine } from './args';
import type { Command, Output } from './command';
import { kilobytes } from './progress-bar';
import { untilInterrupted } from './signals';
import { terminalQr } from './terminal-qr';
import { announceToy, findRunningToy, toyDirPaths, withdrawToy } from './toy-dir';
import { type RunningToy, startToyOnAir } from './toy-on-air';
import { UsageError } from './usage-error';
import { runLegacyToy } from './legacy-toy-command';
import { listenForPaw } from './paw-input';

export const DEFAULT_TOY_PORT = 7357;

const OPTIONS = {
  dir: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  mic: { type: 'string' },
  'record-seconds': { type: 'string' },
  capture: { type: 'string' },
  'no-qr': { type: 'boolean' },
  legacy: { type: 'boolean' },
  air: { type: 'string' },
  'hold-paw': { type: 'string' },
} as const;

export const toyCommand: Command = {
  name: 'toy',
  summary: 'switch on a simulated toy (state in a folder) that phone commands reach',
  help: `usage: plushlink toy --dir DIR [--port P] [--host H | --air tcp:HOST:PORT] [--mic FILE.wav] [--record-seconds N] [--capture DIR] [--no-qr] [--hold-paw S] [--legacy]

Runs a simulated toy: its firmware on bleno, on a virtual air served over TCP so that phone
commands (pair, send, fetch, members, reset) in other terminals reach it. DIR keeps the toy's
flash (identity, bonds, messages, recordings) across runs, and the WAV files its speaker played.
Prints the toy id, its pairing code and its QR code, and runs until Ctrl-C.

The paw button:
  p + Enter    press (opens the pairing window on a new toy, records once it has an owner,
               confirms a factory reset)
  P + Enter    long press (opens the pairing window, e.g. for an invited member)
  or from another terminal: plushlink paw --dir DIR [--long]

  --dir DIR             the toy's folder (created if needed)
  --port P              TCP port of the toy's air on loopback (default ${DEFAULT_TOY_PORT}; 0 picks a free one)
  --host H              address to listen on (default 127.0.0.1)
  --mic FILE.wav        what the microphone hears (default: a generated voice)
  --record-seconds N    seconds recorded per paw press (default 3)
  --air tcp:HOST:PORT   run on a controller that another process serves as HCI H4 over TCP
                        ("plushlink air --serve", or any H4-over-TCP controller) instead of
                        serving an air of its own; phones join that air
  --capture DIR         write one btsnoop capture per device on the air into DIR (created if
                        needed; with --air, capture where the air is served)
  --no-qr               print the QR payload as text instead of drawing the QR code
  --hold-paw S          switch on with the paw held down for S seconds: 10 or more is the
                        physical recovery (no phone needed: bonds, recordings, messages and
                        lockout erased, new keys; the tag's code and QR pair the next owner)
  --legacy              run the open CloudPets-style legacy profile instead (no pairing, no
                        encryption: anyone in range can upload, play, record and download;
                        for attack demonstrations, see docs/THREAT-MODEL.md)`,

  async run(args, out) {
    const { values } = parseCommandLine('toy', args, OPTIONS);
    if (!values.dir) throw new UsageError('toy needs --dir DIR (the toy\'s folder)');
    const paths = toyDirPaths(values.dir);
    const already = findRunningToy(paths.dir);
    if (already) throw new Error(`a toy is already running in ${paths.dir} (pid ${already.pid})`);
    const port = integerOption('toy', 'port', values.port, 0, 65535) ?? DEFAULT_TOY_PORT;
    const recordSeconds = integerOption('toy', 'record-seconds', values['record-seconds'], 1, 60) ?? 3;
    const holdPawSeconds = integerOption('toy', 'hold-paw', values['hold-paw'], 0, 3600) ?? 0;
    if (values.mic) checkMicrophone(values.mic);
    if (values.air !== undefined) checkRemoteAir(values);
    mkdirSync(paths.dir, { recursive: true });
    if (values.legacy) {
      return runLegacyToy(out, paths, {
        port,
        host: values.host ?? '127.0.0.1',
        recordSeconds,
        ...(values.mic ? { mic: values.mic } : {}),
        ...(values.capture ? { capture: values.capture } : {}),
      });
    }

    const served = values.air === undefined ? await serveAir(port, values.host ?? '127.0.0.1', values.capture) : undefined;
    const airSpec = values.air ?? served!.server.airSpec;
    const toy = await startToyOnAir(served?.air ?? airSpec, {
      dir: paths.flash,
      speakerDir: paths.speaker,
      recordSeconds,
      pawHeldMs: holdPawSeconds * 1000,
      log: (line) => out.print(`toy: ${line}`),
      ...(values.mic ? { microphone: { kind: 'wav', path: values.mic } as const } : {}),
    });
    const { identity } = toy.firmware;
    // The paw listens before the pid file and the banner say the toy is there: a SIGUSR1 that
    // arrives first would otherwise open Node's debugger instead of pressing the paw.
    const stopPaw = listenForPaw(out, (long) => toy.firmware.pawPress({ long }));
    try {
      announceToy(paths, { air: airSpec, toyId: identity.toyId, pid: process.pid });
    } catch (error) {
      // A full or read-only disk: the toy still runs; phones then need --air and --toy.
      out.print(`toy: could not write ${paths.dir}/air, toy-id and pid (${(error as Error).message}): phones need --air ${airSpec} --toy ${identity.toyId}`);
    }
    introduce(out, toy, airSpec, !values['no-qr']);
    reportEvents(out, toy);

    // A toy whose remote air goes away has no radio left: that ends it, as an error. Until then
    // it runs, even with no socket or server of its own to keep the process alive.
    const running = setInterval(() => undefined, 1 << 30);
    const ended = await Promise.race([untilInterrupted(), toy.radioDown.then(() => 'radio down' as const)]);
    clearInterval(running);
    out.print(`toy: switched off (${ended})`);
    stopPaw();
    withdrawToy(paths);
    if (ended !== 'radio down') await toy.server.stop().catch(() => undefined);
    toy.firmware.powerOff();
    await served?.server.close();
    served?.air.close();
    if (ended === 'radio down') throw new Error(`the air at ${airSpec} went away`);
    return 0;
  },
};

/** `--air` joins an air served elsewhere: the options about serving one do not apply. */
function checkRemoteAir(values: { air?: string; port?: string; host?: string; capture?: string; legacy?: boolean }): void {
  if (!parseAirSpec(values.air!)) throw new UsageError(`--air ${values.air}: expected tcp:HOST:PORT`);
  if (values.legacy) throw new UsageError('--air runs the secure toy only; the legacy toy serves its own air');
  if (values.port !== undefined || values.host !== undefined) throw new UsageError('--air joins an air served elsewhere: --port and --host do not apply');
  if (values.capture !== undefined) throw new UsageError('--capture records an air this toy serves; with --air, capture where the air is served (plushlink air --capture DIR)');
}

/** The toy's own air, served over TCP on loopback for phone commands in other processes. */
async function serveAir(port: number, host: string, captureDir: string | undefined): Promise<{ air: Air; server: H4TcpServer }> {
  const air = new Air({ ...(captureDir ? { captureDir } : {}) });
  try {
    return { air, server: await serveH4OverTcp(air, { host, port }) };
  } catch (error) {
    air.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${port} is taken (another toy?): pass --port 0 to pick a free one`);
    throw error;
  }
}

/** A bad microphone file fails at start, not at the first paw press. */
function checkMicrophone(path: string): void {
  const bytes = readFileSync(path);
  try {
    readWav(bytes);
  } catch (error) {
    throw new UsageError(`--mic ${path}: not a readable WAV file (${(error as Error).message})`);
  }
}

function introduce(out: Output, toy: RunningToy, airSpec: string, drawQr: boolean): void {
  const { identity, sodium } = toy.firmware;
  const qr = encodeQrPayload({ toyId: identity.toyId, code: identity.code, fingerprint: tagFingerprint(sodium, identity) });
  // The first screen fits 80x24: id and code first, then the QR code, or its payload as text.
  out.print(`toy ${identity.toyId} is on the air at ${airSpec}`);
  out.print(`pairing code: ${formatPairingCode(identity.code)}`);
  if (drawQr) for (const line of terminalQr(qr, { colors: process.stdout.isTTY === true })) out.print(line);
  else out.print(`QR payload:   ${qr}`);
  out.print('paw: p + Enter (press), P + Enter (long press); Ctrl-C switches the toy off');
}

function reportEvents(out: Output, toy: RunningToy): void {
  const { firmware } = toy;
  // The firmware logs the window opening itself; its closing is only an event.
  firmware.on('pairing-window', (open) => open || out.print('toy: pairing window closed'));
  firmware.on('played', (played) => out.print(`toy: played message ${played.id} (${played.durationSeconds.toFixed(1)} s)${played.wavPath ? ` → ${played.wavPath}` : ''}`));
  firmware.on('recorded', (recorded) => out.print(`toy: recorded ${recorded.id} (${kilobytes(recorded.bytes)} kB sealed for its phones)`));
  firmware.on('message-rejected', (reason) => out.print(`toy: refused a message (${reason})`));
}
