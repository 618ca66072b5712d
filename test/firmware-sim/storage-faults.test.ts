// The toy on a failing disk, end to end on the virtual radio with real stacks: a full disk answers
// TOY_FULL, a read-only or failing one STORAGE_ERROR with its reason, and the toy stays on the air
// serving everything else; the speaker's file failing never undoes an acknowledged message; a
// full or read-only disk boots degraded and says so; damaged records are quarantined at boot and
// on read (log, status, event) while the rest is served; a factory reset cut by a power cut is
// finished at the next boot.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaultyFlashIO, PowerCut } from '../../firmware-sim/flash-faults';
import { nodeFlashIO } from '../../firmware-sim/flash-io';
import { toHex } from '../../pairing/bytes';
import { ownedToy, thrown, until, useWorld, voiceWav } from '../client/helpers';
import type { WorldToy } from '../client/world';

/** Fails the test if the firmware faults (goes off the air) at any point. */
function neverFaults(toy: WorldToy): () => void {
  const faults: Error[] = [];
  toy.firmware.on('fault', (error) => faults.push(error));
  return () => {
    expect(faults).toEqual([]);
    expect(toy.firmware.state).not.toBe('off');
  };
}

describe('a toy whose disk fails', () => {
  const world = useWorld(171);

  it('answers TOY_FULL when the disk is full (ENOSPC) while storing a message, stays on the air, and takes it once there is room', async () => {
    const io = new FaultyFlashIO();
    const { toy, session } = await ownedToy(world(), 'Parent', { flashIO: io });
    const healthy = neverFaults(toy);
    io.arm({ kind: 'ENOSPC', at: 0, call: 'write', path: /messages\/.*\.tmp$/ });
    const error = await thrown(session.sendMessage(voiceWav(1)));
    expect(error.code).toBe('TOY_FULL');
    expect(await session.status()).toMatchObject({ storage: 'full', messages: 0 });
    expect(toy.log.some((l) => l.includes('ENOSPC'))).toBe(true);
    io.heal();
    expect(await session.sendMessage(voiceWav(1, 4))).toMatch(/^[0-9a-f]{32}$/);
    expect(await session.status()).toMatchObject({ storage: 'ok', messages: 1 });
    healthy();
  });

  it('answers STORAGE_ERROR with the reason on a read-only disk (EROFS), for requests and messages, and keeps serving reads', async () => {
    const io = new FaultyFlashIO();
    const { toy, session } = await ownedToy(world(), 'Parent', { flashIO: io, recordSeconds: 1 });
    const healthy = neverFaults(toy);
    const recorded = new Promise((resolve) => session.once('recording-added', resolve));
    await toy.firmware.pawPress();
    await recorded;
    io.arm({ kind: 'EROFS', at: 0 });
    const refused = await thrown(session.setVolume(20));
    expect(refused.code).toBe('STORAGE_ERROR');
    expect(refused.message).toMatch(/EROFS/);
    expect((await thrown(session.sendMessage(voiceWav(1)))).code).toBe('STORAGE_ERROR');
    const notKept = new Promise<{ reason: string }>((resolve) => toy.firmware.once('recording-not-kept', resolve));
    await toy.firmware.pawPress();
    expect((await notKept).reason).toBe('STORAGE_ERROR');
    // Reads still work: what was stored before is served.
    const [only] = await session.listRecordings();
    expect((await session.fetchRecording(Buffer.from(only!.id).toString('hex'))).ogg.length).toBeGreaterThan(0);
    expect(await session.status()).toMatchObject({ storage: 'read-only', recordings: 1 });
    healthy();
  });

  it('refuses a pairing it cannot store on a read-only disk, and stays on the air for its owner', async () => {
    const io = new FaultyFlashIO();
    const { toy, phone, session } = await ownedToy(world(), 'Parent', { flashIO: io });
    const healthy = neverFaults(toy);
    const { code } = await session.inviteMember(); // the tag's code pairs the first owner only
    await session.disconnect();
    await until(() => !session.open);
    await toy.firmware.pawPress({ long: true });
    io.arm({ kind: 'EROFS', at: 0, path: /bonds/ });
    const grandma = await world().phone('Grandma');
    // The phone holds its bond one message before the toy stores its own: a session or a lost link.
    await grandma.pair(toy.firmware.identity.toyId, { code }).then((s) => s.disconnect(), () => undefined);
    await until(() => toy.log.some((l) => l.startsWith('link: storage failed while pairing')), 5000, 'the pairing refused');
    expect(toy.firmware.storage.bonds.list().map((b) => b.label)).toEqual(['Parent']);
    const again = await phone.connect(toy.firmware.identity.toyId);
    expect(await again.status()).toMatchObject({ role: 'owner', storage: 'read-only' });
    await again.disconnect();
    healthy();
  });

  it('plays an acknowledged message when the speaker cannot write its WAV (and forgets it once played)', async () => {
    const blocked = join(world().dir, 'not-a-folder');
    writeFileSync(blocked, 'a file where the speaker wants a folder');
    const { toy, session } = await ownedToy(world(), 'Parent', { speakerDir: join(blocked, 'speaker') });
    const healthy = neverFaults(toy);
    const played = new Promise<{ wavError?: string }>((resolve) => toy.firmware.once('played', resolve));
    const id = await session.sendMessage(voiceWav(1));
    expect((await played).wavError).toMatch(/ENOTDIR|EEXIST/);
    expect(toy.log.some((l) => l.startsWith(`speaker: played ${id} but could not write its WAV`))).toBe(true);
    // The sound came out: the message played, so it is erased like any played message (issue 11),
    // not kept or refused because of its file copy; the toy remembers admitting it.
    expect(toy.firmware.storage.flash.keys('messages/')).toEqual([]);
    expect(toy.firmware.storage.loadReplayGuard().seen.map((e) => e.id)).toContain(id);
    expect((await session.status()).messages).toBe(0);
    healthy();
  });

  it('reports a paw recording whose microphone file cannot be read as not kept (STORAGE_ERROR), and stays on', async () => {
    const { toy, session } = await ownedToy(world(), 'Parent', { microphone: { kind: 'wav', path: join(world().dir, 'no-such-mic.wav') } });
    const healthy = neverFaults(toy);
    const notKept = new Promise<{ reason: string; message: string }>((resolve) => toy.firmware.once('recording-not-kept', resolve));
    await toy.firmware.pawPress();
    expect(await notKept).toMatchObject({ reason: 'STORAGE_ERROR', message: expect.stringMatching(/ENOENT/) });
    expect(await session.listRecordings()).toEqual([]);
    healthy();
  });

  it('boots on a read-only disk and on a full one in a degraded mode that says so, serving what it has', async () => {
    const owned = await ownedToy(world());
    const toyId = owned.toy.firmware.identity.toyId;
    let toy = owned.toy;
    for (const [kind, health] of [['EROFS', 'read-only'], ['ENOSPC', 'full']] as const) {
      toy = await world().powerCycle(toy, { flashIO: new FaultyFlashIO().arm({ kind, at: 0 }) });
      expect(toy.log.some((l) => l.startsWith(`storage degraded (${health})`))).toBe(true);
      const session = await owned.phone.connect(toyId);
      expect(await session.status()).toMatchObject({ role: 'owner', storage: health });
      await session.disconnect();
      await until(() => !session.open);
    }
  });
});

