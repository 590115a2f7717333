// The switch and loop shapes of Metaflow's core suite (test/core/graphs: switch_basic,
// switch_nested, switch_in_branch, switch_in_foreach, branch_in_switch, foreach_in_switch,
// recursive_switch, recursive_switch_inside_foreach), run through the real CLI, with
// @catchError, mergeArtifacts, @timeout and resume on the shapes where they are cheap.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { Run, Task, useConfig } from "../../src/client/index.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

/** Writes and runs a flow, then points the client at its folder. */
async function runFlow(name: string, source: string, args: string[] = []) {
  const dir = tempProject("weft-switch-");
  const file = writeFlow(dir, `${name}.ts`, `import { FlowSpec, step, current, catchError, timeout, retry, type Inputs } from "weft";\n${source}`);
  const result = await runWeft(["run", file, ...args], { cwd: dir });
  useConfig(resolveConfig({ env: { WEFT_HOME: join(dir, ".weft"), USER: "tester" }, cwd: dir, userHome: dir }));
  return { dir, file, result };
}

/** Each step's task ids, for the steps that ran. */
async function taskIds(pathspec: string): Promise<Record<string, string[]>> {
  const run = await Run.get(pathspec);
  const out: Record<string, string[]> = {};
  for (const step of await run.steps().toArray()) out[step.name] = (await step.tasks().toArray()).map((t) => t.id).sort();
  return out;
}

const lineage = async (pathspec: string) => {
  const task = await Task.get(pathspec);
  const ids = async (tasks: Promise<Task[]>) => (await tasks).map((t) => `${t.stepName}/${t.id}`);
  return { parents: await ids(task.parentTasks().toArray()), children: await ids(task.childTasks().toArray()) };
};

