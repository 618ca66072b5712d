// The legacy CloudPets cloud, rebuilt as the 2017 breach found it (for the attack suite only):
// any password is welcome, stored as a bcrypt hash; messages are plain files at counting URLs
// anyone can download; the database answers any SQL from anyone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { type LegacyCloud, startLegacyCloud } from '../../firmware-sim/legacy-cloud/cloud-server';
import { CloudPetsCloudApp } from '../attacks/cloudpets-cloud-app';
import { voiceClip } from '../attacks/targets';

describe('the legacy CloudPets cloud', () => {
  let dir: string;
  let cloud: LegacyCloud;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plushlink-legacy-cloud-test-'));
    cloud = await startLegacyCloud({ dir, bcryptCost: 4 });
  });
  afterAll(async () => {
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts any password, "a" included, and keeps only its bcrypt hash', async () => {
    const app = await CloudPetsCloudApp.signUp(cloud.apiUrl, 'one@example.com', 'a', 'One');
    const row = cloud.db.prepare('SELECT password_hash FROM accounts WHERE id = ?').get(app.accountId) as { password_hash: string };
    expect(row.password_hash).toMatch(/^\$2[aby]\$04\$/);
    expect(await bcrypt.compare('a', row.password_hash)).toBe(true);
    await expect(CloudPetsCloudApp.logIn(cloud.apiUrl, 'one@example.com', 'b')).rejects.toThrow(/401/);
    expect((await CloudPetsCloudApp.logIn(cloud.apiUrl, 'one@example.com', 'a')).accountId).toBe(app.accountId);
  });

  it('serves each message as a plain Ogg Opus file at a counting URL that asks for nothing', async () => {
    const app = await CloudPetsCloudApp.signUp(cloud.apiUrl, 'two@example.com', 'qwe', 'Two');
    const child = await app.addChild('Kid', '2014-02-03', 'Bubbles the Bunny');
    const clip = voiceClip(3);
    const first = await app.sendVoice(child, clip);
    const second = await app.sendVoice(child, clip);
    expect(second.messageId).toBe(first.messageId + 1);
    expect(second.url.replace(/\d+\.ogg$/, '')).toBe(first.url.replace(/\d+\.ogg$/, ''));
    expect(Buffer.compare(await CloudPetsCloudApp.download(first.url), Buffer.from(clip))).toBe(0);
    expect((await app.messages(child)).map((m) => m.url)).toEqual([first.url, second.url]);
  });

  it("keeps another account's app away from a child it is not related to", async () => {
    const parent = await CloudPetsCloudApp.signUp(cloud.apiUrl, 'three@example.com', 'x', 'Three');
    const child = await parent.addChild('Kid Three', '2015-06-07', 'Diesel the Dog');
    const other = await CloudPetsCloudApp.signUp(cloud.apiUrl, 'four@example.com', 'y', 'Four');
    await expect(other.messages(child)).rejects.toThrow(/403/);
    await parent.addRelation(child, 'four@example.com', 'friend');
    expect(await other.messages(child)).toEqual([]);
  });

  it('answers any SQL on its database port, reads and writes, with no credentials', async () => {
    const run = async (sql: string): Promise<{ status: number; rows?: Array<Record<string, unknown>> }> => {
      const response = await fetch(cloud.databaseUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: sql });
      return { status: response.status, ...((await response.json()) as object) };
    };
    const { rows } = await run("SELECT email FROM accounts WHERE email = 'one@example.com'");
    expect(rows).toEqual([{ email: 'one@example.com' }]);
    expect((await run("UPDATE children SET name = 'changed' WHERE name = 'Kid'")).status).toBe(200);
    expect(cloud.db.prepare("SELECT count(*) AS n FROM children WHERE name = 'changed'").get()).toEqual({ n: 1 });
    expect((await run('NOT SQL')).status).toBe(400);
  });
});
