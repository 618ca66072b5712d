// The 2017 CloudPets breach as attacks, each written once and run against the legacy cloud (where
// it must succeed) and plushlink's family relay on SQLite and PostgreSQL (where it must fail).
// cloud-attacks.test.ts expects that; report.ts prints the rows beside the radio attacks.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { Outcome } from './attacks';
import { BCRYPT_HASH, type DumpedTable, appraiseDump, dumpBlobs, dumpThrough, dumpToJson, playsAsAudio } from '../../cli/database-dump';
import type { CloudTarget, Delivery } from './cloud-target';
import { voiceClip } from './targets';

export interface CloudAttack {
  readonly id: string;
  readonly title: string;
  /** Leaves the cloud as the next attack needs it, so attacks in a row may share one cloud (faster). */
  readonly shareable?: boolean;
  run(target: CloudTarget): Promise<Outcome>;
}

/** A small dictionary of the most common passwords (and the two the tutorial and grandma used). */
export const DICTIONARY = ['123456', 'password', '12345678', 'qwerty', '123456789', '12345', '111111', 'abc123', 'iloveyou', 'qwe', 'a', 'cloudpets', 'teddybear', 'monkey', 'letmein', 'dragon'];

async function dump(target: CloudTarget): Promise<{ how: string; tables: DumpedTable[] }> {
  return dumpThrough(await target.database());
}