test("switch_basic: only the case the condition names runs, and end starts from it; a caught failure in a case keeps what it set", async () => {
  const { result } = await runFlow(
    "SwitchBasic",
    `export default class SwitchBasic extends FlowSpec {
  condition!: string;
  data!: string;
  failure!: unknown;
  @step start() { this.next(this.switchStep); }
  @step switchStep() { this.condition = "case2"; this.next({ case1: this.a, case2: this.b, case3: this.c }, { condition: "condition" }); }
  @step a() { this.data = "a"; this.next(this.end); }
  @catchError({ var: "failure" })
  @step b() { this.data = "b before the throw"; throw new Error("b broke"); this.next(this.end); }
  @step c() { this.data = "c"; this.next(this.end); }
  @step end() { console.log("END", this.data, JSON.stringify(this.failure)); }
}`,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /END b before the throw \{"type":"Error","message":"b broke"/);
  assert.deepEqual(await taskIds("SwitchBasic/1"), { start: ["0"], switchStep: ["0"], b: ["0"], end: ["0"] });
  assert.deepEqual(await lineage("SwitchBasic/1/end/0"), { parents: ["b/0"], children: [] });
  assert.deepEqual(await lineage("SwitchBasic/1/switchStep/0"), { parents: ["start/0"], children: ["b/0"] });
});

test("switch_nested: a switch leads to another switch, and the chosen leaf reaches end; a case that times out is caught", async () => {
  const { result } = await runFlow(
    "SwitchNested",
    `export default class SwitchNested extends FlowSpec {
  condition1 = "case1";
  condition2!: string;
  path!: string;
  failure!: { type: string };
  @step start() { this.next({ case1: this.switch2, case2: this.b }, { condition: "condition1" }); }
  @step switch2() { this.condition2 = "case2_2"; this.next({ case2_1: this.c, case2_2: this.d }, { condition: "condition2" }); }
  @step b() { this.path = "b"; this.next(this.end); }
  @step c() { this.path = "c"; this.next(this.end); }
  @timeout({ seconds: 1 }) @catchError({ var: "failure" })
  @step async d() { this.path = "d"; await new Promise((r) => setTimeout(r, 60_000)); this.next(this.end); }
  @step end() { console.log("END", this.path ?? "unset", this.failure.type); }
}`,
  );
  assert.equal(result.code, 0, result.stderr);
  // The timed-out attempt's assignments were lost with its process; the fallback stored the error and took the case's transition.
  assert.match(result.stdout, /END unset Timeout/);
  assert.deepEqual(Object.keys(await taskIds("SwitchNested/1")).sort(), ["d", "end", "start", "switch2"]);
});

test("switch_in_branch: a switch inside a static branch; the join gets one input per branch, by the step that ran, and merges", async () => {
  const { result } = await runFlow(
    "SwitchInBranch",
    `export default class SwitchInBranch extends FlowSpec {
  condition!: string;
  data!: string;
  shared!: string;
  finalData!: string[];
  @step start() { this.condition = "case1"; this.shared = "same"; this.next(this.a, this.b); }
  @step a() { this.next({ case1: this.c, case2: this.d }, { condition: "condition" }); }
  @step b() { this.data = "from_b"; this.next(this.join); }
  @step c() { this.data = "from_a_c"; this.next(this.join); }
  @step d() { this.data = "from_a_d"; this.next(this.join); }
  @step join(inputs: Inputs<SwitchInBranch>) {
    this.finalData = [...inputs].map((i) => i.data).sort();
    console.log("BY NAME", inputs.c.data, inputs.b.data);
    this.mergeArtifacts(inputs, { exclude: ["data"] });
    this.next(this.end);
  }
  @step end() { console.log("END", JSON.stringify(this.finalData), this.shared, this.condition); }
}`,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /BY NAME from_a_c from_b/);
  assert.match(result.stdout, /END \["from_a_c","from_b"\] same case1/);
  assert.deepEqual(await lineage("SwitchInBranch/1/join/0"), { parents: ["c/0", "b/0"], children: ["end/0"] });
});

test("switch_in_foreach: each item takes its own case, and the foreach join gets every item from whichever case ran", async () => {
  const { result } = await runFlow(
    "SwitchInForeach",
    `export default class SwitchInForeach extends FlowSpec {
  items!: string[];
  itemType!: string;
  handled!: string;
  results!: string[];
  @step start() { this.items = ["type_a", "type_b", "type_a"]; this.next(this.processItem, { foreach: "items" }); }
  @step processItem() { this.itemType = this.input as string; this.next({ type_a: this.handleA, type_b: this.handleB }, { condition: "itemType" }); }
  @step handleA() { this.handled = "A" + this.index; this.next(this.join); }
  @step handleB() { this.handled = "B" + this.index; this.next(this.join); }
  @step join(inputs: Inputs<SwitchInForeach>) { this.results = [...inputs].map((i) => i.handled); this.next(this.end); }
  @step end() { console.log("END", JSON.stringify(this.results)); }
}`,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /END \["A0","B1","A2"\]/);
  const ids = await taskIds("SwitchInForeach/1");
  assert.deepEqual([ids.handleA, ids.handleB], [["0", "2"], ["1"]]);
});

test("branch_in_switch and foreach_in_switch: a case may open a static branch or a foreach, joined before the cases meet at end", async () => {
  const branch = await runFlow(
    "BranchInSwitch",
    `export default class BranchInSwitch extends FlowSpec {
  mode = "process";
  out!: string;
  @step start() { this.next({ process: this.processBranch, skip: this.skipPath }, { condition: "mode" }); }
  @step processBranch() { this.next(this.p1, this.p2); }
  @step p1() { this.out = "p1"; this.next(this.processJoin); }
  @step p2() { this.out = "p2"; this.next(this.processJoin); }
  @step processJoin(inputs: Inputs<BranchInSwitch>) { this.out = [...inputs].map((i) => i.out).join("+"); this.next(this.end); }
  @step skipPath() { this.out = "skipped"; this.next(this.end); }
  @step end() { console.log("END", this.out); }
}`,
  );
  assert.equal(branch.result.code, 0, branch.result.stderr);
  assert.match(branch.result.stdout, /END p1\+p2/);
  assert.equal((await taskIds("BranchInSwitch/1")).skipPath, undefined);

  const foreach = await runFlow(
    "ForeachInSwitch",
    `export default class ForeachInSwitch extends FlowSpec {
  mode = "skip";
  itemsToProcess = ["item_1", "item_2"];
  out!: string;
  @step start() { this.next({ process: this.processItems, skip: this.skipProcessing }, { condition: "mode" }); }
  @step processItems() { this.next(this.doWork, { foreach: "itemsToProcess" }); }
  @step doWork() { this.out = String(this.input); this.next(this.joinWork); }
  @step joinWork(inputs: Inputs<ForeachInSwitch>) { this.out = [...inputs].map((i) => i.out).join("+"); this.next(this.end); }
  @step skipProcessing() { this.out = "skipped"; this.next(this.end); }
  @step end() { console.log("END", this.out); }
}`,
  );
  assert.equal(foreach.result.code, 0, foreach.result.stderr);
  assert.match(foreach.result.stdout, /END skipped/);
  assert.deepEqual(await taskIds("ForeachInSwitch/1"), { start: ["0"], skipProcessing: ["0"], end: ["0"] });
});

const RECURSIVE = `export default class RecursiveSwitch extends FlowSpec {
  count!: number;
  maxIterations!: number;
  loopStatus!: string;
  @step start() { this.count = 0; this.maxIterations = 10; this.next(this.loopStep); }
  @step loopStep() {
    this.count += 1;
    if (current.origin === undefined && this.count === 6 && process.env.FAIL_AT_SIX) throw new Error("iteration six");
    this.loopStatus = this.count < this.maxIterations ? "continue" : "exit";
    this.next({ continue: this.loopStep, exit: this.exitLoop }, { condition: "loopStatus" });
  }
  @step exitLoop() { this.next(this.end); }
  @step end() { console.log("END", this.count); }
}`;

test("recursive_switch: a step that loops on itself runs once per iteration, each task's id carrying its iteration", async () => {
  const { file, dir, result } = await runFlow("RecursiveSwitch", RECURSIVE);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /END 10/);
  const ids = await taskIds("RecursiveSwitch/1");
  assert.deepEqual(ids.loopStep, ["i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8", "i9"]);
  assert.equal(await (await Task.get("RecursiveSwitch/1/loopStep/i3")).data("count"), 4);
  assert.deepEqual(await lineage("RecursiveSwitch/1/loopStep/i0"), { parents: ["start/0"], children: ["loopStep/i1"] });
  assert.deepEqual(await lineage("RecursiveSwitch/1/loopStep/i9"), { parents: ["loopStep/i8"], children: ["exitLoop/0"] });
  assert.deepEqual(await lineage("RecursiveSwitch/1/exitLoop/0"), { parents: ["loopStep/i9"], children: ["end/0"] });
  const show = await runWeft(["show", file], { cwd: dir });
  assert.match(show.stdout, /step loopStep {2}— switch on "loopStatus" {2}↻ first step of a loop/);
  assert.match(show.stdout, /→ "continue": loopStep ↻\n {4}→ "exit": exitLoop/);
});

