import assert from "node:assert/strict";
import { test } from "node:test";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const TOKEN = "child-token-5e1f9a";

// Each way a step's subprocess can write to the task's stdout or stderr.
const FLOW = `import { FlowSpec, step, secrets } from "weft";
import { execSync, spawn, spawnSync } from "node:child_process";
export default class ChildOutputFlow extends FlowSpec {
  @secrets({ sources: ["env.CHILD_TOKEN"] })
  @step async start() {
    spawnSync("sh", ["-c", "echo sync-inherit-out; echo sync-inherit-err >&2"], { stdio: "inherit" });
    execSync("echo exec-default-err >&2");
    execSync("echo exec-inherit-out; echo exec-inherit-err >&2", { stdio: "inherit" });
    const child = spawn("sh", ["-c", "echo async-inherit-out token=$CHILD_TOKEN; echo async-inherit-err >&2"], { stdio: "inherit" });
    await new Promise((resolve) => child.on("close", resolve));
    this.next(this.end);
  }
  @step end() {}
}
`;

const OUT = ["sync-inherit-out", "exec-inherit-out", "async-inherit-out token=****"];
const ERR = ["sync-inherit-err", "exec-default-err", "exec-inherit-err", "async-inherit-err"];

/** Lines equal to `line`, bare (weft logs) or after the runner's "[pathspec] " prefix (live). */
const count = (haystack: string, line: string) => haystack.split("\n").filter((l) => l === line || l.endsWith(`] ${line}`)).length;

test("output of a step's child processes with inherited stdio is in weft logs, masked, and shown live once", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "child_output.ts", FLOW);
  const run = await runWeft(["run", file], { cwd: dir, env: { CHILD_TOKEN: TOKEN } });
  assert.equal(run.code, 0, run.stderr);
  for (const line of OUT) assert.equal(count(run.stdout, line), 1, `live stdout shows "${line}" once:\n${run.stdout}`);
  for (const line of ERR) assert.equal(count(run.stderr, line), 1, `live stderr shows "${line}" once:\n${run.stderr}`);

  const logs = await runWeft(["logs", "ChildOutputFlow/1/start"], { cwd: dir });
  assert.equal(logs.code, 0, logs.stderr);
  for (const line of OUT) assert.equal(count(logs.stdout, line), 1, `weft logs has "${line}" on stdout once:\n${logs.stdout}`);
  for (const line of ERR) assert.equal(count(logs.stderr, line), 1, `weft logs has "${line}" on stderr once:\n${logs.stderr}`);
  assert.doesNotMatch(run.stdout + run.stderr + logs.stdout + logs.stderr, new RegExp(TOKEN));
});
