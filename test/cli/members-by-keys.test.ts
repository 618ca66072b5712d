// A phone joins by its public keys (HomeKit's Add Pairing) through the real `plushlink` processes:
// it shows its keys, the owner adds them and hands back the grant, the phone stores it and then
// sends a message the toy plays. No code is typed, so there is nothing for a stranger to guess.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../../audio/wav';
import { speechLike } from '../../firmware-sim/microphone';
import { OutputWatcher, plushlink, startPlushlink } from './run';

describe('plushlink members keys / add / accept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-cli-keys-'));
  const toyDir = join(dir, 'toy');
  const toy = startPlushlink(['toy', '--dir', toyDir, '--port', '0', '--no-qr']);
  const watcher = new OutputWatcher(toy);
  const parent = (...args: string[]) => plushlink([...args, '--toy-dir', toyDir, '--phone', join(dir, 'parent.json')]);
  const grandma = (...args: string[]) => plushlink([...args, '--toy-dir', toyDir, '--phone', join(dir, 'grandma.json')]);

  beforeAll(async () => {
    await watcher.waitFor(/is on the air at tcp:127\.0\.0\.1:\d+/);
    const code = (await watcher.waitFor(/^pairing code: (\d{5} \d{5})$/m))[1]!;
    expect(plushlink(['paw', '--dir', toyDir]).status).toBe(0);
    expect(parent('pair', '--code', code, '--name', 'Parent').status).toBe(0);
  });

  afterAll(async () => {
    if (toy.exitCode === null) {
      toy.kill('SIGKILL');
      await new Promise((resolve) => toy.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('says in one line what is missing or malformed, with a non-zero exit', () => {
    expect(parent('members', 'add')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^plushlink: members add needs --keys PHONE_KEYS .*\n$/) });
    expect(grandma('members', 'accept')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^plushlink: members accept needs the GRANT .*\n$/) });
    expect(grandma('members', 'keys', '--label', 'x')).toMatchObject({ status: 2, stderr: 'plushlink: members keys: --keys and --label go with members add\n' });
    const badKeys = parent('members', 'add', '--keys', 'plushlink://phone?v=1');
    expect(badKeys.status).toBe(1);
    expect(badKeys.stderr).toMatch(/^plushlink: not a phone's keys: .*\(BAD_INPUT\)\n$/);
    const badGrant = grandma('members', 'accept', 'plushlink://member?v=9');
    expect(badGrant.status).toBe(1);
    expect(badGrant.stderr).toMatch(/^plushlink: not a membership grant: .*\(BAD_INPUT\)\n$/);
  });

  it('lets a phone join by its keys and then send a message the toy plays', async () => {
    const shown = grandma('members', 'keys');
    expect(shown.status).toBe(0);
    const keys = /^phone keys: (plushlink:\/\/phone\?\S+)$/m.exec(shown.stdout)?.[1];
    expect(keys).toBeDefined();

    expect(grandma('members')).toMatchObject({ status: 1, stderr: expect.stringContaining('(NOT_BONDED)') });

    const added = parent('members', 'add', '--keys', keys!, '--label', 'Grandma');
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    const [, bondId, grant] = /^added ([0-9a-f]{16}) as member\ngrant: (plushlink:\/\/member\?\S+)$/m.exec(added.stdout) ?? [];
    expect(grant).toContain(`bond=${bondId}`);

    const accepted = grandma('members', 'accept', grant!);
    expect(accepted.status).toBe(0);
    expect(accepted.stdout).toMatch(new RegExp(`^bonded with toy [0-9a-f]{16} as member \\(bond ${bondId}\\); bond stored in .*grandma\\.json\\n$`));

    const wav = join(dir, 'hello.wav');
    writeFileSync(wav, writeWav({ sampleRate: 16000, channels: [speechLike(16000, 4)] }));
    const sent = grandma('send', wav);
    expect(sent.stderr).not.toMatch(/^plushlink:/m);
    expect(sent.status).toBe(0);
    const id = /message ([0-9a-f]{32}) stored on toy/.exec(sent.stdout)?.[1];
    expect(id).toBeDefined();
    await watcher.waitFor(new RegExp(`toy: played message ${id}`));

    expect(parent('members').stdout).toMatch(new RegExp(`^${bondId}  member  .*  added-by-owner  Grandma$`, 'm'));
  });
});
