import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { chromiumUnavailable } from "../helpers/chromium.ts";
import { startOidcIssuer, type OidcIssuer } from "../helpers/oidc-issuer.ts";
import { repoRoot, writeFlow, type CliResult } from "../helpers/weft-cli.ts";
import { startUiSession, type UiSession } from "../helpers/ui-session.ts";

// The web UI in headless Chromium against a real `weft service --ui` holding runs made
// through the CLI: Iris, a 1,000-task foreach, a run that failed after retries, and one
// still running that the page watches finish.

const WIDE = `import { FlowSpec, step, type Inputs } from "weft";
export default class WideFlow extends FlowSpec {
  items!: number[];
  squared!: number;
  total!: number;
  @step start() { this.items = Array.from({ length: 1000 }, (_, i) => i); this.next(this.square, { foreach: "items" }); }
  @step square() { this.squared = (this.input as number) ** 2; this.next(this.join); }
  @step join(inputs: Inputs<WideFlow>) { this.total = [...inputs].reduce((s, i) => s + i.squared, 0); this.next(this.end); }
  @step end() { console.log("total", this.total); }
}
`;

const FLAKY = `import { FlowSpec, step, retry } from "weft";
export default class FlakyFlow extends FlowSpec {
  @step start() { this.next(this.read); }
  @retry({ times: 2 })
  @step read() {
    console.error("reading the sensor");
    if (Date.now() > 0) throw new RangeError("the sensor returned -1");
    this.next(this.end);
  }
  @step end() {}
}
`;

const blocking = (release: string) => `import { existsSync } from "node:fs";
import { FlowSpec, step } from "weft";
export default class SlowFlow extends FlowSpec {
  note!: string;
  @step async start() {
    this.note = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    console.log("waiting for release");
    while (!existsSync(${JSON.stringify(release)})) await new Promise((resolve) => setTimeout(resolve, 50));
    console.log("released, finishing");
    this.next(this.end);
  }
  @step end() {}
}
`;

const unavailable = chromiumUnavailable();

