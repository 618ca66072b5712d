// The toy's firmware losing power inside a flash write, on the virtual radio with real stacks:
// whatever step the cut hits, the toy boots again with its bonds as they were before or after
// that write, never damaged, and with no half-written file left behind.
import * as fs from 'node:fs';
import { FaultyFlashIO, PowerCut } from '../../firmware-sim/flash-faults';
import { nodeFlashIO, type FlashIO } from '../../firmware-sim/flash-io';
import { ownedToy, thrown, until, useWorld, voiceWav } from '../client/helpers';

/**
 * Real file operations that lose power, once armed, at the first write of a record whose path
 * matches: that write reaches the disk unflushed (so it is lost), then nothing more does.
 */
function cutAtWriteOf(record: RegExp): { io: FlashIO; arm: () => void; cut: () => boolean } {
  const io = new FaultyFlashIO();
  return { io, arm: () => void io.arm({ kind: 'power-cut', at: 0, call: 'write', path: record }), cut: () => io.powerCut };
}

describe('a power cut during a flash write', () => {
  const world = useWorld(91);

  it('leaves the bonds as they were when it hits the new bond being stored', async () => {
    const flashIO = cutAtWriteOf(/bonds\.tmp$/);
    const { toy: first, phone: owner, session } = await ownedToy(world());
    const toyId = first.firmware.identity.toyId;
    await session.inviteMember();
    await session.disconnect();
    // Same flash, now on file operations that will lose power.
    let toy = await world().powerCycle(first, { flashIO: flashIO.io });

    const again = await owner.connect(toyId);
    const { code } = await again.inviteMember();
    await again.disconnect();
    const member = await world().phone('Grandma');
    flashIO.arm();
    const faulted = new Promise<Error>((resolve) => toy.firmware.once('fault', resolve));
    // The phone stores its bond one message before the toy does: it may get a session or a lost link.
    await member.pair(toyId, { code }).then((s) => s.disconnect(), () => undefined);
    expect(await faulted).toBeInstanceOf(PowerCut);
    expect(flashIO.cut()).toBe(true);
    expect(toy.firmware.state).toBe('off');

    toy = await world().powerCycle(toy, { flashIO: nodeFlashIO });
    expect(fs.readdirSync(toy.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(toy.firmware.storage.bonds.list().map((b) => [b.role, b.label])).toEqual([['owner', 'Parent']]);
    const back = await owner.connect(toyId);
    expect((await back.status()).role).toBe('owner');
    await back.disconnect();
    await until(() => !back.open);
    // The member's phone kept a bond the toy never stored: the toy does not know it.
    expect(member.bonds()).toHaveLength(1);
    expect((await thrown(member.connect(toyId))).code).toBe('NOT_BONDED');
  });

  it('keeps the bonds and no partial message when it hits a voice message being stored', async () => {
    const flashIO = cutAtWriteOf(/messages\/[0-9a-f]+\.tmp$/);
    const { toy: first, phone, session } = await ownedToy(world(), 'Parent', { flashIO: flashIO.io });
    const toyId = first.firmware.identity.toyId;
    flashIO.arm();
    const faulted = new Promise<Error>((resolve) => first.firmware.once('fault', resolve));
    const outcome = await thrown(session.sendMessage(voiceWav(1)));
    expect(['LINK_LOST', 'TRANSFER_INTERRUPTED']).toContain(outcome.code);
    expect(await faulted).toBeInstanceOf(PowerCut);

    const toy = await world().powerCycle(first, { flashIO: nodeFlashIO });
    expect(toy.firmware.storage.flash.keys('messages/')).toEqual([]);
    expect(toy.firmware.storage.bonds.list()).toHaveLength(1);
    const back = await phone.connect(toyId);
    expect(await back.status()).toMatchObject({ role: 'owner', messages: 0 });
    // Sent again, the message arrives (the toy never admitted it, so its id is not burnt).
    expect(await back.sendSealed(outcome.details.envelope as Uint8Array)).toMatch(/^[0-9a-f]{32}$/);
    await back.disconnect();
  });
});
