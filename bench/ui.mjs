// The web UI in headless Chromium against `weft service --ui` (embedded PGlite), seeded
// through the service's API (no flows run), each figure against a small baseline in the
// same service and the same run:
//  1. first render of the runs page with 10,000 runs (the first page of rows shown),
//     against a flow's page with 10 runs;
//  2. first render of a run page with 10,000 tasks (DAG, timeline, task count), against
//     a run of 10 tasks;
//  3. time to the last line of a 100 MB log on the task page, against a 1 KB log;
//  4. the UI's JavaScript, gzipped (target < 500 KB).
// Usage: node bench/ui.mjs   (BENCH_REPEATS, default 3; needs /usr/bin/chromium)
import { mkdirSync, openSync, readdirSync, readFileSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { median, pool, repoRoot, startWeftService, tempDir } from "./lib.mjs";

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const RUNS = 10_000;
const TASKS = 10_000;
const LOG_BYTES = 100 * 1024 * 1024;

async function call(base, method, path, body) {
  const res = await fetch(`${base}${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

const graph = (flow) => ({
  flowName: flow,
  file: "/bench/flow.ts",
  steps: ["start", "work", "join", "end"],
  nodes: {
    start: { name: "start", line: 1, isJoin: false, split: "foreach", foreach: "items", next: ["work"], prev: [], mentions: [] },
    work: { name: "work", line: 2, isJoin: false, next: ["join"], prev: ["start"], mentions: [] },
    join: { name: "join", line: 3, isJoin: true, next: ["end"], prev: ["work"], mentions: [], joins: { split: "start", kind: "foreach" } },
    end: { name: "end", line: 4, isJoin: false, next: [], prev: ["join"], mentions: [] },
  },
});

/** A finished run of `width` foreach tasks (plus start, join, end), recorded as a runner would. */
async function seedRun(base, flow, width, root) {
  const run = await call(base, "POST", `/flows/${flow}/runs`, { user: "bench", tags: [], systemTags: ["user:bench"] });
  await call(base, "PUT", `/flows/${flow}/runs/${run.run}/outline`, { graph: graph(flow), params: { width }, datastore: { kind: "local", root } });
  const t0 = Date.now();
  const at = (ms) => new Date(t0 + ms).toISOString();
  const tasks = [["start", "0", []], ...Array.from({ length: width }, (_, i) => ["work", String(i), [{ step: "start", task: "0", index: i, numSplits: width }]]), ["join", "0", []], ["end", "0", []]];
  await pool(tasks.length, 32, async (i) => {
    const [step, task, foreachStack] = tasks[i];
    const path = `/flows/${flow}/runs/${run.run}/steps/${step}/tasks`;
    await call(base, "POST", path, { task, createdAt: at(i), foreachStack });
    await call(base, "PUT", `${path}/${task}/attempts/0/start`, { attempt: 0, startedAt: at(i), metadata: [] });
    await call(base, "PUT", `${path}/${task}/attempts/0/finish`, { attempt: 0, startedAt: at(i), finishedAt: at(i + 50), ok: true, artifacts: [] });
  });
  await call(base, "PUT", `/flows/${flow}/runs/${run.run}/state`, { status: "succeeded", finishedAt: at(tasks.length + 50) });
  return run.run;
}

function writeLog(root, flow, run, bytes) {
  const dir = join(root, flow, run, "end", "0");
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, "0.stdout"), "w");
  const line = Buffer.from(`${"x".repeat(95)} line\n`);
  const block = Buffer.concat(Array.from({ length: 10_000 }, () => line));
  let written = 0;
  while (written + block.byteLength < bytes) written += writeSync(fd, block);
  written += writeSync(fd, Buffer.from("the very last line\n"));
  closeSync(fd);
  return written;
}

/** Milliseconds from navigation to `selector` (with `text`) being visible, median of REPEATS in a fresh page each. */
async function firstRender(browser, url, selector, text) {
  const times = [];
  for (let i = 0; i < REPEATS; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const start = Date.now();
    await page.goto(url);
    await page.locator(selector, text ? { hasText: text } : {}).first().waitFor({ timeout: 60_000 });
    times.push(Date.now() - start);
    await page.close();
  }
  return median(times);
}

export async function uiBench() {
  const { chromium } = await import("playwright-core");
  const dir = tempDir("weft-bench-ui-");
  const root = join(dir, "datastore");
  const service = await startWeftService(["--ui"], join(dir, ".weft"));
  try {
    console.log(`ui: seeding ${RUNS} runs, a run of ${TASKS} tasks and a ${LOG_BYTES / 2 ** 20} MB log through the service API…`);
    const seedStart = Date.now();
    await pool(RUNS, 16, (i) => call(service.url, "POST", `/flows/ManyFlow${i % 10}/runs`, { user: `user${i % 7}`, tags: [`t${i % 5}`], systemTags: [] }));
    for (let i = 0; i < 10; i++) await call(service.url, "POST", "/flows/FewFlow/runs", { user: "bench", tags: [], systemTags: [] });
    const big = await seedRun(service.url, "WideFlow", TASKS, root);
    const small = await seedRun(service.url, "NarrowFlow", 10, root);
    writeLog(root, "WideFlow", big, LOG_BYTES);
    writeLog(root, "NarrowFlow", small, 1024);
    console.log(`ui: seeded in ${((Date.now() - seedStart) / 1000).toFixed(0)} s`);

    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
    try {
      const runsMany = await firstRender(browser, `${service.url}/`, "table.runs tbody tr");
      const runsFew = await firstRender(browser, `${service.url}/FewFlow`, "table.runs tbody tr");
      const runBig = await firstRender(browser, `${service.url}/WideFlow/${big}`, '[data-testid="task-count"]', `${TASKS + 3} tasks`);
      const runSmall = await firstRender(browser, `${service.url}/NarrowFlow/${small}`, '[data-testid="task-count"]', "13 tasks");
      const logBig = await firstRender(browser, `${service.url}/WideFlow/${big}/end/0`, 'pre[aria-label="stdout of attempt 0"]', "the very last line");
      const logSmall = await firstRender(browser, `${service.url}/NarrowFlow/${small}/end/0`, 'pre[aria-label="stdout of attempt 0"]', "the very last line");
      const assets = join(repoRoot, "dist", "ui", "assets");
      const js = readdirSync(assets).filter((f) => f.endsWith(".js"));
      const gz = js.reduce((n, f) => n + gzipSync(readFileSync(join(assets, f)), { level: 9 }).byteLength, 0);
      const raw = js.reduce((n, f) => n + readFileSync(join(assets, f)).byteLength, 0);
      const row = (what, ms, base, target) => console.log(`  ${what.padEnd(44)} ${String(ms).padStart(6)} ms   baseline ${String(base).padStart(5)} ms   ${(ms / base).toFixed(2)}×   ${target}`);
      console.log(`ui (median of ${REPEATS}, navigation to visible):`);
      row(`runs page, ${RUNS + 10} runs (vs a flow of 10)`, runsMany, runsFew, "target < 1000 ms");
      row(`run page, ${TASKS + 3} tasks (vs 13)`, runBig, runSmall, "target < 2000 ms");
      row(`last line of a ${LOG_BYTES / 2 ** 20} MB log (vs 1 KB)`, logBig, logSmall, "");
      console.log(`  UI JavaScript: ${(raw / 1024).toFixed(0)} KB, ${(gz / 1024).toFixed(0)} KB gzipped (target < 500 KB)`);
    } finally {
      await browser.close();
    }
  } finally {
    await service.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await uiBench();
