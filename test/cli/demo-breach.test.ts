// `npm start` ends with the 2017 breach against both clouds, the same family in each: the demo
// writes what a thief dumps from its embedded relay and from the legacy CloudPets cloud. This
// scans the relay's dump, and its database file itself, for every string the demo's family
// definition holds (cli/demo-family.ts: a fact added there is scanned here without a change), for
// password hashes and for the voice messages' bytes, and finds none; the same scan of the legacy
// cloud's dump finds every account fact, a hash that verifies each password, and the audio.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { type DumpedTable, dumpFromJson } from '../../cli/database-dump';
import { DEMO_FAMILY } from '../../cli/demo-family';
import { plushlink } from './run';

/** Every string in the family definition, with the field it came from. */
function familyFields(value: unknown, key = ''): Array<{ key: string; value: string }> {
  if (typeof value === 'string') return [{ key, value }];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => familyFields(v, k));
  return [];
}

/** What a thief reads in a dump: text values as they are, binary values byte for byte. */
function haystacks(tables: readonly DumpedTable[]): Buffer[] {
  return tables.flatMap((t) => t.rows.flatMap((row) => Object.values(row).map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v))))));
}

const holds = (stacks: readonly Buffer[], needle: string | Buffer): boolean => stacks.some((s) => s.includes(needle));

/** 64 bytes from the middle of a file: there only if the file's bytes are. */
const middle = (bytes: Buffer): Buffer => bytes.subarray(Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 64);

describe('plushlink demo: the breach', () => {
  let dir: string;
  let out: string;
  let result: ReturnType<typeof plushlink>;
  const fields = familyFields(DEMO_FAMILY);
  const secrets = fields.filter((f) => f.key !== 'password');
  const passwords = fields.filter((f) => f.key === 'password').map((f) => f.value);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plushlink-demo-breach-'));
    out = join(dir, 'out');
    result = plushlink(['demo', '--out', out, '--generated-voice']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const dump = (cloud: 'relay' | 'legacy'): DumpedTable[] => dumpFromJson(readFileSync(join(out, 'breach', cloud, 'dump.json'), 'utf8'));
  /** Every voice message the family sent or received, as the files the demo kept. */
  const voices = (): Buffer[] =>
    ['granny/sent-message.ogg', 'granny/waiting-message.ogg', 'granny/recording-from-toy.ogg', 'parent/recording-from-toy.ogg', 'toy/message-from-parent.ogg', 'toy/message-from-grandma.ogg'].map((f) =>
      readFileSync(join(out, f)),
    );

  it('passes every step, the relay and the breach included', () => {
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(/^\s*✗/m);
    expect(result.stdout).toMatch(/every step did what it should: \d+ ✓, 0 ✗/);
    for (const step of [
      /✓ Granny joins with the link, from far away: .*bonded as a member/,
      /✓ the parent's phone bridges it and the toy plays it/,
      /✓ Granny hears it played, then fetches the answer and opens it/,
      /✓ the relay's dump holds nothing of the family/,
      /✓ the legacy cloud's dump holds all of it/,
    ]) expect(result.stdout).toMatch(step);
  });

  it('writes both dumps as files a person can open, and a summary', () => {
    for (const cloud of ['relay', 'legacy']) {
      const files = readdirSync(join(out, 'breach', cloud));
      expect(files).toContain('dump.json');
      for (const table of dump(cloud as 'relay' | 'legacy')) {
        expect(files).toContain(`${table.name}.csv`);
        expect(readFileSync(join(out, 'breach', cloud, `${table.name}.csv`), 'utf8').split('\r\n')[0]).toBe(table.columns.join(','));
      }
    }
    expect(dump('relay').map((t) => t.name)).toEqual(expect.arrayContaining(['mailboxes', 'members', 'envelopes']));
    expect(dump('legacy').map((t) => t.name)).toEqual(expect.arrayContaining(['accounts', 'children', 'relationships', 'messages']));
    expect(readFileSync(join(out, 'breach', 'SUMMARY.txt'), 'utf8')).toMatch(/plushlink family relay[\s\S]*legacy CloudPets cloud/);
  });

  it("finds none of the family's strings in the relay's dump or its database file", () => {
    expect(secrets.length).toBeGreaterThanOrEqual(15);
    const relay = haystacks(dump('relay'));
    expect(relay.length).toBeGreaterThan(0);
    const files = readdirSync(join(out, 'relay')).map((f) => readFileSync(join(out, 'relay', f)));
    for (const { value } of secrets) {
      expect({ value, inDump: holds(relay, value), inFile: holds(files, value) }).toEqual({ value, inDump: false, inFile: false });
    }
  });

  it('finds the same facts in the legacy cloud’s dump: the scan can fail', () => {
    const legacy = haystacks(dump('legacy'));
    const facts = secrets.filter((f) => ['name', 'email', 'relation', 'birthdate', 'toy'].includes(f.key));
    expect(facts.length).toBeGreaterThanOrEqual(12);
    for (const { value } of facts) expect({ value, found: holds(legacy, value) }).toEqual({ value, found: true });
  });

  it('holds no password hash on the relay; on the legacy cloud each password verifies against its hash', async () => {
    const bcryptShaped = (tables: DumpedTable[]): string[] => haystacks(tables).map(String).filter((v) => /^\$2[aby]\$\d\d\$/.test(v));
    expect(bcryptShaped(dump('relay'))).toEqual([]);
    const accounts = dump('legacy').find((t) => t.name === 'accounts')!.rows;
    for (const person of [DEMO_FAMILY.parent, DEMO_FAMILY.grandma, DEMO_FAMILY.granny]) {
      const row = accounts.find((r) => r.email === person.email);
      expect(await bcrypt.compare(person.password, String(row?.password_hash))).toBe(true);
    }
    expect(passwords).toHaveLength(3);
  });

  it("holds none of the voice messages' bytes on the relay, and no Ogg at all; the legacy bucket holds them", () => {
    const relay = [...haystacks(dump('relay')), ...readdirSync(join(out, 'relay')).map((f) => readFileSync(join(out, 'relay', f)))];
    for (const voice of voices()) expect(holds(relay, middle(voice))).toBe(false);
    expect(holds(relay, 'OggS')).toBe(false);
    expect(holds(relay, 'OpusHead')).toBe(false);
    const bucket = readdirSync(join(out, 'breach', 'legacy', 'bucket')).map((f) => readFileSync(join(out, 'breach', 'legacy', 'bucket', f)));
    for (const voice of voices().slice(0, 3)) expect(holds(bucket, middle(voice))).toBe(true);
    expect(bucket.every((file) => file.subarray(0, 4).toString() === 'OggS')).toBe(true);
    expect(existsSync(join(out, 'relay', 'relay.sqlite'))).toBe(true);
  });
});
