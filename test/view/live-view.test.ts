// The air view live: `plushlink air --clock realistic --view` sniffs the air into a pcap and
// serves its page while phones come and go; `plushlink demo --view` serves the toy's capture
// while the story runs. The page, opened before anything happened, follows the capture as it
// grows (it fetches it again every second) until it shows what tshark finds in the final file.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildView } from '../../view/build';
import { launchChromium } from '../../view/browser';
import { OutputWatcher, plushlinkAsync, startPlushlink } from '../cli/run';
import { tsharkFields } from './tshark';

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Waits until the page shows `count` packets (it refetches the capture every second). */
async function showsPackets(page: Page, count: number): Promise<void> {
  await page.waitForFunction(`document.getElementById('count').dataset.shown === '${count}'`, undefined, { timeout: 20_000 });
}

describe('the air view, live', () => {
  let dir: string;
  let browser: Browser;
  const children: ChildProcessWithoutNullStreams[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plushlink-view-live-'));
    await buildView();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const child of children) await stop(child);
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows a realistic air served to other processes while a phone pairs with the toy on it', async () => {
    const capture = join(dir, 'air-captures');
    const air = startPlushlink(['air', '--serve', 'tcp:127.0.0.1:0', '--toy', join(dir, 'toy'), '--clock', 'realistic', '--capture', capture, '--view']);
    children.push(air);
    const out = new OutputWatcher(air);
    const url = (await out.waitFor(/air view \(.*air\.pcap, live\): (http:\/\/127\.0\.0\.1:\d+\/)/, 30_000))[1]!;
    const [, toy, code] = await out.waitFor(/toy ([0-9a-f]+) is on this air \(pairing code (\d{5} \d{5})/, 30_000);
    const spec = (await out.waitFor(/serving a realistic air at (tcp:127\.0\.0\.1:\d+)/, 30_000))[1]!;

    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    expect(await page.locator('#status').innerText()).toMatch(/, live$/);

    air.kill('SIGUSR1'); // the paw
    await out.waitFor(/toy: pairing window open/, 10_000);
    const paired = await plushlinkAsync(['pair', '--air', spec, '--toy', toy!, '--code', code!, '--phone', join(dir, 'phone.json')]);
    expect(paired.stderr).toBe('');
    expect(paired.status).toBe(0);

    // The sniffer writes every packet as it happens; once the air is quiet the page catches up.
    let frames = -1;
    for (let previous = -2; frames !== previous; await new Promise((resolve) => setTimeout(resolve, 1500))) {
      previous = frames;
      frames = tsharkFields(join(capture, 'air.pcap'), ['frame.number']).length;
    }
    await showsPackets(page, frames);
    const steps = await page.locator('#filter-step option').allInnerTexts();
    expect(steps).toEqual(expect.arrayContaining(['PAIR_HELLO', 'PAIR_REPLY', 'PAIR_FINISH']));
    await page.close();
  }, 120_000);

  it("follows the demo's toy capture while the story runs, and keeps serving it afterwards", async () => {
    const out = join(dir, 'demo');
    const demo = startPlushlink(['demo', '--out', out, '--generated-voice', '--view']);
    children.push(demo);
    const watcher = new OutputWatcher(demo);
    const url = (await watcher.waitFor(/air view \(the toy's btsnoop capture, live\): (http:\/\/127\.0\.0\.1:\d+\/)/, 30_000))[1]!;
    const page = await browser.newPage();
    await page.goto(url);
    await watcher.waitFor(/the air view stays at http/, 60_000);
    expect(watcher.output).toMatch(/every step did what it should/);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const toy = readdirSync(join(out, 'captures')).find((f) => f.startsWith('toy-'))!;
    await showsPackets(page, tsharkFields(join(out, 'captures', toy), ['frame.number']).length);
    expect(await page.locator('#source').innerText()).toBe(toy);
    await page.close();
    await stop(demo);
    expect(demo.exitCode).toBe(0);
  }, 120_000);
});
