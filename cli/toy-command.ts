// `plushlink toy --dir DIR`: a simulated toy switched on, with its flash in DIR, serving its own
// air over TCP so phone commands in other processes reach it. Prints its id, pairing code and QR,
// then runs until Ctrl-C. The paw: `p` + Enter here (long press `P`), or `plushlink paw --dir DIR`
// from anywhere else (SIGUSR1 short, SIGUSR2 long, to the pid in DIR/pid).
import { mkdirSync, readFileSync } from 'node:fs';
import { readWav } from '../audio/wav';
import { formatPairingCode } from '../pairing/code';
import { keyFingerprint, publicKeys } from '../pairing/identity';
import { encodeQrPayload } from '../pairing/qr';
import { Air } from '../radio/air';
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
} as const;

export const toyCommand: Command = {
  name: 'toy',
  summary: 'switch on a simulated toy (state in a folder) that phone commands reach',
  help: `usage: plushlink toy --dir DIR [--port P] [--host H] [--mic FILE.wav] [--record-seconds N] [--capture DIR] [--no-qr] [--legacy]

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
  --capture DIR         write one btsnoop capture per device on the air into DIR
  --no-qr               print the QR payload as text instead of drawing the QR code
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
    if (values.mic) checkMicrophone(values.mic);
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

    const air = new Air({ ...(values.capture ? { captureDir: values.capture } : {}) });
    let server: H4TcpServer;
    try {
      server = await serveH4OverTcp(air, { host: values.host ?? '127.0.0.1', port });
    } catch (error) {
      air.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${port} is taken (another toy?): pass --port 0 to pick a free one`);
      throw error;
    }
    const toy = await startToyOnAir(air, {
      dir: paths.flash,
      speakerDir: paths.speaker,
      recordSeconds,
      log: (line) => out.print(`toy: ${line}`),
      ...(values.mic ? { microphone: { kind: 'wav', path: values.mic } as const } : {}),
    });
    const { identity } = toy.firmware;
    announceToy(paths, { air: server.airSpec, toyId: identity.toyId, pid: process.pid });
    introduce(out, toy, server.airSpec, !values['no-qr']);
    reportEvents(out, toy);
    const stopPaw = listenForPaw(out, (long) => toy.firmware.pawPress({ long }));

    const signal = await untilInterrupted();
    out.print(`toy: switched off (${signal})`);
    stopPaw();
    withdrawToy(paths);
    await toy.server.stop().catch(() => undefined);
    toy.firmware.powerOff();
    await server.close();
    air.close();
    return 0;
  },
};

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
  const qr = encodeQrPayload({ toyId: identity.toyId, code: identity.code, fingerprint: keyFingerprint(sodium, publicKeys(identity.keys)) });
  // The first screen fits 80x24: id and code first, then the QR code, or its payload as text.
  out.print(`toy ${identity.toyId} is on the air at ${airSpec}`);
  out.print(`pairing code: ${formatPairingCode(identity.code)}`);
  if (drawQr) for (const line of terminalQr(qr)) out.print(line);
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
