// `plushlink move`: the family's relay vanishes (the company went bust, or a thief wiped it) and
// the family moves to a relay of its own with one command, every step a real `plushlink` process.
// The owner runs `move --relay URL`; grandma, far away, cannot reach the old relay, runs `move
// LINK` with the link the owner passed on, and her next message reaches the toy through the new
// relay. The same move replayed is refused.
import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../../audio/wav';
import { speechLike } from '../../firmware-sim/microphone';
import { OutputWatcher, plushlink, plushlinkAsync, startPlushlink } from './run';

/** `plushlink relay` in a folder of its own on a free port; resolves once it takes requests. */
async function relayProcess(dir: string): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = startPlushlink(['relay', '--dir', dir, '--port', '0']);
  child.stdout.resume();
  let said = '';
  child.stderr.on('data', (d: Buffer) => (said += d.toString()));
  for (const deadline = Date.now() + 20_000; !/relay listening on (\S+)/.test(said); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the relay did not start:\n${said}`);
  }
  return { child, url: /relay listening on (\S+)/.exec(said)![1]! };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('plushlink move: the family moves to a new relay with one command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-cli-move-'));
  const toyDir = join(dir, 'toy');
  const parentStore = join(dir, 'parent.json');
  const grandmaStore = join(dir, 'grandma.json');
  const toy = startPlushlink(['toy', '--dir', toyDir, '--port', '0', '--no-qr']);
  const watcher = new OutputWatcher(toy);
  const relays: ChildProcessWithoutNullStreams[] = [];
  const parent = (...args: string[]) => plushlink([...args, '--phone', parentStore], { timeoutMs: 60_000 });
  const grandma = (...args: string[]) => plushlink([...args, '--phone', grandmaStore], { timeoutMs: 60_000 });
  const message = (name: string, seed: number): string => {
    const wav = join(dir, `${name}.wav`);
    writeFileSync(wav, writeWav({ sampleRate: 16000, channels: [speechLike(16000, seed)] }));
    return wav;
  };
  /** Grandma sends from far away; the parent's bridge at home carries it; the toy plays it. */
  const sendAndPlay = async (name: string, seed: number): Promise<void> => {
    const sent = grandma('send', '--remote', message(name, seed));
    expect(sent.stderr).not.toMatch(/plushlink:/);
    const id = /message ([0-9a-f]{32}) posted/.exec(sent.stdout)![1]!;
    const bridged = parent('bridge', '--toy-dir', toyDir);
    expect(bridged.stdout).toContain(`delivered message ${id} to the toy`);
    await watcher.waitFor(new RegExp(`toy: played message ${id}`));
  };

  afterAll(async () => {
    await Promise.all([toy, ...relays].map(stop));
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves the owner with --relay URL and grandma with the signed link; her next message reaches the toy', async () => {
    const [old, own] = await Promise.all([relayProcess(join(dir, 'company-relay')), relayProcess(join(dir, 'own-relay'))]);
    relays.push(old.child, own.child);
    const code = (await watcher.waitFor(/^pairing code: (\d{5} \d{5})$/m))[1]!;
    expect(plushlink(['paw', '--dir', toyDir]).status).toBe(0);
    expect(parent('pair', '--code', code, '--name', 'Parent', '--toy-dir', toyDir).status).toBe(0);
    const invite = startPlushlink(['invite', '--remote', '--relay', old.url, '--label', 'Grandma', '--wait', '60', '--toy-dir', toyDir, '--phone', parentStore]);
    const inviteExit = new Promise<number | null>((resolve) => invite.once('exit', resolve));
    const link = (await new OutputWatcher(invite).waitFor(/^invitation link: (\S+)$/m, 20_000))[1]!;
    expect((await plushlinkAsync(['join', link, '--relay', old.url, '--phone', grandmaStore, '--wait', '60'])).status).toBe(0);
    expect(await inviteExit).toBe(0); // test/cli/family-relay.test.ts carries messages on a relay like this one

    // The company goes bust: its relay vanishes. Grandma's phone can no longer post.
    await stop(old.child);
    const stranded = grandma('send', '--remote', message('stranded', 2));
    expect(stranded.status).toBe(1);
    expect(stranded.stderr).toMatch(/^plushlink: cannot reach the relay/);

    const moved = parent('move', '--relay', own.url);
    expect(moved.stderr).toBe('');
    expect(moved.status).toBe(0);
    expect(moved.stdout).toMatch(new RegExp(`^moved the family of toy [0-9a-f]{16} to ${own.url}: mailbox [A-Za-z0-9_-]{22}, roster signed for 2 keys \\(the owner and 1 member\\)$`, 'm'));
    const moveLink = /^move link: (\S+)$/m.exec(moved.stdout)![1]!;

    const followed = grandma('move', moveLink);
    expect(followed.stderr).toBe('');
    expect(followed.status).toBe(0);
    expect(followed.stdout).toMatch(new RegExp(`^moved: the family mailbox of toy [0-9a-f]{16} is now [A-Za-z0-9_-]{22} on ${own.url} \\(signed by the owner\\)$`, 'm'));
    await sendAndPlay('after', 3);

    // The same move again (a replay) is refused; test/client/relay-move.test.ts has every other refusal.
    const replayed = grandma('move', moveLink);
    expect(replayed.status).toBe(1);
    expect(replayed.stderr).toMatch(/^plushlink: the move link is older than the move this phone already followed \(BAD_INPUT\)\n$/);
  }, 180_000);

  it('says in one line what is wrong with a move', () => {
    expect(grandma('move').stderr).toMatch(/^plushlink: move needs --relay URL \(the owner\) or the LINK/);
    expect(grandma('move', '--relay', 'http://127.0.0.1:9').stderr).toMatch(/^plushlink: only the owner moves the family/);
  });
});
