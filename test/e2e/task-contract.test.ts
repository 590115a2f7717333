// The task contract (docs/task-contract.md) on the local datastore: a run created with
// `weft run --create-only` and run by a shell script calling `weft step` for each task,
// with no runner, is seen by the CLI and the client exactly as a `weft run` of the same
// flow; and `weft step` exits with the documented codes.
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { closedPort } from "../helpers/processes.ts";
import { CONTRACT_FLOW as FLOW, CONTRACT_TASKS, describeRun, runClean, runTasksScript } from "../helpers/task-contract.ts";
import { runWeft, tempProject, weftBin } from "../helpers/weft-cli.ts";

const describe = (dir: string, pathspec: string) => describeRun(dir, pathspec, { ...process.env, WEFT_HOME: join(dir, ".weft"), HOME: dir });

test("a run made of `weft step` calls from a shell script reads exactly as a `weft run` of the same flow", async () => {
  const dir = tempProject();
  const root = join(dir, ".weft", "datastore");
  const created = await runWeft(["run", FLOW, "--create-only", "--run-id", "shell-1"], { cwd: dir });
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, "shell-1\n");

  const script = await runTasksScript(dir, { run: "shell-1", datastore: "local", datastoreRoot: root, metadata: "local", taskEnv: {} });
  assert.equal(script.code, 0, script.stderr);
  assert.match(script.stderr, /item 1 fails its first attempt/);

  const local = await runWeft(["run", FLOW], { cwd: dir });
  assert.equal(local.code, 0, local.stderr);
  const [shell, weftRun] = await Promise.all([describe(dir, "ContractFlow/shell-1"), describe(dir, "ContractFlow/1")]);
  assert.equal(shell.successful, true);
  assert.deepEqual(Object.keys(shell.tasks).sort(), CONTRACT_TASKS);
  assert.equal(shell.tasks["body/1"].retryCount, 1);
  assert.match(shell.tasks["end/0"].stdout, /total 14 label left\+right/);
  assert.deepEqual(shell, weftRun);

  const listed = await runWeft(["list", "tasks", "ContractFlow/shell-1", "--json"], { cwd: dir });
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(JSON.parse(listed.stdout).length, 9);
  const logs = await runWeft(["logs", "ContractFlow/shell-1/body/1"], { cwd: dir });
  assert.match(logs.stdout, /item 1 squared 4/);
  const resumed = await runWeft(["resume", FLOW, "join", "--origin-run-id", "shell-1"], { cwd: dir });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /\[ContractFlow\/2\/body\/1\] cloned from ContractFlow\/shell-1\/body\/1/);
  assert.match(resumed.stdout, /total 14 label left\+right/);
});

test("weft step exits 2 for a malformed command, 4 when retrying is pointless, 1 when the step raises, 3 when the metadata service is unreachable", async () => {
  const dir = tempProject();
  const root = join(dir, ".weft", "datastore");
  assert.equal((await runWeft(["run", FLOW, "--create-only", "--run-id", "codes"], { cwd: dir })).code, 0);
  const step = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runClean([process.execPath, weftBin, "step", "--flow", "ContractFlow", "--run", "codes", "--datastore-root", root, ...args], dir, { PATH: process.env.PATH, HOME: dir, ...env });

  const usage = await step(["--step", "start"]);
  assert.equal(usage.code, 2, usage.stderr);
  assert.match(usage.stderr, /--task is required/);

  const wrongId = await step(["--step", "body", "--task", "1-2"]);
  assert.equal(wrongId.code, 4, wrongId.stderr);
  assert.match(wrongId.stderr, /task id "1-2" does not fit step "body", which is inside 1 foreach: its task ids are 1 whole number/);

  const noRun = await runClean([process.execPath, weftBin, "step", "--flow", "ContractFlow", "--run", "nope", "--step", "start", "--task", "0", "--datastore-root", root], dir, { PATH: process.env.PATH, HOME: dir });
  assert.equal(noRun.code, 4, noRun.stderr);
  assert.match(noRun.stderr, /Run ContractFlow\/nope has no run spec/);

  const parentNotDone = await step(["--step", "end", "--task", "0"]);
  assert.equal(parentNotDone.code, 4, parentNotDone.stderr);
  assert.match(parentNotDone.stderr, /Task ContractFlow\/codes\/join\/0 has not finished successfully/);

  for (const name of ["start", "a", "b"]) assert.equal((await step(["--step", name, "--task", "0"])).code, 0);
  assert.equal((await step(["--step", "joinBranches", "--task", "0"])).code, 0);
  const raised = await step(["--step", "body", "--task", "1"]);
  assert.equal(raised.code, 1, raised.stderr);
  assert.match(raised.stderr, /item 1 fails its first attempt/);

  const unreachable = await step(["--step", "body", "--task", "1", "--attempt", "1", "--metadata", "service"], { WEFT_SERVICE_URL: `http://127.0.0.1:${await closedPort()}` });
  assert.equal(unreachable.code, 3, unreachable.stderr);
  assert.match(unreachable.stderr, /Cannot reach the metadata service/);
});

test("weft step --context-on-stdin starts from the run spec and parent's marker a runner hands it, refuses a copy that is not of its run, and --result-fd hands back its marker", async () => {
  const dir = tempProject();
  const root = join(dir, ".weft", "datastore");
  assert.equal((await runWeft(["run", FLOW, "--create-only", "--run-id", "given"], { cwd: dir })).code, 0);
  const step = (args: string[], input?: string) =>
    runClean([process.execPath, weftBin, "step", "--flow", "ContractFlow", "--run", "given", "--datastore-root", root, ...args], dir, { PATH: process.env.PATH, HOME: dir }, input);
  assert.equal((await step(["--step", "start", "--task", "0"])).code, 0);

  // Both copies are taken away from the datastore: the task can only have them from stdin.
  const specFile = join(root, "ContractFlow", "given", "_run.json");
  const markerFile = join(root, "ContractFlow", "given", "start", "0", "0.done.json");
  const context = JSON.stringify({ runSpec: JSON.parse(readFileSync(specFile, "utf8")), finished: { "start/0": JSON.parse(readFileSync(markerFile, "utf8")) } });
  rmSync(specFile);
  rmSync(markerFile);
  const given = await step(["--step", "a", "--task", "0", "--context-on-stdin", "--result-fd", "3"], context);
  assert.equal(given.code, 0, given.stderr);
  const stored = readFileSync(join(root, "ContractFlow", "given", "a", "0", "0.done.json"), "utf8");
  const marker = JSON.parse(stored);
  assert.deepEqual(marker.next, ["joinBranches"]);
  assert.ok(marker.artifacts.left, "the step's artifact is saved");
  assert.equal(given.fd3, stored, "--result-fd hands back the done marker as stored");
  const without = await step(["--step", "b", "--task", "0"]);
  assert.equal(without.code, 4, "without the flag the task reads the datastore, where the run spec is gone");
  assert.match(without.stderr, /has no run spec/);

  const notJson = await step(["--step", "b", "--task", "0", "--context-on-stdin"], "{");
  assert.equal(notJson.code, 4, notJson.stderr);
  assert.match(notJson.stderr, /stdin does not hold the run's context as JSON/);
  const otherRun = await step(["--step", "b", "--task", "0", "--context-on-stdin"], JSON.stringify({ runSpec: { ...JSON.parse(context).runSpec, run: "other" } }));
  assert.equal(otherRun.code, 4, otherRun.stderr);
  assert.match(otherRun.stderr, /stdin holds no run spec of ContractFlow\/given/);
  assert.match(otherRun.stderr, /without --context-on-stdin/);
});
