// The end of `plushlink demo`: the 2017 breach, against both clouds with the same family in them.
// A thief takes the embedded relay's whole database (its SQLite file) and, from a rebuild of the
// CloudPets cloud (firmware-sim/legacy-cloud/) that the family used the way the 2017 app did,
// the database through its open port and the voice files at the URLs it lists. Both dumps are
// made by cli/database-dump.ts (the attack suite's code) and written as files a person can open,
// with a side-by-side summary; each is checked: nothing of the family in the relay's, all of it
// in the legacy cloud's.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CloudPetsCloudApp } from '../firmware-sim/legacy-cloud/cloud-app';
import { CLOUDPETS_BCRYPT_COST, type LegacyCloud, startLegacyCloud } from '../firmware-sim/legacy-cloud/cloud-server';
import { SQLITE_FILE } from '../relay/store/open-store';
import { ensure } from './checklist';
import { type Appraisal, type DumpedTable, appraiseDump, dumpThrough, dumpValues, openPortAccess, sqliteFileAccess, writeDump } from './database-dump';
import { DEMO_FAMILY, DEMO_PEOPLE, accountFacts, familyStrings } from './demo-family';
import type { StoryContext } from './demo-story';
import type { StoryFarAway } from './demo-far-away';

/** What a thief holds after a dump, appraised. */
interface Loot extends Appraisal {
  readonly how: string;
  readonly tables: readonly DumpedTable[];
  /** How many of the family's voice messages are in it, byte for byte. */
  readonly voices: number;
}

async function appraise(how: string, tables: readonly DumpedTable[], voices: readonly Uint8Array[], files: readonly Buffer[] = []): Promise<Loot> {
  const appraisal = await appraiseDump(tables, familyStrings(DEMO_FAMILY), files);
  // A run of bytes from the middle of each message: found only if the audio itself is there.
  const found = voices.filter((v) => {
    const slice = Buffer.from(v.subarray(Math.floor(v.length / 2), Math.floor(v.length / 2) + 64));
    return appraisal.blobs.some((b) => b.includes(slice));
  });
  return { ...appraisal, how, tables, voices: found.length };
}

const rows = (loot: Loot): number => loot.tables.reduce((n, t) => n + t.rows.length, 0);

/** The legacy cloud with the same family, used as the 2017 app did: accounts, the child, "friends", voice up and down. */
async function legacyFamily(cloud: LegacyCloud, voices: readonly Uint8Array[]): Promise<number> {
  const { parent, grandma, granny, child } = DEMO_FAMILY;
  const parentApp = await CloudPetsCloudApp.signUp(cloud.apiUrl, parent.email, parent.password, parent.name);
  const childId = await parentApp.addChild(child.name, child.birthdate, child.toy);
  const apps = new Map([[parent, parentApp]]);
  for (const person of [grandma, granny]) {
    apps.set(person, await CloudPetsCloudApp.signUp(cloud.apiUrl, person.email, person.password, person.name));
    await parentApp.addRelation(childId, person.email, person.relation);
  }
  // Granny's message, the child's answer (uploaded by the parent's app), Granny's message for the morning.
  const [message, answer, waiting] = voices;
  await apps.get(granny)!.sendVoice(childId, message!);
  await parentApp.sendVoice(childId, answer!, 'from-child');
  await apps.get(granny)!.sendVoice(childId, waiting!);
  return apps.size;
}