describe("the web UI in a browser", { skip: unavailable, timeout: 900_000 }, () => {
  let ui: UiSession;
  let page: Page;
  let slow: Promise<CliResult>;

  before(async () => {
    ui = await startUiSession("weft-ui-e2e-");
    page = ui.page;
    const iris = await ui.cli(["run", join(repoRoot, "examples/iris/train.ts")]);
    assert.equal(iris.code, 0, iris.stderr);
    const wide = await ui.cli(["run", writeFlow(ui.dir, "wide.ts", WIDE), "--max-workers", "8", "--max-num-splits", "1000"]);
    assert.equal(wide.code, 0, wide.stderr);
    const flaky = await ui.cli(["run", writeFlow(ui.dir, "flaky.ts", FLAKY)]);
    assert.equal(flaky.code, 1, flaky.stderr);
    assert.match(flaky.stderr, /Run FlakyFlow\/1 failed/);
    slow = ui.cli(["run", writeFlow(ui.dir, "slow.ts", blocking(ui.releaseFile))]);
  });
  after(() => ui?.close());

  /**
   * The runs the runs page lists for its current URL. The list is replaced as soon as a
   * filter changes the URL and stays busy until the filtered page arrives: waiting for a
   * row to go would accept the empty list shown meanwhile.
   */
  async function listedRuns(): Promise<(string | null)[]> {
    await page.locator('section.run-list[aria-busy="false"]').waitFor();
    return page.locator("table.runs tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-run")));
  }

  it("the runs page lists every flow's runs, newest first, with status and user, and filters them", async () => {
    const response = await ui.open("/");
    assert.match(response?.headers()["content-security-policy"] ?? "", /script-src 'self'/);
    await page.locator('tr[data-run="SlowFlow/1"]').waitFor();
    assert.deepEqual(await listedRuns(), ["SlowFlow/1", "FlakyFlow/1", "WideFlow/1", "IrisFlow/1"]);
    assert.equal(await page.locator('tr[data-run="FlakyFlow/1"] .status').textContent(), "failed");
    assert.equal(await page.locator('tr[data-run="SlowFlow/1"] .status').textContent(), "running");
    assert.match(await page.locator('tr[data-run="IrisFlow/1"]').textContent() ?? "", /succeeded.*tester/);
    await ui.shot("runs");
    await page.getByLabel("Status").selectOption("failed");
    await page.waitForURL(/\?status=failed$/);
    assert.deepEqual(await listedRuns(), ["FlakyFlow/1"]);
    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Flow", { exact: true }).selectOption("IrisFlow");
    await page.waitForURL(/\/IrisFlow$/);
    assert.deepEqual(await listedRuns(), ["IrisFlow/1"]);
  });

  it("the Iris run shows its DAG with the foreach width, parameters, tasks found by input, and leads to a task's log line and an artifact value", async () => {
    await ui.open("/IrisFlow/1");
    const fit = page.locator('g[data-step="fit"]');
    await fit.waitFor();
    assert.match(await fit.textContent() ?? "", /3\/3 done/);
    assert.match(await page.locator('g[data-step="start"]').textContent() ?? "", /foreach kinds ×3/);
    assert.match(await page.locator("table.params").textContent() ?? "", /testSize\s*0\.3/);
    assert.equal(await page.getByTestId("task-count").textContent(), "6 tasks");
    await page.getByLabel("Search tasks").fill("forest");
    await page.getByTestId("task-count").getByText("1 of 6 tasks").waitFor();
    assert.match(await page.locator('[data-task^="fit/"]').textContent() ?? "", /random-forest.*succeeded/);
    await page.getByLabel("Search tasks").fill("");
    await ui.shot("iris-run");
    await page.locator('[data-task="end/0"] a').click();
    await page.waitForURL(/\/IrisFlow\/1\/end\/0$/);
    await page.locator('pre[aria-label="stdout of attempt 0"]').getByText("Iris classification report").waitFor();
    await page.locator('tr[data-artifact="leaderboard"] button').click();
    const table = page.locator("tr.preview table");
    await table.waitFor();
    assert.match(await table.locator("thead").textContent() ?? "", /kind.*accuracy/);
    assert.match(await table.locator("tbody").textContent() ?? "", /"(knn|random-forest|logistic-regression)"/);
    await ui.shot("iris-task");
  });

  it("a run of 1,000 foreach tasks shows every task, virtualized, and finds one by its foreach index", async () => {
    await ui.open("/WideFlow/1");
    await page.getByTestId("task-count").getByText("1003 tasks").waitFor();
    assert.match(await page.locator('g[data-step="square"]').textContent() ?? "", /1000\/1000 done/);
    assert.match(await page.locator('g[data-step="start"]').textContent() ?? "", /×1000/);
    assert.ok((await page.locator(".tasklist .scroller .row").count()) < 100, "only the rows in view are in the page");
    await page.getByLabel("Search tasks").fill("517");
    await page.getByTestId("task-count").getByText("1 of 1003 tasks").waitFor();
    assert.match(await page.locator('[data-task="square/517"]').textContent() ?? "", /\[517\].*succeeded/);
    await ui.shot("wide-run");
  });

  it("a run that failed after retries leads in one click to the exception and the log tail", async () => {
    await ui.open("/FlakyFlow/1");
    const callout = page.locator(".failed-callout");
    await callout.waitFor();
    assert.match(await callout.textContent() ?? "", /read\/0 after 3 attempts — RangeError: the sensor returned -1/);
    assert.match(await page.locator(".timeline figcaption").textContent() ?? "", /1 retried/);
    await ui.shot("failed-run");
    await callout.getByRole("link").click();
    await page.waitForURL(/\/FlakyFlow\/1\/read\/0#failure$/);
    const failure = page.locator("#failure");
    await failure.waitFor();
    assert.match(await failure.textContent() ?? "", /Attempt 2 failed: RangeError.*the sensor returned -1/s);
    assert.match(await failure.locator("details pre").textContent() ?? "", /at .*read/);
    assert.equal(await page.locator("table.attempts tbody tr").count(), 3);
    await page.locator('pre[aria-label="stderr of attempt 2"]').getByText("reading the sensor").waitFor();
    await ui.shot("failed-task");
  });

  it("a running run updates live: its log line appears, then it finishes without a reload, and run text stays text", async () => {
    await ui.open("/SlowFlow/1/start/0");
    await page.locator('pre[aria-label="stdout of attempt 0"]').getByText("waiting for release").waitFor();
    assert.equal(await page.locator("h1 .status").textContent(), "running");
    const marker = await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = Math.random()));
    ui.release();
    await page.locator('pre[aria-label="stdout of attempt 0"]').getByText("released, finishing").waitFor();
    await page.locator("h1 .status").getByText("succeeded").waitFor();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker), marker, "the page was not reloaded");
    const result = await slow;
    assert.equal(result.code, 0, result.stderr);
    await page.locator('tr[data-artifact="note"] button').click();
    await page.locator("tr.preview").getByText("<img src=x onerror=alert(1)><script>alert(2)</script>", { exact: false }).waitFor();
    assert.equal(await page.locator("tr.preview img, tr.preview script").count(), 0, "artifact text is never markup");
    assert.deepEqual(ui.dialogs, []);
    await ui.shot("running-task-finished");
    await ui.open("/SlowFlow/1");
    await page.locator("h1 .status").getByText("succeeded").waitFor();
  });

  it("tags are edited on the run page, and the runs page filters by them", async () => {
    await ui.open("/IrisFlow/1");
    await page.getByLabel("New tag").fill("baseline");
    await page.getByRole("button", { name: "Add" }).click();
    await page.locator(".tags-editor .tag").getByText("baseline").waitFor();
    await ui.open("/?tag=baseline");
    await page.locator('tr[data-run="IrisFlow/1"]').waitFor();
    assert.deepEqual(await listedRuns(), ["IrisFlow/1"]);
  });

  it("the pathspec box goes to the page a pathspec names, and compare shows two runs' parameters side by side", async () => {
    await ui.open("/");
    await page.getByLabel("Go to pathspec").fill("WideFlow/1/end/0");
    await page.getByLabel("Go to pathspec").press("Enter");
    await page.waitForURL(/\/WideFlow\/1\/end\/0$/);
    await page.locator('pre[aria-label="stdout of attempt 0"]').getByText("total 332833500").waitFor();
    const second = await ui.cli(["run", join(repoRoot, "examples/iris/train.ts"), "--test-size", "0.5"]);
    assert.equal(second.code, 0, second.stderr);
    await ui.open("/-/compare?runs=IrisFlow/1&runs=IrisFlow/2");
    const table = page.locator("table.side-by-side");
    await table.waitFor();
    await page.getByRole("row", { name: "testSize 0.3 0.5", exact: true }).waitFor();
    assert.equal(await table.locator("tr.differs").first().locator("th").textContent(), "testSize");
    assert.match(await table.textContent() ?? "", /Artifacts that differ \(\d+\)/);
    await ui.shot("compare");
  });

  it("a task page opened before the task's first attempt starts shows that attempt once it starts", async () => {
    // Recorded through the API as a runner does, so the page can be opened in the gap between registering the task and starting its attempt.
    const record = async (method: "POST" | "PUT", path: string, body: object) => {
      const response = await fetch(`${ui.service.url}${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.text()}`);
    };
    await record("POST", "/flows/GapFlow/runs", { user: "tester", tags: [], systemTags: [] });
    await record("PUT", "/flows/GapFlow/runs/1/state", { status: "running" });
    await record("POST", "/flows/GapFlow/runs/1/steps/start/tasks", { task: "0", createdAt: new Date().toISOString(), foreachStack: [] });
    await ui.open("/GapFlow/1/start/0");
    await page.locator("h1 .status").getByText("pending").waitFor();
    await record("PUT", "/flows/GapFlow/runs/1/steps/start/tasks/0/attempts/0/start", { attempt: 0, startedAt: new Date().toISOString() });
    await page.locator("h1 .status").getByText("running").waitFor();
    await page.locator("table.attempts tbody tr").getByText("running").waitFor();
  });
});

