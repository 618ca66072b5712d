// `npm start` runs `plushlink demo`: a toy and three phones on one virtual radio, then a fourth far
// away through an embedded relay (the breach at its end: demo-breach.test.ts). It narrates
// every step with ✓, ends by itself with exit code 0, and leaves behind what each side received
// (Ogg Opus and WAV) and one btsnoop capture per device that tshark opens.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plushlink } from './run';

const has = (tool: string): boolean => spawnSync('which', [tool]).status === 0;

describe('plushlink demo', () => {
  let dir: string;
  let out: string;
  let result: ReturnType<typeof plushlink>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plushlink-demo-test-'));
    out = join(dir, 'out');
    result = plushlink(['demo', '--out', out]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes every step and exits 0 by itself, well under 10 s', () => {
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(/^\s*✗/m);
    expect(result.stdout).toMatch(/every step did what it should: \d+ ✓, 0 ✗ in \d+\.\d s/);
    const seconds = Number(/in (\d+\.\d) s$/m.exec(result.stdout)?.[1]);
    expect(seconds).toBeLessThan(10);
  });

  it('tells the story: pairing, voice both ways, a member, and the stranger refused', () => {
    const checks = result.stdout.split('\n').filter((line) => line.startsWith('  ✓'));
    expect(checks.join('\n')).toMatch(/parent's phone pairs with the code: bonded as the owner/);
    expect(checks.join('\n')).toMatch(/Parent's message reaches the speaker/);
    expect(checks.join('\n')).toMatch(/parent's phone fetches and opens it/);
    expect(checks.join('\n')).toMatch(/grandma's phone pairs with the code: bonded as a member/);
    expect(checks.join('\n')).toMatch(/Grandma's message reaches the speaker/);
    expect(checks.join('\n')).toMatch(/stranger's guessed code: refused: WRONG_CODE/);
    expect(checks.join('\n')).toMatch(/while the window is closed: refused: WINDOW_CLOSED/);
    expect(checks.join('\n')).toMatch(/never bonded: refused: NOT_BONDED/);
  });

  it('writes the audio each side received and sent', () => {
    const ogg = ['parent/recording-from-toy.ogg', 'toy/message-from-parent.ogg', 'toy/message-from-grandma.ogg', 'toy/message-from-granny.ogg', 'granny/recording-from-toy.ogg'];
    const wav = ['parent/recording-from-toy.wav', 'parent/sent-message.wav', 'grandma/sent-message.wav', 'granny/recording-from-toy.wav', 'toy/microphone.wav'];
    for (const file of ogg) expect(readFileSync(join(out, file)).subarray(0, 4).toString()).toBe('OggS');
    for (const file of wav) expect(readFileSync(join(out, file)).subarray(0, 4).toString()).toBe('RIFF');
    const played = readdirSync(join(out, 'toy', 'speaker'));
    expect(played).toHaveLength(3); // the parent's and grandma's in range, granny's through the relay
    for (const file of played) expect(readFileSync(join(out, 'toy', 'speaker', file)).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('writes one btsnoop capture per device, which tshark opens', () => {
    const captures = readdirSync(join(out, 'captures')).sort();
    expect(captures.map((f) => f.replace(/-\d+\.btsnoop$/, ''))).toEqual(['Grandma', 'Parent', 'Stranger', 'toy']);
    if (!has('tshark')) return;
    for (const file of captures) {
      const decoded = spawnSync('tshark', ['-r', join(out, 'captures', file)], { encoding: 'utf8' });
      expect(decoded.status).toBe(0);
      expect(decoded.stdout).toMatch(/ATT/);
      expect(decoded.stdout).not.toMatch(/Malformed/);
    }
  });

  it('refuses to write into a folder it did not make', () => {
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const refused = plushlink(['demo', '--out', foreign]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^plushlink: --out .*: the folder exists and was not made by plushlink demo; pick another one\n$/);
    expect(existsSync(join(foreign, 'notes.txt'))).toBe(true);
  });
});