/** opusinfo's verdict on a file (when opus-tools is installed), as a second, independent decoder. */
function opusinfo(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-opusinfo-'));
  try {
    writeFileSync(join(dir, 'stolen.ogg'), bytes);
    const out = execFileSync('opusinfo', [join(dir, 'stolen.ogg')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const length = /Playback length: (\S+)/.exec(out)?.[1];
    return `opusinfo: Opus stream${length ? `, ${length}` : ''}`;
  } catch (error) {
    const failure = error as { code?: string; stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') return 'opusinfo not installed';
    return `opusinfo: not Opus (${`${failure.stderr ?? ''}${failure.stdout ?? ''}`.trim().split('\n').pop()})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const summary = (d: Delivery): string => `${d.played} played${d.refused.length ? `, refused: ${d.refused.join(', ')}` : ''}`;

/**
 * Addresses worth trying from one's own message URL: its numbers counted up and down, and its id
 * segments replaced by the ids found together in a row of the dump.
 */
function guesses(own: string, tables: readonly DumpedTable[]): string[] {
  const url = new URL(own);
  const found = new Set<string>();
  // Numbers that stand alone in the path (a file or folder named by a counter).
  url.pathname.replace(/(?<=\/)\d+(?=[./]|$)/g, (digits, offset: number) => {
    const n = Number(digits);
    for (let k = -20; k <= 20; k++) {
      if (k !== 0 && n + k > 0) found.add(`${url.origin}${url.pathname.slice(0, offset)}${n + k}${url.pathname.slice(offset + digits.length)}`);
    }
    return digits;
  });
  const segments = url.pathname.split('/');
  const idSlots = segments.map((s, i) => (s.length >= 16 ? i : -1)).filter((i) => i >= 0);
  for (const row of tables.flatMap((t) => t.rows)) {
    const values = Object.values(row).filter((v): v is string => typeof v === 'string');
    if (values.some((v) => /^https?:\/\//.test(v))) values.filter((v) => /^https?:\/\//.test(v)).forEach((v) => found.add(v));
    if (idSlots.length === 0) continue;
    const assign = (slot: number, path: string[], used: Set<string>): void => {
      if (slot === idSlots.length) return void found.add(`${url.origin}${path.join('/')}`);
      const index = idSlots[slot]!;
      for (const v of values) if (v.length === segments[index]!.length && !used.has(v)) assign(slot + 1, path.map((s, i) => (i === index ? v : s)), new Set([...used, v]));
    };
    assign(0, segments, new Set());
  }
  found.delete(own);
  return [...found];
}

export const CLOUD_ATTACKS: readonly CloudAttack[] = [
  {
    id: 'dump-database',
    title: 'A thief dumps the whole database from outside',
    shareable: true,
    async run(target) {
      await target.grandmaSends(voiceClip(60)); // waiting at the server, as messages do until the parent's phone fetches them
      const { how, tables } = await dump(target);
      const facts = [...target.facts.names, ...target.facts.birthdates, ...target.facts.relations, ...target.facts.emails];
      const { leaked, passwordHashes: hashes, blobs, playable: audio } = await appraiseDump(tables, facts);
      const columns = tables.map((t) => `${t.name}(${t.columns.join(', ')})`).join('; ');
      // PLUSHLINK_DUMP_DIR=... keeps each dump as a file a person can open.
      const keep = process.env.PLUSHLINK_DUMP_DIR;
      if (keep) {
        mkdirSync(keep, { recursive: true });
        writeFileSync(join(keep, `${target.kind}-dump.json`), dumpToJson(tables));
      }
      return {
        succeeded: leaked.length > 0 || hashes > 0 || audio > 0,
        evidence: `through ${how}: ${tables.reduce((n, t) => n + t.rows.length, 0)} rows; ${leaked.length} of ${facts.length} family facts (${leaked.join(', ') || 'none'}), ${hashes} password hashes, ${audio} of ${blobs.length} binary values play as audio. Every column: ${columns}`,
      };
    },
  },
  {
    id: 'crack-passwords',
    title: 'A thief cracks the dumped passwords offline with a small dictionary',
    shareable: true,
    async run(target) {
      const { tables } = await dump(target);
      const accounts = tables.flatMap((t) => t.rows).flatMap((row) => {
        const hash = Object.values(row).find((v): v is string => typeof v === 'string' && BCRYPT_HASH.test(v));
        const email = Object.values(row).find((v): v is string => typeof v === 'string' && v.includes('@'));
        return hash ? [{ email: email ?? '?', hash }] : [];
      });
      const started = Date.now();
      let tries = 0;
      const cracked: Array<{ email: string; password: string }> = [];
      for (const account of accounts) {
        for (const word of DICTIONARY) {
          tries++;
          if (await bcrypt.compare(word, account.hash)) {
            cracked.push({ email: account.email, password: word });
            break;
          }
        }
      }
      const perTry = tries ? (Date.now() - started) / tries : 0;
      return {
        succeeded: cracked.length > 0,
        evidence:
          accounts.length === 0
            ? 'no password hash in the dump: there are no accounts and no passwords'
            : `${cracked.length} of ${accounts.length} accounts cracked with ${DICTIONARY.length} words (${cracked.map((c) => `${c.email}: "${c.password}"`).join(', ')}); ${perTry.toFixed(1)} ms per guess at the dump's bcrypt cost`,
      };
    },
  },
  {
    id: 'guess-voice-urls',
    title: 'A stranger guesses voice message addresses and downloads the audio',
    shareable: true,
    async run(target) {
      await target.grandmaSends(voiceClip(61)); // waiting for the parent's phone to come and fetch it
      const own = await target.attackerOwnMessageUrl();
      const { tables } = await dump(target);
      const candidates = guesses(own, tables);
      const statuses = new Map<number, number>();
      const stolen: Buffer[] = [];
      for (const url of candidates) {
        const { status, body } = await target.attackerFetch(url);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200 && (await playsAsAudio(body))) stolen.push(body);
      }
      const stored = dumpBlobs(tables);
      const storedAudio = (await Promise.all(stored.map(playsAsAudio))).filter(Boolean).length;
      const answers = [...statuses].map(([s, n]) => `${n}× HTTP ${s}`).join(', ');
      return {
        succeeded: stolen.length > 0 || storedAudio > 0,
        evidence: `tried ${candidates.length} addresses from the own message's and the dump's ids (${answers}): ${stolen.length} other people's messages downloaded and played${stolen[0] ? ` (${opusinfo(stolen[0])})` : ''}; ${storedAudio} of ${stored.length} stored blobs decode as audio`,
      };
    },
  },
  {
    id: 'ransom',
    title: 'An attacker with write access deletes everything and leaves a ransom note',
    async run(target) {
      const before = await target.messagesHeld();
      const access = await target.database();
      try {
        for (const table of await access.tables()) await access.query(`DELETE FROM "${table}"`);
        await access.query('CREATE TABLE "README_TO_RECOVER" (note TEXT)');
        await access.query(`INSERT INTO "README_TO_RECOVER" (note) VALUES ('All your data is backed up. Send 1 BTC to recover it.')`);
      } finally {
        await access.close();
      }
      // The note also goes to the toy as a voice message, the best forgery the attacker can make.
      let note: Delivery;
      try {
        await target.insider.enqueue(target.insider.forge(voiceClip(666), undefined));
        note = await target.deliver();
      } catch (error) {
        note = { played: 0, refused: [(error as Error).message] };
      }
      const after = await target.messagesHeld();
      const moved = await target.moveToNewServer();
      let next: Delivery = { played: 0, refused: [] };
      if (moved.ok) {
        await target.grandmaSends(voiceClip(31));
        next = await target.deliver();
      }
      const recovered = moved.ok && next.played === 1;
      return {
        succeeded: after < before || note.played > 0 || !recovered,
        evidence: `the family had ${before} messages, ${after} after the wipe; the attacker's note: ${summary(note)}; moving: ${moved.detail}${moved.ok ? `, grandma's next message ${summary(next)}` : ''}`,
      };
    },
  },
  {
    id: 'insider',
    title: "An insider at the server reads, alters, injects or replays a family's messages",
    async run(target) {
      // A message goes through; the insider keeps a copy of it to replay later.
      const known = new Set((await target.insider.held()).map((h) => h.key));
      await target.grandmaSends(voiceClip(41));
      const first = (await target.insider.held()).find((h) => !known.has(h.key))!;
      const copy = Buffer.from(first.bytes);
      known.add(first.key);
      await target.deliver();
      // Two more wait at the server: the insider reads them, replaces one with its own audio, corrupts the other, and adds one.
      await target.grandmaSends(voiceClip(42));
      await target.grandmaSends(voiceClip(43));
      const waiting = (await target.insider.held()).filter((h) => !known.has(h.key));
      const read = (await Promise.all(waiting.map((h) => playsAsAudio(h.bytes)))).filter(Boolean).length;
      await target.insider.overwrite(waiting[0]!.key, target.insider.forge(voiceClip(44), waiting[0]!.bytes));
      const flipped = Buffer.from(waiting[1]!.bytes);
      flipped[Math.floor(flipped.length / 4)]! ^= 0x01;
      await target.insider.overwrite(waiting[1]!.key, flipped);
      await target.insider.enqueue(target.insider.forge(voiceClip(45), waiting[0]!.bytes));
      const tampered = await target.deliver();
      await target.insider.enqueue(copy);
      const replayed = await target.deliver();
      return {
        succeeded: read > 0 || tampered.played > 0 || replayed.played > 0,
        evidence: `read ${read} of ${waiting.length} waiting messages as audio; replaced, corrupted and injected: ${summary(tampered)}; replayed: ${summary(replayed)}`,
      };
    },
  },
  {
    id: 'company-bust',
    title: 'The company goes bust and its servers vanish',
    async run(target) {
      const before = await target.messagesHeld();
      await target.shutDown();
      const local = await target.sendInRange(voiceClip(51));
      const moved = await target.moveToNewServer();
      let remote: Delivery = { played: 0, refused: [] };
      if (moved.ok) {
        await target.grandmaSends(voiceClip(52));
        remote = await target.deliver();
      }
      const after = await target.messagesHeld();
      const works = local.played && moved.ok && remote.played === 1 && after >= before;
      return {
        succeeded: !works,
        evidence: `in Bluetooth range: ${local.played ? 'the toy played the parent\'s message' : local.detail}; messages kept: ${Math.min(after, before)} of ${before}; ${moved.ok ? `self-hosted: ${moved.detail}, grandma's message ${summary(remote)}` : moved.detail}`,
      };
    },
  },
];

/**
 * Runs `attacks` in order against fresh clouds made by `create`, shareable attacks in a row on
 * one cloud; reports each outcome (or the error that stopped it) as it comes.
 */
export async function runCloudAttacks(
  attacks: readonly CloudAttack[],
  create: () => Promise<CloudTarget>,
  report: (attack: CloudAttack, outcome: Outcome | Error) => void | Promise<void>,
): Promise<void> {
  let shared: CloudTarget | undefined;
  try {
    for (const attack of attacks) {
      if (!attack.shareable && shared) {
        await shared.close();
        shared = undefined;
      }
      let target: CloudTarget | undefined;
      try {
        target = attack.shareable ? (shared ??= await create()) : await create();
        await report(attack, await attack.run(target));
      } catch (error) {
        await report(attack, error as Error);
      } finally {
        if (target && target !== shared) await target.close();
      }
    }
  } finally {
    await shared?.close();
  }
}