test("resume of a loop clones the iterations before the one that failed and runs the rest", async () => {
  const dir = tempProject("weft-switch-");
  const file = writeFlow(dir, "recursive.ts", `import { FlowSpec, step, current } from "weft";\n${RECURSIVE}`);
  const failed = await runWeft(["run", file], { cwd: dir, env: { FAIL_AT_SIX: "1" } });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr + failed.stdout, /RecursiveSwitch\/1\/loopStep\/i5/);
  const resumed = await runWeft(["resume", file], { cwd: dir, env: { FAIL_AT_SIX: "1" } });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /END 10/);
  useConfig(resolveConfig({ env: { WEFT_HOME: join(dir, ".weft"), USER: "tester" }, cwd: dir, userHome: dir }));
  const tasks = await (await Run.get("RecursiveSwitch/2")).step("loopStep").tasks().toArray();
  const origins = Object.fromEntries(tasks.map((t) => [t.id, t.origin ?? null]));
  for (const i of [0, 1, 2, 3, 4]) assert.equal(origins[`i${i}`], `RecursiveSwitch/1/loopStep/i${i}`);
  for (const i of [5, 6, 7, 8, 9]) assert.equal(origins[`i${i}`], null, `iteration ${i} ran again`);
});

test("recursive_switch_inside_foreach: every item loops its own number of times, its iterations told apart by id", async () => {
  const { result } = await runFlow(
    "RecursiveInForeach",
    `export default class RecursiveInForeach extends FlowSpec {
  items!: { id: string; iterations: number }[];
  itemId!: string;
  maxLoops!: number;
  itemLoopCount!: number;
  shouldContinue!: boolean;
  result!: string;
  results!: string[];
  @step start() { this.items = [{ id: "A", iterations: 3 }, { id: "B", iterations: 5 }, { id: "C", iterations: 2 }]; this.next(this.startLoopForItem, { foreach: "items" }); }
  @step startLoopForItem() {
    const item = this.input as { id: string; iterations: number };
    this.itemId = item.id;
    this.maxLoops = item.iterations;
    this.itemLoopCount = 0;
    this.next(this.loopBody);
  }
  @step loopBody() {
    this.itemLoopCount += 1;
    this.shouldContinue = this.itemLoopCount < this.maxLoops;
    this.next({ true: this.loopBody, false: this.exitItemLoop }, { condition: "shouldContinue" });
  }
  @step exitItemLoop() { this.result = "Item " + this.itemId + " finished after " + this.itemLoopCount + " iterations."; this.next(this.join); }
  @step join(inputs: Inputs<RecursiveInForeach>) { this.results = [...inputs].map((i) => i.result).sort(); this.next(this.end); }
  @step end() { console.log("END", JSON.stringify(this.results)); }
}`,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /END \["Item A finished after 3 iterations.","Item B finished after 5 iterations.","Item C finished after 2 iterations."\]/);
  const ids = await taskIds("RecursiveInForeach/1");
  assert.deepEqual(ids.loopBody, ["0-i0", "0-i1", "0-i2", "1-i0", "1-i1", "1-i2", "1-i3", "1-i4", "2-i0", "2-i1"]);
  assert.deepEqual(ids.exitItemLoop, ["0", "1", "2"]);
  assert.deepEqual(await lineage("RecursiveInForeach/1/exitItemLoop/1"), { parents: ["loopBody/1-i4"], children: ["join/0"] });
  assert.deepEqual(await lineage("RecursiveInForeach/1/loopBody/2-i0"), { parents: ["startLoopForItem/2"], children: ["loopBody/2-i1"] });
});

