import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const FLOW = `import { FlowSpec, step, param, current, type Inputs } from "weft";
export default class ResumeFlow extends FlowSpec {
  @param() n = 4;
  items!: number[];
  base!: number[];
  doubled!: number;
  total!: number;
  @step start() {
    this.items = Array.from({ length: this.n }, (_, i) => i);
    this.base = Array.from({ length: 5000 }, (_, i) => i);
    console.log("start ran in", current.pathspec);
    this.next(this.body, { foreach: "items" });
  }
  @step body() {
    if (String(this.input) === process.env.FAIL_AT) throw new Error("failing item " + this.input);
    this.doubled = (this.input as number) * 2;
    console.log("body ran", this.input, "origin", current.origin ?? "none");
    this.next(this.join);
  }
  @step join(inputs: Inputs<ResumeFlow>) {
    this.total = [...inputs].reduce((s, i) => s + i.doubled, 0);
    this.mergeArtifacts(inputs, { exclude: ["doubled"] });
    this.next(this.end);
  }
  @step end() { console.log("total", this.total, "n", this.n); }
}
`;

const task = (dir: string, run: string, step: string) => {
  const stepDir = join(dir, ".weft", "datastore", "ResumeFlow", run, step);
  const id = readdirSync(stepDir)[0]!;
  return {
    meta: (JSON.parse(readFileSync(join(stepDir, id, "_meta", "0.start.json"), "utf8")) as { task: { origin?: string } }).task,
    data: JSON.parse(readFileSync(join(stepDir, id, "0.done.json"), "utf8")) as { artifacts: Record<string, { sha: string }> },
  };
};
const blobCount = (dir: string) => readdirSync(join(dir, ".weft", "datastore", "ResumeFlow", "data"), { recursive: true }).length;

test("resume clones what finished before the failed step, by reference, and runs the rest", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "resume.ts", FLOW);
  const failed = await runWeft(["run", file, "--n", "3"], { cwd: dir, env: { FAIL_AT: "1" } });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /weft resume .*resume\.ts --origin-run-id 1/);
  const blobsBefore = blobCount(dir);

  const resumed = await runWeft(["resume", file], { cwd: dir });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /Run ResumeFlow\/2 started, resuming run 1/);
  assert.match(resumed.stderr, /\[ResumeFlow\/2\/start\/0\] cloned from ResumeFlow\/1\/start\/0/);
  assert.doesNotMatch(resumed.stdout, /start ran in/, "start is not run again");
  assert.equal([...resumed.stdout.matchAll(/body ran \d origin ResumeFlow\/1/g)].length, 3, "the failed step runs again, every item");
  assert.match(resumed.stdout, /total 6 n 3/, "parameters come from the origin");

  const start = task(dir, "2", "start");
  assert.equal(start.meta.origin, "ResumeFlow/1/start/0");
  assert.deepEqual(start.data.artifacts, task(dir, "1", "start").data.artifacts, "same artifact records");
  assert.ok(blobCount(dir) - blobsBefore <= 8, "no artifact bytes were copied for the clone");
});

test("resume from a named step reruns it and everything after it, cloning the rest", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "resume.ts", FLOW);
  assert.equal((await runWeft(["run", file], { cwd: dir })).code, 0);
  const refused = await runWeft(["resume", file], { cwd: dir });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /Run ResumeFlow\/1 succeeded; there is nothing to resume\.\n\s+Name a step/);
  const fromJoin = await runWeft(["resume", file, "join", "--origin-run-id", "1"], { cwd: dir });
  assert.equal(fromJoin.code, 0, fromJoin.stderr);
  assert.equal([...fromJoin.stderr.matchAll(/cloned from ResumeFlow\/1\/(start|body)\//g)].length, 5, "start and four body tasks are cloned");
  assert.match(fromJoin.stdout, /total 12 n 4/);
});

test("resume refuses an unknown run or step, naming what exists", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "resume.ts", FLOW);
  const none = await runWeft(["resume", file], { cwd: dir });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /No run of ResumeFlow by tester to resume/);
  assert.equal((await runWeft(["run", file], { cwd: dir })).code, 0);
  const badRun = await runWeft(["resume", file, "--origin-run-id", "7"], { cwd: dir });
  assert.equal(badRun.code, 1);
  assert.match(badRun.stderr, /Flow ResumeFlow has no run "7" to resume\.\n\s+Latest runs: 1/);
  const badStep = await runWeft(["resume", file, "train", "--origin-run-id", "1"], { cwd: dir });
  assert.equal(badStep.code, 2);
  assert.match(badStep.stderr, /has no step "train" to resume from\.\n\s+Steps: start, body, join, end/);
});