describe('a toy with damaged records', () => {
  const world = useWorld(172);

  it('quarantines a zero-filled recording and a zeroed upload at boot, reports them, and serves the rest', async () => {
    const { toy: first, phone, session } = await ownedToy(world(), 'Parent', { recordSeconds: 1 });
    const recorded = new Promise((resolve) => session.once('recording-added', resolve));
    await first.firmware.pawPress();
    await recorded;
    await session.disconnect();
    // What the old erase left after a power cut: zeros under a record's name.
    writeFileSync(join(first.dir, 'recordings', 'ab'.repeat(16)), Buffer.alloc(5170));
    writeFileSync(join(first.dir, 'upload'), Buffer.alloc(300));
    const toy = await world().powerCycle(first);
    expect(toy.log.filter((l) => l.includes('quarantined'))).toHaveLength(2);
    const again = await phone.connect(toy.firmware.identity.toyId);
    expect(await again.listRecordings()).toHaveLength(1);
    expect(await again.status()).toMatchObject({ quarantinedRecords: 2, recordings: 1, storage: 'ok' });

    // A record that goes bad while the toy runs: quarantined when read, counted in an event.
    const [good] = await again.listRecordings();
    const key = `recordings/${Buffer.from(good!.id).toString('hex')}`;
    writeFileSync(join(toy.dir, ...key.split('/')), 'PLF1 garbage');
    const event = new Promise<{ key: string; total: number }>((resolve) => toy.firmware.once('record-quarantined', resolve));
    expect(await again.listRecordings()).toEqual([]);
    expect(await event).toMatchObject({ key, total: 3 });
    expect((await thrown(again.fetchRecording(Buffer.from(good!.id).toString('hex')))).code).toBe('NOT_FOUND');
    await again.disconnect();
  });

  it('provisions a new identity rather than refusing to boot when its identity record is damaged', async () => {
    const { toy: first } = await ownedToy(world());
    const oldId = first.firmware.identity.toyId;
    writeFileSync(join(first.dir, 'identity'), Buffer.alloc(64, 0xff));
    const toy = await world().powerCycle(first);
    expect(toy.firmware.identity.toyId).not.toBe(oldId);
    expect(toy.log.some((l) => l.includes('"identity" quarantined'))).toBe(true);
  });
});

describe('a factory reset cut by a power cut', () => {
  const world = useWorld(173);

  it('is finished at the next boot once the paw confirmed it: nothing it erases survives', async () => {
    const io = new FaultyFlashIO();
    const { toy, phone, session } = await ownedToy(world(), 'Parent', { flashIO: io, recordSeconds: 1 });
    const toyId = toy.firmware.identity.toyId;
    const oldKey = toHex(toy.firmware.identity.keys.static.publicKey);
    const played = new Promise((resolve) => toy.firmware.once('played', resolve));
    await session.sendMessage(voiceWav(1));
    await played; // a paw press while the toy speaks is ignored
    const recorded = new Promise((resolve) => session.once('recording-added', resolve));
    await toy.firmware.pawPress();
    await recorded;
    const done = session.factoryReset();
    await until(() => toy.log.some((l) => l.includes('factory reset requested')));
    // The power goes just after the first record left its name (mark down, reset announced).
    io.arm({ kind: 'power-cut', at: 0, call: 'rename', path: /\.erasing$/ });
    await expect(toy.firmware.pawPress()).rejects.toBeInstanceOf(PowerCut);
    await done; // the phone heard "done": the promise must hold
    const rebooted = await world().powerCycle(toy, { flashIO: nodeFlashIO });
    expect(rebooted.log).toContain('factory reset interrupted by a power cut: finished now, new keys made');
    expect(toHex(rebooted.firmware.identity.keys.static.publicKey)).not.toBe(oldKey); // rotated, as every reset does
    expect(rebooted.firmware.storage.flash.keys()).toEqual(['identity', 'policy']);
    expect(rebooted.firmware.storage.bonds.list()).toEqual([]);
    expect((await thrown(phone.connect(toyId))).code).toBe('NOT_BONDED');
  });
});
