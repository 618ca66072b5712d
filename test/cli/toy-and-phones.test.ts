// `plushlink toy` runs a toy in its own process; `pair`, `send`, `fetch`, `members`, `paw` and
// `reset` run as separate processes against it, finding it through its folder, as a person in
// another terminal would. Failures are one line on stderr with a non-zero exit code.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../../audio/wav';
import { speechLike } from '../../firmware-sim/microphone';
import { OutputWatcher, plushlink, plushlinkAsync, startPlushlink } from './run';

describe('a toy in one process, phones in others', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-cli-toy-'));
  const toyDir = join(dir, 'toy');
  const parentStore = join(dir, 'parent.json');
  const grandmaStore = join(dir, 'grandma.json');
  const toy = startPlushlink(['toy', '--dir', toyDir, '--port', '0', '--no-qr']);
  const watcher = new OutputWatcher(toy);
  const parent = (...args: string[]) => plushlink([...args, '--toy-dir', toyDir, '--phone', parentStore]);
  const grandma = (...args: string[]) => plushlink([...args, '--toy-dir', toyDir, '--phone', grandmaStore]);
  let code = '';
  let qr = '';

  beforeAll(async () => {
    await watcher.waitFor(/is on the air at tcp:127\.0\.0\.1:\d+/);
    code = (await watcher.waitFor(/^pairing code: (\d{5} \d{5})$/m))[1]!;
    qr = (await watcher.waitFor(/^QR payload: +(plushlink:\/\/pair\?\S+)$/m))[1]!;
  });

  afterAll(async () => {
    if (toy.exitCode === null) {
      toy.kill('SIGKILL');
      await new Promise((resolve) => toy.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes where it is into its folder', () => {
    expect(readFileSync(join(toyDir, 'air'), 'utf8')).toMatch(/^tcp:127\.0\.0\.1:\d+\n$/);
    expect(readFileSync(join(toyDir, 'pid'), 'utf8')).toBe(`${toy.pid}\n`);
    expect(readFileSync(join(toyDir, 'toy-id'), 'utf8')).toMatch(/^[0-9a-f]{16}\n$/);
  });

  it('refuses pairing while the pairing window is closed, and a wrong code once it is open, in one line each', () => {
    const closed = parent('pair', '--code', code);
    expect(closed.status).toBe(1);
    expect(closed.stderr).toMatch(/^plushlink: the toy's pairing window is closed: .* \(WINDOW_CLOSED\)\n$/);

    expect(plushlink(['paw', '--dir', toyDir]).status).toBe(0);
    const wrong = parent('pair', '--code', code === '00000 00000' ? '1234567890' : '0000000000');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe('plushlink: wrong pairing code (WRONG_CODE)\n');
  });

  it('pairs the first phone as owner with the code', () => {
    const paired = parent('pair', '--code', code, '--name', 'Parent');
    expect(paired.stderr).toBe('');
    expect(paired.status).toBe(0);
    expect(paired.stdout).toMatch(/^paired with toy [0-9a-f]{16} as owner \(bond [0-9a-f]{16}\); bond stored in .*parent\.json\n$/);
  });

  it('sends a voice message that the toy plays', async () => {
    const wav = join(dir, 'hello.wav');
    writeFileSync(wav, writeWav({ sampleRate: 16000, channels: [speechLike(2 * 16000, 4)] }));
    const sent = parent('send', wav);
    expect(sent.status).toBe(0);
    const id = /message ([0-9a-f]{32}) stored on toy/.exec(sent.stdout)?.[1];
    expect(id).toBeDefined();
    expect(sent.stderr).toMatch(/^sending .*hello\.wav: 100% /m);
    await watcher.waitFor(new RegExp(`toy: played message ${id} \\(2\\.0 s\\)`));
  });

  it('fetches what the toy recorded after a paw press, as Ogg Opus or WAV', async () => {
    expect(plushlink(['paw', '--dir', toyDir]).status).toBe(0);
    const id = (await watcher.waitFor(/toy: recorded ([0-9a-f]{32})/))[1]!;
    expect(parent('fetch', '--list').stdout).toContain(id);

    const ogg = join(dir, 'latest.ogg');
    const latest = parent('fetch', '--latest', '--out', ogg);
    expect(latest.status).toBe(0);
    expect(latest.stdout).toContain(`fetched recording ${id}`);
    expect(readFileSync(ogg).subarray(0, 4).toString()).toBe('OggS');
    // Every phone that may fetch it has: the toy keeps it no longer (docs/PROTOCOL.md §10.7).
    expect(parent('fetch', '--list').stdout).not.toContain(id);

    expect(plushlink(['paw', '--dir', toyDir]).status).toBe(0);
    const second = (await watcher.waitFor(new RegExp(`toy: recorded (?!${id})([0-9a-f]{32})`)))[1]!;
    const wav = join(dir, 'by-id.wav');
    expect(parent('fetch', second, '--out', wav).status).toBe(0);
    expect(readFileSync(wav).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('adds grandma as a member: the owner invites, grandma pairs by the invitation QR (the tag QR no longer pairs anyone)', async () => {
    const invited = parent('members', 'invite').stdout;
    expect(invited).toMatch(/^invitation code: \d{5} \d{5}\n/);
    expect(invited).toMatch(/one-time code within 120 s/);
    const invitationQr = /^invitation QR payload: (plushlink:\/\/pair\?\S+)$/m.exec(invited)![1]!;
    expect(invitationQr).not.toBe(qr);
    const refused = grandma('pair', '--qr', qr, '--name', 'Grandma');
    expect(refused.stderr).toMatch(/WRONG_CODE/);
    const paired = grandma('pair', '--qr', invitationQr, '--name', 'Grandma');
    expect(paired.stderr).toBe('');
    expect(paired.stdout).toMatch(/as member/);

    const members = parent('members');
    expect(members.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^[0-9a-f]{16} {2}owner {3}\S+ \S+ {2}tag-code {4}Parent {2}\(this phone\)$/),
      expect.stringMatching(/^[0-9a-f]{16} {2}member {2}\S+ \S+ {2}invitation {2}Grandma$/),
    ]);
    const forbidden = grandma('members', 'invite');
    expect(forbidden.status).toBe(1);
    expect(forbidden.stderr).toBe('plushlink: the toy refused: only the owner may invite members (FORBIDDEN)\n');
  });

  it('factory-resets only for the owner, only after a paw press, and the phone forgets its bond', async () => {
    const member = grandma('reset');
    expect([member.status, member.stdout, member.stderr]).toEqual([1, '', 'plushlink: only the owner may factory reset the toy (FORBIDDEN)\n']);

    const reset = plushlinkAsync(['reset', '--toy-dir', toyDir, '--phone', parentStore]);
    await watcher.waitFor(/toy: factory reset requested/);
    expect(plushlink(['paw', '--dir', toyDir]).status).toBe(0);
    const done = await reset;
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/^press the paw within 30 s to confirm the factory reset of toy [0-9a-f]{16}\n/);
    expect(done.stdout).toMatch(/was reset: bonds, recordings and messages erased/);
    const after = parent('members');
    expect(after.status).toBe(1);
    expect(after.stderr).toBe('plushlink: this phone has no bond with the toy: pair first (plushlink pair) (NOT_BONDED)\n');
  });

  it('switches off cleanly on Ctrl-C and takes its files away', async () => {
    const exited = new Promise<number | null>((resolve) => toy.once('exit', resolve));
    toy.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(join(toyDir, 'pid'))).toBe(false);
    const none = parent('members');
    expect(none.status).toBe(1);
    expect(none.stderr).toBe(`plushlink: no toy is running in ${toyDir} (start one with: plushlink toy --dir ${toyDir})\n`);
  });
});
