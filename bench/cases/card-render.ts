// First frame of a card with a 10,000-row table against the same card with 100 rows, in
// one headless Chromium, alternated; the target is under 1 s for the big one. Rendered
// means loaded, laid out and painted (two animation frames after `load`), as a person
// first sees it; the deferred rows are attached after that.
// Usage: node --import tsx bench/cases/card-render.ts
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Markdown, Table } from "../../src/cards/components.ts";
import { renderCard } from "../../src/cards/render/render-card.ts";
import { launchChromium } from "../../test/helpers/chromium.ts";
import { median } from "../lib.mjs";

const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const dir = mkdtempSync(join(tmpdir(), "weft-bench-card-"));
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ index: i, name: `row ${i}`, score: Math.round(Math.sin(i) * 1000) / 1000 }));
const file = async (name: string, n: number) => {
  const { html } = await renderCard({ type: "blank", title: name, subtitle: "", components: [new Markdown(`# ${n} rows`), new Table(rows(n))] });
  const path = join(dir, `${name}.html`);
  writeFileSync(path, html);
  return pathToFileURL(path).href;
};
const [small, big] = [await file("small", 100), await file("big", 10_000)];
const browser = await launchChromium();
try {
  const firstFrame = async (url: string): Promise<number> => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const started = performance.now();
    await page.goto(url, { waitUntil: "load" });
    await page.evaluate(() => new Promise((resolve) => {
      const frame = (globalThis as unknown as { requestAnimationFrame: (f: () => void) => void }).requestAnimationFrame;
      frame(() => frame(() => resolve(undefined)));
    }));
    const ms = performance.now() - started;
    await page.close();
    return ms;
  };
  await firstFrame(small); // warms the browser up
  const times = { small: [] as number[], big: [] as number[] };
  for (let i = 0; i < REPEATS; i++) {
    times.small.push(await firstFrame(small));
    times.big.push(await firstFrame(big));
  }
  const [s, b] = [median(times.small), median(times.big)];
  console.log(`card-render: 10,000-row card first frame ${b.toFixed(0)} ms | 100-row card ${s.toFixed(0)} ms | ratio ${(b / s).toFixed(2)}× (median of ${REPEATS}, alternated; target < 1000 ms)`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
