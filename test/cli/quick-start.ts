// A phone app and a simulated toy on a virtual radio, in one process: pair, send a voice
// message, fetch what the toy recorded. README.md shows this file (imports from 'plushlink/...').
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../../audio/wav';
import { ToyClient } from '../../client';
import { speechLike, ToyFirmware, ToyGattServer } from '../../firmware-sim';
import { Air } from '../../radio/air';
import { loadBleno } from '../../radio/loaders';

async function main(): Promise<void> {
  const air = new Air();
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-quick-start-'));

  // The toy: its firmware on a flash folder, served by an unmodified bleno on the air.
  const toy = await ToyFirmware.boot({ dir: join(dir, 'toy') });
  await ToyGattServer.start(loadBleno({ kind: 'virtual', air }).bleno, toy);

  // The phone: an unmodified noble on the same air; its keys and bonds live in a file.
  const phone = await ToyClient.create({ radio: { kind: 'virtual', air }, store: join(dir, 'phone.json'), label: 'Parent' });

  await toy.pawPress(); // the person holding the toy opens its pairing window
  const session = await phone.pair(toy.identity.toyId, { code: toy.identity.code }); // the code on its tag
  console.log(`paired as ${session.bond.role}`);

  const wav = writeWav({ sampleRate: 16000, channels: [speechLike(2 * 16000, 1)] }); // 2 s of voice
  const played = new Promise((resolve) => session.once('message-played', resolve));
  const id = await session.sendMessage(wav, { onProgress: (p) => console.log(`sending: ${p.bytesDone}/${p.total} bytes`) });
  await played;
  console.log(`message ${id} stored and played by the toy`);

  const recorded = new Promise((resolve) => session.once('recording-added', resolve));
  await toy.pawPress(); // once the toy has an owner, the paw records
  await recorded;
  const [latest] = await session.listRecordings();
  const recording = await session.fetchRecording(Buffer.from(latest!.id).toString('hex'));
  writeFileSync(join(dir, 'recording.ogg'), recording.ogg);
  console.log(`fetched ${recording.ogg.length} bytes of Ogg Opus into ${join(dir, 'recording.ogg')}`);

  await session.disconnect();
  air.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
