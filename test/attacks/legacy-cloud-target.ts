// The legacy CloudPets cloud with its family, as the 2017 app used it: the parent signs up with
// the tutorial's password "qwe", registers the child and adds grandma (password "a") as family;
// grandma's messages go up as plain audio, and the parent's app at home downloads them from the
// bucket and uploads them to the legacy toy over BLE, then plays them. The child's recording goes
// the other way. Other accounts (generated, some with common passwords) fill the database.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLegacyCloud } from '../../firmware-sim/legacy-cloud/cloud-server';
import { LegacyGattServer } from '../../firmware-sim/legacy-gatt-server';
import { LegacyToy } from '../../firmware-sim/legacy-toy';
import { Air } from '../../radio/air';
import { loadBleno } from '../../radio/loaders';
import { AttackerPhone } from './attacker-phone';
import { openPortAccess } from '../../cli/database-dump';
import type { CloudTarget, FamilyFacts } from './cloud-target';
import { type CloudPetsApp, withCloudPetsApp } from './cloudpets-app';
import { CloudPetsCloudApp } from './cloudpets-cloud-app';
import { voiceClip } from './targets';

/** Low so that hashing and cracking dozens of accounts stays fast in `npm test`; CloudPets used 10. */
export const TEST_BCRYPT_COST = 4;
export const GENERATED_ACCOUNTS = 24;

export const FAMILY = {
  parent: { email: 'sarah.miller@example.com', password: 'qwe', name: 'Sarah Miller', relation: 'parent' },
  grandma: { email: 'rose.hughes@example.com', password: 'a', name: 'Rose Hughes', relation: 'grandmother' },
  child: { name: 'Lily Miller', birthdate: '2013-05-04', toy: 'Bentley the Bear' },
} as const;

export const FAMILY_FACTS: FamilyFacts = {
  names: [FAMILY.parent.name, FAMILY.grandma.name, FAMILY.child.name],
  birthdates: [FAMILY.child.birthdate],
  relations: [FAMILY.grandma.relation],
  emails: [FAMILY.parent.email, FAMILY.grandma.email],
};

/** Passwords people chose when nothing stopped them (every other generated account has one). */
const COMMON = ['123456', 'password', 'qwerty', '111111', 'cloudpets', 'iloveyou', 'abc123', 'teddybear', 'Summer2016!', 'lily2013'];

/** The generated accounts' passwords: half common ones, half random strings (seeded, repeatable). */
export function generatedPasswords(seed: number): string[] {
  let state = seed;
  const next = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: GENERATED_ACCOUNTS }, (_, i) =>
    i % 2 === 0 ? COMMON[(i / 2 + seed) % COMMON.length]! : Array.from({ length: 10 }, () => 'abcdefghjkmnpqrstuvwxyz23456789'[next() % 31]).join(''),
  );
}