export async function tellBreach(context: StoryContext, far: StoryFarAway): Promise<void> {
  const { layout, steps, say } = context;
  say(`10. The breach. A thief walks off with the relay's whole database (a copy of ${layout.relative(join(layout.relay, SQLITE_FILE))}), and with`);
  say('    the same from a rebuild of the 2017 CloudPets cloud that the same family used: its database and its bucket answered anyone.');
  const relayLoot = await steps.expectOk(
    "the relay's dump holds nothing of the family",
    async () => {
      const { how, tables } = await dumpThrough(sqliteFileAccess(join(layout.relay, SQLITE_FILE)));
      writeDump(join(layout.breach, 'relay'), tables);
      return appraise(how, tables, far.voices);
    },
    (loot) => {
      ensure(loot.leaked.length === 0, `it holds ${loot.leaked.join(', ')}`);
      ensure(loot.passwordHashes === 0 && loot.playable === 0 && loot.voices === 0, `${loot.passwordHashes} password hashes, ${loot.playable} playable blobs, ${loot.voices} voice messages`);
      ensure(loot.blobs.length > 0, 'no envelope waited on the relay: the dump proves nothing about ciphertext');
      return `${rows(loot)} rows in ${loot.tables.map((t) => t.name).join(', ')} → ${layout.relative(join(layout.breach, 'relay'))}/: random ids, key ids, sizes, hours, ${loot.blobs.length} binary values (sealed envelopes, CPace messages); none of the family's ${familyStrings(DEMO_FAMILY).length} names, labels, e-mails, relationships, dates and words; no password hash; no audio`;
    },
  );
  const cloud = await startLegacyCloud({ dir: layout.legacyCloud });
  let legacyLoot: Loot;
  try {
    await steps.expectOk(
      'the same family on the legacy cloud, as the 2017 app used it',
      () => legacyFamily(cloud, far.voices),
      (accounts) => `${accounts} accounts by e-mail (passwords "${DEMO_PEOPLE(DEMO_FAMILY).map((p) => p.password).join('", "')}" accepted, bcrypt cost ${CLOUDPETS_BCRYPT_COST}), the child's name and birthdate, "friends", ${far.voices.length} voice messages as plain Ogg in ${layout.relative(cloud.bucketDir)}/`,
    );
    legacyLoot = await steps.expectOk(
      "the legacy cloud's dump holds all of it",
      async () => {
        const { how, tables } = await dumpThrough(openPortAccess(cloud.databaseUrl));
        const dir = join(layout.breach, 'legacy');
        writeDump(dir, tables);
        // The URLs in the dump lead to the voice files: the bucket asks for nothing either.
        const urls = dumpValues(tables).filter((v) => /^https?:\/\//.test(v));
        mkdirSync(join(dir, 'bucket'), { recursive: true });
        const files = await Promise.all(
          urls.map(async (url) => {
            const body = await CloudPetsCloudApp.download(url);
            writeFileSync(join(dir, 'bucket', basename(new URL(url).pathname)), body);
            return body;
          }),
        );
        return appraise(`${how}, and its bucket`, tables, far.voices, files);
      },
      (loot) => {
        const wanted = accountFacts(DEMO_FAMILY);
        const missing = wanted.filter((f) => !loot.leaked.includes(f));
        ensure(missing.length === 0, `the dump lacks ${missing.join(', ')}`);
        ensure(loot.voices === far.voices.length, `${loot.voices} of ${far.voices.length} voice messages`);
        return `${rows(loot)} rows → ${layout.relative(join(layout.breach, 'legacy'))}/: ${loot.leaked.length} of the family's facts (${wanted.slice(0, 3).join(', ')}, ...), ${loot.passwordHashes} bcrypt password hashes, ${loot.playable} voice messages that play (bucket/)`;
      },
    );
  } finally {
    await cloud.close();
  }
  const summary = join(layout.breach, 'SUMMARY.txt');
  writeFileSync(summary, summarize(relayLoot, legacyLoot));
  for (const line of sideBySide(relayLoot, legacyLoot)) say(`    ${line}`);
  say(`    Every table, row and column: ${layout.relative(summary)}, and each dump's dump.json and CSV files.`);
}

/** The two thieves' takings in a few lines, for the narration. */
function sideBySide(relay: Loot, legacy: Loot): string[] {
  const all = familyStrings(DEMO_FAMILY).length;
  const rowsOf = (label: string, r: string, l: string): string => `${label.padEnd(42)}${r.padEnd(24)}${l}`;
  return [
    rowsOf('what the thief gets', 'plushlink relay', 'legacy CloudPets cloud'),
    rowsOf("the family's names, e-mails, dates, ...", `${relay.leaked.length} of ${all}`, `${legacy.leaked.length} of ${all} (${legacy.leaked.slice(0, 2).join(', ')}, ...)`),
    rowsOf('password hashes to crack', String(relay.passwordHashes), `${legacy.passwordHashes} (bcrypt)`),
    rowsOf('voice messages that play', `${relay.playable} of ${relay.blobs.length} blobs`, `${legacy.playable} of ${legacy.blobs.length} files`),
  ];
}

function describe(title: string, loot: Loot): string[] {
  const all = familyStrings(DEMO_FAMILY);
  return [
    title,
    `  how the thief got in: ${loot.how}`,
    `  tables (rows: columns):`,
    ...loot.tables.map((t) => `    ${t.name} (${t.rows.length}: ${t.columns.join(', ')})`),
    `  the family's names, labels, e-mails, relationships, dates, toy and words found: ${loot.leaked.length} of ${all.length}${loot.leaked.length ? `: ${loot.leaked.join('; ')}` : ''}`,
    `  password hashes (bcrypt, crackable offline): ${loot.passwordHashes}`,
    `  binary values and files: ${loot.blobs.length}, of which play as audio: ${loot.playable}; the family's voice messages in it, byte for byte: ${loot.voices}`,
    '',
  ];
}

function summarize(relay: Loot, legacy: Loot): string {
  return [
    'What a thief gets: the same family on plushlink\'s family relay and on a rebuild of the 2017 CloudPets cloud.',
    'Both dumps were made by the same code (cli/database-dump.ts, which npm run attacks uses too).',
    'Each folder holds dump.json (every table, every row; binary values in base64) and one CSV per table.',
    '',
    ...describe('plushlink family relay (relay/): breach/relay/', relay),
    ...describe('legacy CloudPets cloud (legacy-cloud/): breach/legacy/, the voice files in breach/legacy/bucket/', legacy),
    'On the relay, what is left is metadata (docs/RELAY.md, docs/THREAT-MODEL.md "The cloud"): a random mailbox id, the',
    'phones\' public key ids on its roster, envelope sizes padded to buckets, and times rounded to the hour.',
    '',
  ].join('\n');
}
