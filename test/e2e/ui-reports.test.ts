import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { chromiumUnavailable } from "../helpers/chromium.ts";
import { repoRoot, writeFlow, type CliResult } from "../helpers/weft-cli.ts";
import { startUiSession, type UiSession } from "../helpers/ui-session.ts";

// The web UI with cards, metrics, switches and loops, in headless Chromium against a
// real `weft service --ui` holding runs made through the CLI: the penguins example twice
// (a training card and a loss per epoch), a flow with a switch and a loop, and a task
// whose card the page watches while it runs.

const LOOP = `import { FlowSpec, param, step } from "weft";
export default class LoopFlow extends FlowSpec {
  @param({ help: "fast or thorough" }) mode = "thorough";
  round!: number;
  again!: boolean;
  @step start() { this.round = 0; this.next({ fast: this.quick, thorough: this.prepare }, { condition: "mode" }); }
  @step quick() { this.next(this.report); }
  @step prepare() { this.round += 1; this.next(this.check); }
  @step check() { this.again = this.round < 3; this.next({ true: this.prepare, false: this.report }, { condition: "again" }); }
  @step report() { console.log("rounds", this.round); this.next(this.end); }
  @step end() {}
}
`;

const live = (release: string) => `import { existsSync } from "node:fs";
import { FlowSpec, card, current, step } from "weft";
import { Markdown } from "weft/cards";
export default class LiveFlow extends FlowSpec {
  @card({ id: "progress", type: "blank", refreshInterval: 0.5 })
  @step async start() {
    const note = new Markdown("Waiting for the release file");
    current.card.progress!.append(note);
    current.logMetric("waiting", 1, { step: 0 });
    current.logMetric("waiting", 2, { step: 1 });
    await current.card.progress!.refresh();
    while (!existsSync(${JSON.stringify(release)})) await new Promise((resolve) => setTimeout(resolve, 50));
    note.update("Released and finished");
    this.next(this.end);
  }
  @step end() {}
}
`;

describe("the web UI shows cards, metrics, switches and loops", { skip: chromiumUnavailable(), timeout: 900_000 }, () => {
  let ui: UiSession;
  let page: Page;
  let running: Promise<CliResult>;

  before(async () => {
    ui = await startUiSession("weft-ui-reports-");
    page = ui.page;
    const penguins = join(repoRoot, "examples/penguins/train.ts");
    for (const args of [["--epochs", "60", "--rate", "0.2"], ["--epochs", "120"]]) {
      const run = await ui.cli(["run", penguins, ...args]);
      assert.equal(run.code, 0, run.stderr);
    }
    const loop = await ui.cli(["run", writeFlow(ui.dir, "loop.ts", LOOP)]);
    assert.equal(loop.code, 0, loop.stderr);
    running = ui.cli(["run", writeFlow(ui.dir, "live.ts", live(ui.releaseFile))]);
  });
  after(() => ui?.close());

  it("a task's page shows its card inside a sandboxed frame that cannot reach the page, and a chart per metric", async () => {
    await ui.open("/PenguinsFlow/1/fit/0");
    const frame = page.locator('figure[data-card="training"] iframe:not(.pending)');
    await page.frameLocator('figure[data-card="training"] iframe:not(.pending)').getByText("Training on").waitFor();
    assert.equal(await frame.getAttribute("sandbox"), "allow-scripts", "scripts only, never allow-same-origin");
    const card = page.frames().find((f) => f.url().includes("/cards/training"));
    assert.ok(card, "the card's frame");
    assert.equal(await card.evaluate(() => origin), "null", "an opaque origin");
    assert.equal(await card.evaluate(() => { try { return parent.document.title; } catch { return "blocked"; } }), "blocked");
    assert.match(await card.locator("svg").first().innerHTML(), /path/, "the card's Vega chart");
    const loss = page.locator('figure.chart[data-metric="loss"]');
    await loss.waitFor();
    assert.equal(await loss.locator("polyline").count(), 1);
    assert.match(await loss.textContent() ?? "", /60 points/);
    await page.locator('figure.chart[data-metric="val/accuracy"]').waitFor();
    assert.deepEqual(ui.dialogs, []);
    await ui.shot("task-card-metrics");
  });

  it("compare draws each metric with a line per run, downsampled by the server", async () => {
    await ui.open("/-/compare?runs=PenguinsFlow/1&runs=PenguinsFlow/2");
    const loss = page.locator('figure.chart[data-metric="loss"]');
    await loss.waitFor();
    const lines = await loss.locator("polyline").evaluateAll((ls) => ls.map((l) => [l.getAttribute("data-series"), l.getAttribute("points")!.split(" ").length]));
    assert.deepEqual(lines, [["PenguinsFlow/1/fit/0", 60], ["PenguinsFlow/2/fit/0", 120]]);
    assert.match(await loss.locator(".legend").textContent() ?? "", /PenguinsFlow\/1.*PenguinsFlow\/2/);
    await page.getByRole("row", { name: "epochs 60 120", exact: true }).waitFor();
    await ui.shot("compare-metrics");
  });

  it("a run with a switch and a loop shows the cases on the DAG's edges, the loop's back edge and its iterations", async () => {
    await ui.open("/LoopFlow/1");
    await page.locator('g[data-step="prepare"]').waitFor();
    const label = (edge: string) => page.locator(`g[data-edge="${edge}"] .edge-label`).textContent();
    assert.equal(await label("start>quick"), "fast");
    assert.equal(await label("start>prepare"), "thorough");
    assert.equal(await label("check>prepare"), "true");
    assert.equal(await label("check>report"), "false");
    assert.equal(await page.locator('g[data-edge="check>prepare"] .edge.back').count(), 1, "the loop's edge goes back, dashed");
    assert.match(await page.locator('g[data-step="start"]').textContent() ?? "", /switch on mode/);
    assert.match(await page.locator('g[data-step="quick"]').textContent() ?? "", /not run/, "the case not taken");
    assert.match(await page.locator('g[data-step="prepare"]').textContent() ?? "", /3\/3 done.*↻ loop ×3 iterations/);
    const [prepare, check] = await Promise.all([page.locator('g[data-step="prepare"]').boundingBox(), page.locator('g[data-step="check"]').boundingBox()]);
    assert.ok(prepare!.y < check!.y, "the loop's first step is laid out above its body");
    await page.getByLabel("Search tasks").fill("i2");
    await page.getByTestId("task-count").getByText("2 of 9 tasks").waitFor();
    assert.deepEqual(await page.locator(".tasklist .scroller .row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-task"))), ["prepare/i2", "check/i2"]);
    assert.match(await page.locator('[data-task="prepare/i2"]').textContent() ?? "", /i2.*succeeded/);
    await page.getByLabel("Search tasks").fill("");
    await ui.shot("loop-run");
  });

  it("a running task's card and metrics show as the task writes them, then its finished card", async () => {
    await ui.open("/LiveFlow/1/start/0");
    const shown = () => page.frameLocator('figure[data-card="progress"] iframe:not(.pending)');
    await shown().getByText("Waiting for the release file").waitFor();
    await page.getByRole("heading", { name: "Cards (live)" }).waitFor();
    await page.locator('figure.chart[data-metric="waiting"]').waitFor();
    await ui.shot("live-card");
    const marker = await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = Math.random()));
    ui.release();
    await shown().getByText("Released and finished").waitFor();
    await page.getByRole("heading", { name: "Cards", exact: true }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker), marker, "the page was not reloaded");
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
  });
});
