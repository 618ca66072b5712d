// `plushlink toy --legacy --dir DIR`: the open CloudPets-style toy (firmware-sim/legacy-toy.ts)
// on an air served over TCP, for demonstrating the attacks the secure profile stops. Anyone in
// range may upload, play, switch the microphone on and download; it says so when it starts.
import { LEGACY_NAME, LegacyGattServer } from '../firmware-sim/legacy-gatt-server';
import { LegacyToy } from '../firmware-sim/legacy-toy';
import { Air } from '../radio/air';
import { serveH4OverTcp } from '../radio/h4-tcp-server';
import { loadBleno } from '../radio/loaders';
import type { Output } from './command';
import { untilInterrupted } from './signals';
import { announceToy, type ToyDirPaths, withdrawToy } from './toy-dir';
import { listenForPaw } from './paw-input';

export interface LegacyToyOptions {
  readonly port: number;
  readonly host: string;
  readonly recordSeconds: number;
  readonly mic?: string;
  readonly capture?: string;
}

export async function runLegacyToy(out: Output, paths: ToyDirPaths, options: LegacyToyOptions): Promise<number> {
  const air = new Air({ ...(options.capture ? { captureDir: options.capture } : {}) });
  const server = await serveH4OverTcp(air, { host: options.host, port: options.port }).catch((error: NodeJS.ErrnoException) => {
    air.close();
    throw error.code === 'EADDRINUSE' ? new Error(`port ${options.port} is taken (another toy?): pass --port 0 to pick a free one`) : error;
  });
  const toy = new LegacyToy({
    dir: paths.flash,
    speakerDir: paths.speaker,
    recordSeconds: options.recordSeconds,
    ...(options.mic ? { microphone: { kind: 'wav', path: options.mic } as const } : {}),
  });
  await LegacyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'legacy toy' }).bleno, toy);
  announceToy(paths, { air: server.airSpec, toyId: 'legacy', pid: process.pid });
  out.print(`legacy toy "${LEGACY_NAME}" (${toy.model}) is on the air at ${server.airSpec} (state in ${paths.dir})`);
  out.print('WARNING: this is the open CloudPets profile: no pairing, no encryption. Any phone in range can upload,');
  out.print('play, switch the microphone on and download recordings. It exists to show the attacks (npm run attacks).');
  toy.on('uploaded', (u) => out.print(`toy: slot ${u.slot} overwritten with ${u.bytes} bytes by whoever was connected`));
  toy.on('played', (p) => out.print(`toy: played slot ${p.slot}${p.wavPath ? ` → ${p.wavPath}` : ''}`));
  toy.on('recorded', (r) => out.print(`toy: recorded slot ${r.slot}${r.remote ? ' — switched on over the air, no paw press' : ''}`));
  toy.on('led', (l) => out.print(`toy: LED mode ${l.mode}`));
  toy.on('volume', (v) => out.print(`toy: volume ${v}`));
  const stopPaw = listenForPaw(out, async () => toy.pawPress());
  const signal = await untilInterrupted();
  out.print(`toy: switched off (${signal})`);
  stopPaw();
  withdrawToy(paths);
  await server.close();
  air.close();
  return 0;
}
