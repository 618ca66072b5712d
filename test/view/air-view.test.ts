// `plushlink view FILE` in a real browser (Debian's Chromium through playwright-core): for a
// realistic-radio sniffer pcap and for the demo's btsnoop capture, the page shows one lane per
// device with the packet counts tshark finds in the same file, clicking a packet shows its decode,
// filters and the search narrow the list, and a screenshot of each is saved under artifacts/.
// A missing or foreign file is one clear error line and a non-zero exit.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildView } from '../../view/build';
import { launchChromium } from '../../view/browser';
import { buildModel } from '../../view/decode/model';
import { OutputWatcher, plushlink, ROOT, startPlushlink } from '../cli/run';
import { demoToyCapture, sniffPairingAndMessage } from './captures';
import { packetsPerDeviceOnAir, packetsPerDeviceOverHci, tsharkFields } from './tshark';

const ARTIFACTS = join(ROOT, 'artifacts', 'air-view');

interface Served {
  readonly file: string;
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly page: Page;
}

async function lanesShown(page: Page): Promise<Map<string, number>> {
  const lanes = (await page.evaluate(`[...document.querySelectorAll('#lanes li')].map((li) => [li.dataset.name, Number(li.dataset.count)])`)) as Array<[string, number]>;
  return new Map(lanes.map(([name, count]) => [name.split(' "')[0]!, count]));
}

/** Waits for the list to show `n` packets (the search applies after a short pause in typing). */
async function countBecomes(page: Page, n: number): Promise<void> {
  await page.waitForFunction(`document.getElementById('count').dataset.shown === '${n}'`, undefined, { timeout: 5000 });
}

const shown = async (page: Page): Promise<number> => Number(await page.locator('#count').getAttribute('data-shown'));

describe('plushlink view in a browser', () => {
  let dir: string;
  let browser: Browser;
  const served: Record<'air' | 'hci', Served | undefined> = { air: undefined, hci: undefined };

  async function serve(file: string): Promise<Served> {
    const child = startPlushlink(['view', file]);
    const url = (await new OutputWatcher(child).waitFor(/(http:\/\/127\.0\.0\.1:\d+\/)/, 30_000))[1]!;
    const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    return { file, child, url, page };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plushlink-view-browser-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildView();
    const run = await sniffPairingAndMessage(dir);
    browser = await launchChromium();
    served.air = await serve(run.pcap);
    served.hci = await serve(demoToyCapture(join(dir, 'demo')));
  }, 180_000);

  afterAll(async () => {
    for (const s of Object.values(served)) {
      if (!s) continue;
      const exited = new Promise((resolve) => s.child.once('exit', resolve));
      s.child.kill('SIGTERM');
      await exited;
    }
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page on loopback at the printed URL', () => {
    expect(served.air!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(served.hci!.url).not.toBe(served.air!.url);
  });

  it("shows one lane per device with tshark's packet counts (sniffer pcap of the air)", async () => {
    const { page, file } = served.air!;
    expect(await lanesShown(page)).toEqual(packetsPerDeviceOnAir(file));
    expect(await shown(page)).toBe(tsharkFields(file, ['frame.number']).length);
  });

  it("shows one lane per device with tshark's packet counts (the demo's btsnoop)", async () => {
    const { page, file } = served.hci!;
    expect(await lanesShown(page)).toEqual(packetsPerDeviceOverHci(file));
    expect(await shown(page)).toBe(tsharkFields(file, ['frame.number']).length);
  });

  it('shows the decode of a packet clicked in the list, down to plushlink', async () => {
    const { page } = served.air!;
    await page.selectOption('#filter-step', 'PAIR_HELLO');
    const row = page.locator('#list .row', { hasText: 'PAIR_HELLO' }).first();
    const frame = await row.getAttribute('data-frame');
    await row.click();
    await expect(page.locator('#details').getAttribute('data-frame')).resolves.toBe(frame);
    const details = await page.locator('#details').innerText();
    expect(details).toMatch(/Link layer: central → peripheral/);
    expect(details).toMatch(/L2CAP: length \d+, channel 0x0004 \(ATT\)/);
    expect(details).toMatch(/ATT Write Command/);
    expect(details).toMatch(/frame PAIR_HELLO \(\d+ bytes\)/);
    expect(details).toMatch(/CPace share: [0-9a-f]+/);
    expect(await row.getAttribute('class')).toMatch(/selected/);
    await page.selectOption('#filter-step', '');
  });

  it('selects the packet clicked on the timeline', async () => {
    const { page } = served.air!;
    const target = (await page.evaluate(`(() => {
      const view = window.plushlinkView;
      const p = view.model.packets.find((p) => p.kind === 'connect');
      view.timeline.show(p.timeUs - 300, p.timeUs + 700);
      return { frame: p.frame, x: view.timeline.xOf(p.timeUs + p.durationUs / 2), y: view.timeline.laneMiddle(p.lane) };
    })()`)) as { frame: number; x: number; y: number };
    await page.waitForTimeout(100);
    const box = (await page.locator('#timeline').boundingBox())!;
    await page.mouse.click(box.x + target.x, box.y + target.y);
    await expect(page.locator('#details').getAttribute('data-frame')).resolves.toBe(String(target.frame));
    expect(await page.locator('#details').innerText()).toMatch(/CONNECT_IND|InitA/);
    await page.click('#zoom-all');
  });

  it('narrows the list with the filters and the search', async () => {
    const { page, file } = served.air!;
    const model = buildModel(readFileSync(file));
    const total = await shown(page);
    await page.selectOption('#filter-layer', 'plushlink');
    expect(await shown(page)).toBe(model.packets.filter((p) => p.layer === 'plushlink').length);
    expect(await shown(page)).toBeLessThan(total);
    const layers = await page.locator('#list .row > span:nth-child(5)').allInnerTexts();
    expect(new Set(layers)).toEqual(new Set(['plushlink']));
    await page.selectOption('#filter-step', 'TRANSPORT');
    const transport = model.packets.filter((p) => p.layer === 'plushlink' && p.step === 'TRANSPORT').length;
    expect(await shown(page)).toBe(transport);
    await page.selectOption('#filter-layer', '');
    await page.selectOption('#filter-step', '');
    await page.fill('#filter-search', 'PAIR_REPLY');
    await countBecomes(page, model.packets.filter((p) => p.summary.includes('PAIR_REPLY') || p.step === 'PAIR_REPLY').length);
    await page.fill('#filter-search', '');
    await countBecomes(page, total);
    await page.selectOption('#filter-lane', '0');
    expect(await shown(page)).toBe(model.lanes[0]!.count);
    await page.selectOption('#filter-lane', '');
  });

  it('saves a screenshot of each capture as a test artifact', async () => {
    for (const [name, s] of Object.entries(served)) {
      const path = join(ARTIFACTS, `${name}.png`);
      await s!.page.locator('#list .row').nth(12).click();
      await s!.page.screenshot({ path });
      expect(statSync(path).size).toBeGreaterThan(20_000);
    }
  });

  it('exits 1 with one clear line for a missing file or one that is not a capture', () => {
    const missing = plushlink(['view', join(dir, 'nothing.pcap')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`plushlink: cannot open ${join(dir, 'nothing.pcap')}: no such file or directory\n`);
    const foreign = plushlink(['view', join(ROOT, 'package.json')]);
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toMatch(/^plushlink: .*package\.json is not a capture plushlink can show: not a pcap or btsnoop capture\n$/);
    expect(plushlink(['view']).status).toBe(2);
  });
});
