// The family relay from the command line, every step a real `plushlink` process: a relay
// (`plushlink relay --port 0`) and a toy (`plushlink toy`); the parent pairs and invites grandma
// with `invite --remote`; grandma, far away, runs `join LINK`, then `send --remote`; the parent's
// `bridge` carries it to the toy, which plays it; the child's paw-press reply goes up with the
// next `bridge` and grandma's `inbox --out` saves it. Failures are one line and a non-zero exit.
import { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../../audio/wav';
import { newRemoteInvitation } from '../../client/remote-invitation';
import { speechLike } from '../../firmware-sim/microphone';
import { sodiumReady } from '../../pairing/sodium';
import { OutputWatcher, plushlink, plushlinkAsync, startPlushlink } from './run';

/** A loopback port nothing listens on (one just closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The URL a `plushlink relay` process says (on stderr) it listens on, once it does. */
function listening(relay: ChildProcessWithoutNullStreams): Promise<string> {
  relay.stdout.resume();
  let said = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the relay did not start:\n${said}`)), 20_000);
    relay.stderr.on('data', (d: Buffer) => {
      said += d.toString();
      const url = /relay listening on (\S+)/.exec(said)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
  });
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('the family relay from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-cli-relay-'));
  const toyDir = join(dir, 'toy');
  const parentStore = join(dir, 'parent.json');
  const grandmaStore = join(dir, 'grandma.json');
  let relay = startPlushlink(['relay', '--dir', join(dir, 'relay'), '--port', '0']);
  const toy = startPlushlink(['toy', '--dir', toyDir, '--port', '0', '--no-qr']);
  const watcher = new OutputWatcher(toy);
  let url = '';
  const parent = (...args: string[]) => plushlink([...args, '--toy-dir', toyDir, '--phone', parentStore], { timeoutMs: 60_000 });
  const grandma = (...args: string[]) => plushlink([...args, '--phone', grandmaStore], { timeoutMs: 60_000 });

  /** A remote invitation run with `invite --remote` and `join`: the new member's toy id and bond id. */
  async function inviteFarAway(label: string, store: string): Promise<{ toyId: string; bond: string }> {
    const invite = startPlushlink(['invite', '--remote', '--relay', url, '--label', label, '--wait', '60', '--toy-dir', toyDir, '--phone', parentStore]);
    const invited = new OutputWatcher(invite);
    const inviteExit = new Promise<number | null>((resolve) => invite.once('exit', resolve));
    const link = (await invited.waitFor(/^invitation link: (\S+)$/m, 20_000))[1]!;
    const joined = await plushlinkAsync(['join', link, '--relay', url, '--phone', store, '--wait', '60']);
    expect(joined.stderr).not.toMatch(/plushlink:/);
    expect(joined.status).toBe(0);
    expect(await inviteExit).toBe(0);
    const [, toyId, bond] = /joined toy ([0-9a-f]{16}) as member ([0-9a-f]{16})/.exec(joined.stdout)!;
    expect(invited.output).toContain(`added ${label} to toy ${toyId} as member ${bond}`);
    expect(parent('members').stdout).toMatch(new RegExp(`^${bond}  member .*${label}$`, 'm'));
    return { toyId: toyId!, bond: bond! };
  }

  beforeAll(async () => {
    url = await listening(relay);
    const code = (await watcher.waitFor(/^pairing code: (\d{5} \d{5})$/m))[1]!;
    expect(plushlink(['paw', '--dir', toyDir]).status).toBe(0);
    expect(parent('pair', '--code', code, '--name', 'Parent').status).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([stop(toy), stop(relay)]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says in one line when the relay cannot be reached or the phone has no family relay', async () => {
    const { link } = newRemoteInvitation(await sodiumReady());
    const unreachable = plushlink(['join', link, '--relay', `http://127.0.0.1:${await closedPort()}`, '--phone', join(dir, 'nobody.json')]);
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toMatch(/\nplushlink: cannot reach the relay \(ECONNREFUSED\)\n$/);
    const badLink = plushlink(['join', 'x', '--relay', url, '--phone', join(dir, 'nobody.json')]);
    expect(badLink.status).toBe(1);
    expect(badLink.stderr).toMatch(/\nplushlink: remote invitation refused: .* \(PROTOCOL\)\n$/);
    const noRelay = parent('bridge');
    expect(noRelay.status).toBe(1);
    expect(noRelay.stderr).toMatch(/^plushlink: this phone has no family relay for toy [0-9a-f]{16} \(.*invite --remote.*\)\n$/);
  });

  it('lets grandma join by link and send from far away; the parent bridges, the toy plays it; her inbox gets the reply', async () => {
    await inviteFarAway('Grandma', grandmaStore);

    const wav = join(dir, 'hello.wav');
    writeFileSync(wav, writeWav({ sampleRate: 16000, channels: [speechLike(2 * 16000, 4)] }));
    const sent = grandma('send', '--remote', wav);
    expect(sent.stderr).not.toMatch(/plushlink:/);
    expect(sent.status).toBe(0);
    const id = /message ([0-9a-f]{32}) posted for toy/.exec(sent.stdout)![1]!;
    // It waits on the relay for a bridge, padded and opaque.
    expect(plushlink(['inbox', '--phone', parentStore]).stdout).toMatch(/^[A-Za-z0-9_-]+ {2}\d+\.\d kB {2}\d{4}-\d\d-\d\dT\d\dh {2}sealed \(on its way to the toy\)$/m);

    const bridged = parent('bridge');
    expect(bridged.status).toBe(0);
    expect(bridged.stdout).toContain(`delivered message ${id} to the toy`);
    expect(bridged.stdout).toContain(`sent the toy's "played" receipt for message ${id} back to its sender`);
    await watcher.waitFor(new RegExp(`toy: played message ${id}`));
    // Grandma reads the toy's receipt; the parent's phone, which carried it, cannot.
    expect(plushlink(['inbox', '--phone', parentStore]).stdout).toBe('nothing waiting\n');
    const receipt = grandma('inbox');
    expect(receipt.status).toBe(0);
    expect(receipt.stdout).toMatch(new RegExp(`^message ${id} played on the toy at \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z$`, 'm'));
    expect(grandma('inbox').stdout).toBe('nothing waiting\n'); // acknowledged

    expect(plushlink(['paw', '--dir', toyDir]).status).toBe(0);
    const reply = (await watcher.waitFor(/toy: recorded ([0-9a-f]{32})/))[1]!;
    const up = parent('bridge');
    expect(up.status).toBe(0);
    expect(up.stdout).toContain(`posted recording ${reply} to the family mailbox`);
    expect(parent('bridge').stdout).not.toContain(`posted recording ${reply}`); // posted once

    const fetched = grandma('inbox', '--out', join(dir, 'inbox'));
    expect(fetched.status).toBe(0);
    expect(fetched.stdout).toContain(`fetched recording ${reply}`);
    const ogg = join(dir, 'inbox', `${reply}.ogg`);
    expect(existsSync(ogg)).toBe(true);
    expect(readFileSync(ogg).subarray(0, 4).toString()).toBe('OggS');
    expect(grandma('inbox', '--out', join(dir, 'inbox')).stdout).not.toContain(reply); // acknowledged
  }, 180_000);

  it('keeps bridging with --watch until Ctrl-C', async () => {
    const watching = startPlushlink(['bridge', '--watch', '--every', '1', '--toy-dir', toyDir, '--phone', parentStore]);
    const bridged = new OutputWatcher(watching);
    const exited = new Promise<number | null>((resolve) => watching.once('exit', resolve));
    try {
      await bridged.waitFor(/nothing to carry/, 30_000);
      const wav = join(dir, 'again.wav');
      writeFileSync(wav, writeWav({ sampleRate: 16000, channels: [speechLike(16000, 7)] }));
      const id = /message ([0-9a-f]{32}) posted/.exec(grandma('send', '--remote', wav).stdout)![1]!;
      await bridged.waitFor(new RegExp(`delivered message ${id} to the toy`), 30_000);
      await watcher.waitFor(new RegExp(`toy: played message ${id}`));
      watching.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      await stop(watching);
    }
  }, 120_000);

  it("takes a removed member off the family mailbox's roster too: her inbox and sends are refused", async () => {
    const bond = /^([0-9a-f]{16})  member .*Grandma$/m.exec(parent('members').stdout)![1]!;
    const removed = parent('members', 'remove', bond);
    expect(removed.stderr).not.toMatch(/plushlink:/);
    expect(removed.status).toBe(0);
    expect(removed.stdout).toContain(`removed ${bond} from the family mailbox roster`);
    const inbox = grandma('inbox');
    expect(inbox.status).toBe(1);
    expect(inbox.stderr).toMatch(/^plushlink: the relay refused: .*\n$/);
    const wav = join(dir, 'after.wav');
    writeFileSync(wav, writeWav({ sampleRate: 16000, channels: [speechLike(16000, 9)] }));
    const sent = grandma('send', '--remote', wav);
    expect(sent.status).toBe(1);
    expect(sent.stderr).toMatch(/^plushlink: the relay refused: .*\n$/);
  }, 60_000);

  it('keeps a roster update the relay could not take, says so, and publishes it with the next command once the relay is back', async () => {
    const uncleStore = join(dir, 'uncle.json');
    const { bond } = await inviteFarAway('Uncle', uncleStore);
    expect(plushlink(['inbox', '--phone', uncleStore]).status).toBe(0);
    const port = new URL(url).port;
    await stop(relay);

    const removed = parent('members', 'remove', bond);
    expect(removed.status).toBe(1);
    expect(removed.stderr).toMatch(
      new RegExp(`^plushlink: removed ${bond} from the toy; the family mailbox roster update is pending \\(cannot reach the relay \\(ECONNREFUSED\\)\\); the next plushlink command on this phone retries it\n$`),
    );
    expect(parent('members').stdout).not.toContain(bond);
    const stillDown = parent('members');
    expect(stillDown.status).toBe(0);
    expect(stillDown.stderr).toContain('the family mailbox roster update is pending (cannot reach the relay (ECONNREFUSED))');

    relay = startPlushlink(['relay', '--dir', join(dir, 'relay'), '--port', port]);
    expect(await listening(relay)).toBe(url);
    // Until the owner's phone publishes the change, the relay still lets the uncle in.
    expect(plushlink(['inbox', '--phone', uncleStore]).status).toBe(0);
    const next = parent('members');
    expect(next.status).toBe(0);
    expect(next.stderr).toMatch(/published the roster update left pending: the family mailbox roster is at version \d+\n/);
    const refused = plushlink(['inbox', '--phone', uncleStore]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^plushlink: the relay refused: .*\n$/);
    expect(parent('members').stderr).not.toContain('roster'); // nothing left pending
  }, 120_000);

  it('keeps bridging with --watch through a relay restart', async () => {
    const watching = startPlushlink(['bridge', '--watch', '--every', '1', '--toy-dir', toyDir, '--phone', parentStore]);
    const bridged = new OutputWatcher(watching);
    let said = '';
    watching.stderr.on('data', (d: Buffer) => (said += d.toString()));
    const exited = new Promise<number | null>((resolve) => watching.once('exit', resolve));
    try {
      await bridged.waitFor(/nothing to carry/, 30_000);
      const port = new URL(url).port;
      await stop(relay);
      await until(() => /cannot reach the relay \(ECONNREFUSED\): trying again in 1 s/.test(said), 20_000);
      const before = bridged.output.length;
      relay = startPlushlink(['relay', '--dir', join(dir, 'relay'), '--port', port]);
      expect(await listening(relay)).toBe(url);
      await until(() => bridged.output.slice(before).includes('nothing to carry'), 30_000);
      expect(watching.exitCode).toBeNull();
      watching.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      await stop(watching);
    }
  }, 120_000);
});
