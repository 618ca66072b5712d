// The air view on a large capture: sealed 40 s voice messages sent one after another from the
// client library to the simulated toy on the realistic radio (1M PHY, no Data Length Extension,
// 30 ms: the slowest common link, so the most packets), sniffed into a pcap, then opened in
// Chromium. Prints one JSON object: packets, load time from the page's `performance` marks
// (fetch, decode, mount, first drawing), and frame and drawing times while the timeline is dragged
// showing the whole run (every packet in view) and a tenth of it.
// Run: npm run bench:view [-- --messages N]   (default 8: about 43,000 packets)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildView } from '../view/build';
import { launchChromium } from '../view/browser';
import { serveView } from '../view/server';
import { measureSecureTransfer } from './secure-transfer';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const round = (x: number): number => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const messages = arg('messages', 8);
  const dir = mkdtempSync(join(tmpdir(), 'plushlink-bench-view-'));
  const capture = join(dir, 'voice.pcap');
  try {
    const transfer = await measureSecureTransfer({ phy: '1M', dataLength: 27, intervalMs: 30, messageSeconds: 40, messages, snifferPath: capture, phases: 0 });
    await buildView();
    const server = await serveView({ capture });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(server.url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      // In-page code is passed as text: tsx would wrap named functions in a helper the page lacks.
      const load = (await page.evaluate(`(() => {
        const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
        return { start: at('view:start'), fetched: at('view:fetched'), decoded: at('view:decoded'), mounted: at('view:mounted'), drawn: at('view:drawn'), packets: window.plushlinkView.model.packets.length };
      })()`)) as { start: number; fetched: number; decoded: number; mounted: number; drawn: number; packets: number };
      const box = (await page.locator('#timeline').boundingBox())!;
      /**
       * Shows `share` of the run, then drags the timeline for 120 mouse moves; the page records
       * every animation frame's interval and every timeline drawing's duration meanwhile.
       */
      const pan = async (share: number): Promise<Record<string, number>> => {
        await page.evaluate(`(() => {
          const view = window.plushlinkView;
          view.timeline.show(0, view.model.durationUs * ${share});
          view.timeline.drawTimes.length = 0;
          const frames = [];
          window.benchFrames = frames;
          let last = performance.now();
          const tick = (now) => {
            frames.push(now - last);
            last = now;
            if (window.benchFrames === frames) requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        })()`);
        await page.waitForTimeout(100);
        const y = box.y + 40;
        await page.mouse.move(box.x + 300, y);
        await page.mouse.down();
        for (let i = 1; i <= 120; i++) await page.mouse.move(box.x + 300 + i * 8, y);
        await page.mouse.up();
        await page.waitForTimeout(200);
        const { frames, draws } = (await page.evaluate('(() => { const r = { frames: window.benchFrames.slice(2), draws: window.plushlinkView.timeline.drawTimes.slice(1) }; window.benchFrames = undefined; return r; })()')) as { frames: number[]; draws: number[] };
        return {
          draws: draws.length,
          drawMsMedian: round(quantile(draws, 0.5)),
          drawMsP95: round(quantile(draws, 0.95)),
          drawMsMax: round(Math.max(...draws)),
          frames: frames.length,
          frameIntervalMsMedian: round(quantile(frames, 0.5)),
          frameIntervalMsP95: round(quantile(frames, 0.95)),
          framesOver20ms: frames.filter((f) => f > 20).length,
        };
      };
      const panWholeRun = await pan(1);
      const panTenth = await pan(0.1);
      console.log(
        JSON.stringify(
          {
            capture: { messages, messageSeconds: 40, link: '1M, no DLE, 30 ms', packets: load.packets, bytes: statSync(capture).size, simulatedSeconds: round(transfer.simulatedSeconds) },
            loadMs: { total: round(load.drawn), pageToScript: round(load.start), fetch: round(load.fetched - load.start), decode: round(load.decoded - load.fetched), mount: round(load.mounted - load.decoded), firstDraw: round(load.drawn - load.mounted) },
            panWholeRun,
            panTenthOfRun: panTenth,
            chromium: await browser.version(),
          },
          null,
          2,
        ),
      );
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