describe("the web UI with bearer authentication on the service", { skip: unavailable, timeout: 120_000 }, () => {
  let idp: OidcIssuer;
  let ui: UiSession;
  before(async () => {
    idp = await startOidcIssuer({ audience: "weft" });
    ui = await startUiSession("weft-ui-auth-", ["--oidc-issuer", idp.issuer, "--oidc-audience", "weft"]);
  });
  after(async () => {
    await ui?.close();
    await idp?.stop();
  });

  it("says the token is missing, takes one, and says when one is refused", async () => {
    const { page } = ui;
    await ui.open("/");
    await page.getByRole("alert").getByText("The metadata service needs a bearer token.").waitFor();
    const asPage = await fetch(`${ui.service.url}/runs`, { headers: { accept: "text/html" } });
    assert.equal(asPage.status, 401, "asking for HTML does not skip authentication on an API route");
    await page.getByLabel("Bearer token").fill(await idp.sign());
    await page.getByRole("button", { name: "Use token" }).click();
    await page.getByText("No runs match.").waitFor();
    assert.equal(await page.getByRole("alert").count(), 0);
    await page.evaluate((t) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem("weft.token", t), await idp.sign({}, { audience: "someone-else" }));
    await page.reload();
    await page.getByRole("alert").getByText("The metadata service refused the token sent.").waitFor();
  });
});