test("a condition whose value names no case fails the task, naming the condition, its value and the cases", async () => {
  const { result } = await runFlow(
    "BadCase",
    `export default class BadCase extends FlowSpec {
  mode = "medium";
  @step start() { this.next({ fast: this.a, slow: this.b }, { condition: "mode" }); }
  @step a() { this.next(this.end); }
  @step b() { this.next(this.end); }
  @step end() {}
}`,
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr + result.stdout, /Step "start" switches on this\.mode = "medium", which names no case; the cases are "fast", "slow"\./);
});

test("@project: current and the client give the project, the branch and the project flow name of a run", async () => {
  const source = `import { project } from "weft";
@project({ name: "fraud_model" })
export default class ProjectFlow extends FlowSpec {
  @step start() { console.log("PROJECT", current.projectName, current.branchName, current.projectFlowName, current.systemTags.filter((t) => t.startsWith("project")).join(",")); this.next(this.end); }
  @step end() {}
}`;
  const mine = await runFlow("ProjectFlow", source);
  assert.equal(mine.result.code, 0, mine.result.stderr);
  assert.match(mine.result.stdout, /PROJECT fraud_model user\.tester fraud_model\.user\.tester\.ProjectFlow project:fraud_model,project_branch:user\.tester/);
  const test1 = await runWeft(["run", mine.file, "--branch", "canary"], { cwd: mine.dir });
  assert.match(test1.stdout, /PROJECT fraud_model test\.canary fraud_model\.test\.canary\.ProjectFlow/);
  const prod = await runWeft(["run", mine.file, "--production"], { cwd: mine.dir });
  assert.match(prod.stdout, /PROJECT fraud_model prod fraud_model\.prod\.ProjectFlow/);
  assert.deepEqual((await Run.get("ProjectFlow/2")).project, { name: "fraud_model", branch: "test.canary", flowName: "fraud_model.test.canary.ProjectFlow" });
  assert.equal((await Run.get("ProjectFlow/3")).project?.branch, "prod");

  const plain = await runFlow("PlainFlow", `export default class PlainFlow extends FlowSpec {
  @step start() { console.log("PROJECT", String(current.projectName)); this.next(this.end); }
  @step end() {}
}`, ["--branch", "canary"]);
  assert.equal(plain.result.code, 2);
  assert.match(plain.result.stderr, /--branch needs a flow with @project, and PlainFlow has none/);
});