export async function legacyCloudTarget(seed = 7): Promise<CloudTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-legacy-cloud-'));
  const cloud = await startLegacyCloud({ dir: join(dir, 'cloud'), bcryptCost: TEST_BCRYPT_COST });
  const air = new Air({ seed });
  const toy = new LegacyToy({ dir: join(dir, 'toy'), recordSeconds: 1 });
  await LegacyGattServer.start(loadBleno({ kind: 'virtual', air }, { name: 'legacy toy' }).bleno, toy);
  const parentPhone = new AttackerPhone(air, 'parent');
  let played = 0;
  toy.on('played', () => played++);
  const { parent, grandma, child } = FAMILY;
  const clip = voiceClip(seed);

  // Other families: accounts, children and a message each for some of them.
  const passwords = generatedPasswords(seed);
  for (const [i, password] of passwords.entries()) {
    const app = await CloudPetsCloudApp.signUp(cloud.apiUrl, `user${i}@example.net`, password, `User ${i}`);
    const kid = await app.addChild(`Child ${i}`, `201${i % 8}-0${1 + (i % 9)}-1${i % 10}`, 'Charley the Cat');
    if (i % 4 === 0) await app.sendVoice(kid, clip);
  }

  const parentApp = await CloudPetsCloudApp.signUp(cloud.apiUrl, parent.email, parent.password, parent.name);
  const childId = await parentApp.addChild(child.name, child.birthdate, child.toy);
  const grandmaApp = await CloudPetsCloudApp.signUp(cloud.apiUrl, grandma.email, grandma.password, grandma.name);
  await parentApp.addRelation(childId, grandma.email, grandma.relation);
  let lastSynced = 0;

  const withToy = <T>(use: (app: CloudPetsApp) => Promise<T>): Promise<T> => withCloudPetsApp(parentPhone, use);
  const target: CloudTarget = {
    kind: 'legacy',
    facts: FAMILY_FACTS,
    database: async () => openPortAccess(cloud.databaseUrl),
    async attackerOwnMessageUrl() {
      const attacker = await CloudPetsCloudApp.signUp(cloud.apiUrl, 'curious@example.org', 'hunter2', 'Curious');
      const kid = await attacker.addChild('Nobody', '2000-01-01', 'Diesel the Dog');
      return (await attacker.sendVoice(kid, voiceClip(seed + 1000))).url;
    },
    async attackerFetch(url) {
      const response = await fetch(url);
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
    },
    async grandmaSends(ogg) {
      await grandmaApp.sendVoice(childId, ogg);
    },
    async deliver() {
      // The parent's app at home: log in, list what is new, download each, put it on the toy.
      const app = await CloudPetsCloudApp.logIn(cloud.apiUrl, parent.email, parent.password);
      const fresh = (await app.messages(childId)).filter((m) => m.direction === 'to-child' && m.id > lastSynced);
      const before = played;
      const refused: string[] = [];
      await withToy(async (toyApp) => {
        for (const m of fresh) {
          lastSynced = Math.max(lastSynced, m.id);
          const audio = await CloudPetsCloudApp.download(m.url);
          const was = played;
          await toyApp.upload(2, audio);
          await toyApp.play(2);
          if (played === was) refused.push('not playable');
        }
      });
      return { played: played - before, refused };
    },
    async messagesHeld() {
      // The app's history lives in the cloud: what it lists is what the family has.
      try {
        const app = await CloudPetsCloudApp.logIn(cloud.apiUrl, parent.email, parent.password);
        return (await app.messages(childId)).length;
      } catch {
        return 0;
      }
    },
    async sendInRange(ogg) {
      // The app opens on its log-in screen; without the company's servers it goes no further.
      try {
        const app = await CloudPetsCloudApp.logIn(cloud.apiUrl, parent.email, parent.password);
        await app.sendVoice(childId, ogg);
        const delivery = await target.deliver();
        return { played: delivery.played > 0, detail: 'played' };
      } catch (error) {
        return { played: false, detail: `the app stopped at log-in: ${(error as Error).message}` };
      }
    },
    async moveToNewServer() {
      return { ok: false, detail: "the app talks only to the company's servers; the family's history lived there" };
    },
    insider: {
      async held() {
        const rows = (await openPortAccess(cloud.databaseUrl).query('SELECT id, url FROM messages ORDER BY id')) as Array<{ id: number; url: string }>;
        return Promise.all(rows.map(async (r) => ({ key: String(r.id), bytes: await CloudPetsCloudApp.download(r.url) })));
      },
      async overwrite(key, bytes) {
        writeFileSync(join(cloud.bucketDir, 'recordings', `${Number(key)}.ogg`), bytes);
      },
      async enqueue(bytes) {
        // As grandma: the insider writes the row and the file the app will fetch.
        await grandmaApp.sendVoice(childId, bytes);
      },
      forge: (ogg) => Buffer.from(ogg),
    },
    async shutDown() {
      await cloud.close();
    },
    async close() {
      air.close();
      await cloud.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };

  // The family's history: two messages from grandma played on the toy, the child's answer uploaded.
  await target.grandmaSends(voiceClip(seed + 1));
  await target.grandmaSends(voiceClip(seed + 2));
  await target.deliver();
  await toy.pawPress();
  const answer = await withToy((app) => app.download());
  await parentApp.sendVoice(childId, answer, 'from-child');
  return target;
}
