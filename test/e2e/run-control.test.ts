import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

test("--max-workers bounds how many tasks run at once", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "workers.ts",
    `import { FlowSpec, step, type Inputs } from "weft";
import { appendFileSync } from "node:fs";
export default class WorkersFlow extends FlowSpec {
  items!: number[];
  @step start() { this.items = [1, 2, 3, 4, 5, 6]; this.next(this.work, { foreach: "items" }); }
  @step async work() {
    appendFileSync(process.env.EVENTS!, "+" + Date.now() + "\\n");
    await new Promise((r) => setTimeout(r, 400));
    appendFileSync(process.env.EVENTS!, "-" + Date.now() + "\\n");
    this.next(this.join);
  }
  @step join(inputs: Inputs<WorkersFlow>) { this.next(this.end); }
  @step end() {}
}
`,
  );
  const events = join(dir, "events.txt");
  const result = await runWeft(["run", file, "--max-workers", "2"], { cwd: dir, env: { EVENTS: events } });
  assert.equal(result.code, 0, result.stderr);
  const timeline = readFileSync(events, "utf8").trim().split("\n").map((l) => ({ delta: l[0] === "+" ? 1 : -1, at: Number(l.slice(1)) }));
  timeline.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const e of timeline) most = Math.max(most, (running += e.delta));
  assert.equal(timeline.length, 12);
  assert.equal(most, 2);
});

test("Ctrl-C kills running tasks, keeps finished ones, and marks the run killed", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "long.ts",
    `import { FlowSpec, step } from "weft";
import { writeFileSync } from "node:fs";
export default class LongFlow extends FlowSpec {
  @step start() { this.next(this.wait); }
  @step async wait() {
    writeFileSync(process.env.PIDFILE!, String(process.pid));
    await new Promise((r) => setTimeout(r, 60_000));
    this.next(this.end);
  }
  @step end() {}
}
`,
  );
  const pidFile = join(dir, "task.pid");
  let runner = 0;
  const finished = runWeft(["run", file], { cwd: dir, env: { PIDFILE: pidFile }, onSpawn: (pid) => (runner = pid) });
  const deadline = Date.now() + 20_000;
  while (!existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(pidFile), "the long task started");
  process.kill(runner, "SIGINT");
  const result = await finished;
  assert.equal(result.code, 130);
  assert.match(result.stderr, /Stopping: killing running tasks/);
  assert.match(result.stderr, /Run LongFlow\/1 killed/);
  const taskPid = Number(readFileSync(pidFile, "utf8"));
  assert.throws(() => process.kill(taskPid, 0), /ESRCH/, "the task process is gone");
  const runDir = join(dir, ".weft", "datastore", "LongFlow", "1");
  assert.equal(JSON.parse(readFileSync(join(runDir, "_meta", "state.json"), "utf8")).status, "killed");
  assert.ok(existsSync(join(runDir, "start", "0", "0.done.json")), "the finished start task is kept");
  assert.deepEqual(readdirSync(join(runDir, "wait", "0")).filter((f) => f.endsWith(".done.json")), []);
});

test("weft check reports each problem with file, line and step, and exits 1", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "broken.ts",
    `import { FlowSpec, step } from "weft";
export default class BrokenFlow extends FlowSpec {
  @step start() {
    this.next(this.train);
  }
  @step train() {
    console.log("no transition");
  }
  @step end() {}
}
`,
  );
  const result = await runWeft(["check", file], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /broken\.ts:6 \[train\] Step "train" has no transition\.\n\s+→ End it with this\.next/);
  const run = await runWeft(["run", file], { cwd: dir });
  assert.equal(run.code, 1, "every run lints first");
  assert.match(run.stderr, /Step "train" has no transition/);
  assert.equal(existsSync(join(dir, ".weft", "datastore", "BrokenFlow")), false, "nothing was written");
});

test("weft check passes a valid flow and weft show prints its graph", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "good.ts",
    `import { FlowSpec, step, param, retry, type Inputs } from "weft";
export default class GoodFlow extends FlowSpec {
  @param() n = 2;
  items!: number[];
  @step start() { this.items = [1, 2]; this.next(this.body, { foreach: "items" }); }
  @retry({ times: 1 }) @step body() { this.next(this.join); }
  @step join(inputs: Inputs<GoodFlow>) { this.next(this.end); }
  @step end() {}
}
`,
  );
  const check = await runWeft(["check", file], { cwd: dir });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /✓ GoodFlow is valid: 4 steps, 1 parameters/);
  const show = await runWeft(["show", file], { cwd: dir });
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /step start\s+— foreach over "items"\s+\(line 5\)\n\s+→ body/);
  assert.match(show.stdout, /step body\s+— linear\s+@retry/);
  assert.match(show.stdout, /step join\s+— join of the foreach at start/);
});

test("weft logs names what exists when asked for something that does not", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "tiny.ts", `import { FlowSpec, step } from "weft";\nexport default class TinyFlow extends FlowSpec {\n  @step start() { console.log("hello from start"); this.next(this.end); }\n  @step end() {}\n}\n`);
  assert.equal((await runWeft(["run", file], { cwd: dir })).code, 0);
  const ok = await runWeft(["logs", "TinyFlow/1/start"], { cwd: dir });
  assert.equal(ok.stdout, "hello from start\n");
  const noRun = await runWeft(["logs", "TinyFlow/9/start"], { cwd: dir });
  assert.equal(noRun.code, 1);
  assert.match(noRun.stderr, /Flow TinyFlow has no run "9"\.\n\s+Latest runs: 1/);
  const noFlow = await runWeft(["logs", "OtherFlow/1/start"], { cwd: dir });
  assert.match(noFlow.stderr, /No runs of flow "OtherFlow".*\n\s+Flows with runs: TinyFlow/);
  const noStep = await runWeft(["logs", "TinyFlow/1/middle"], { cwd: dir });
  assert.match(noStep.stderr, /has no tasks of step "middle"\.\n\s+Steps with tasks: (start, end|end, start)/);
  const malformed = await runWeft(["logs", "TinyFlow"], { cwd: dir });
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /Invalid pathspec "TinyFlow"/);
});
