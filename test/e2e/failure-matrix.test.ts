// Metaflow's core suite runs each of its tests on each of its graphs. This is that table
// for failures: every shape of graph-shapes.test.ts and switch-shapes.test.ts (rows) ×
// catch, merge, timeout and segfault (columns). One run per shape exercises all four at
// once, in different steps: an exception caught by @catchError in one step, a segfault
// caught in another, a timeout caught in a third, and mergeArtifacts in every join. A
// second run per shape segfaults without @catchError: the run fails, and what the step
// printed before the crash is in `weft logs`.
//
// Crashes and timeouts go on steps whose transition does not depend on what the killed
// body would have set (a linear step, a static split, a foreach over a constant, a switch
// on an inherited value): the fallback attempt sees only inherited artifacts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Run, useConfig } from "../../src/client/index.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

interface Shape {
  /** The graph's name in Metaflow's core suite. */
  name: string;
  flow: string;
  /** The class; every step calls act(this) just before this.next (or last, in end). */
  source: string;
  catch: string;
  segfault: string;
  timeout: string;
  /** The joins, each of which merges its inputs: `shared` (set in start) must arrive. */
  joins: string[];
}

const SHAPES: Shape[] = [
  {
    name: "nested_foreach",
    flow: "NestedForeach",
    catch: "inner",
    segfault: "deeper",
    timeout: "end",
    joins: ["innerJoin", "outerJoin"],
    source: `export default class NestedForeach extends FlowSpec {
  shared!: string; groups!: string[]; letter!: string; numbers!: number[]; label!: string; labels!: string[]; all!: string[];
  @step start() { this.shared = "from start"; this.groups = ["a", "b"]; act(this); this.next(this.outer, { foreach: "groups" }); }
  @step outer() { this.letter = this.input as string; this.numbers = this.letter === "a" ? [1, 2, 3] : [4, 5]; act(this); this.next(this.inner, { foreach: "numbers" }); }
  @step inner() { this.label = this.letter + this.input; act(this); this.next(this.deeper); }
  @step deeper() { this.label = this.label + "+"; act(this); this.next(this.innerJoin); }
  @step innerJoin(inputs: Inputs<NestedForeach>) { this.labels = [...inputs].map((i) => i.label); this.mergeArtifacts(inputs, { exclude: ["label", "crash"] }); act(this); this.next(this.outerJoin); }
  @step outerJoin(inputs: Inputs<NestedForeach>) { this.all = [...inputs].flatMap((i) => i.labels); this.mergeArtifacts(inputs, { exclude: ["letter", "numbers", "labels"] }); act(this); this.next(this.end); }
  @step end() { act(this); }
}`,
  },
  {
    name: "branch",
    flow: "StaticBranch",
    catch: "a",
    segfault: "b",
    timeout: "end",
    joins: ["join"],
    source: `export default class StaticBranch extends FlowSpec {
  shared!: string; score!: number; picked!: string;
  @step start() { this.shared = "from start"; act(this); this.next(this.b, this.a); }
  @step a() { this.score = 1; act(this); this.next(this.join); }
  @step b() { this.score = 2; act(this); this.next(this.join); }
  @step join(inputs: Inputs<StaticBranch>) { this.picked = [...inputs].map((i) => i.score ?? "none").join(","); this.mergeArtifacts(inputs, { exclude: ["score"] }); act(this); this.next(this.end); }
  @step end() { act(this); }
}`,
  },
  {
    name: "switch_basic",
    flow: "SwitchBasic",
    catch: "b",
    segfault: "start",
    timeout: "end",
    joins: [],
    source: `export default class SwitchBasic extends FlowSpec {
  condition!: string; data!: string;
  @step start() { act(this); this.next(this.switchStep); }
  @step switchStep() { this.condition = "case2"; act(this); this.next({ case1: this.a, case2: this.b, case3: this.c }, { condition: "condition" }); }
  @step a() { this.data = "a"; act(this); this.next(this.end); }
  @step b() { this.data = "b"; act(this); this.next(this.end); }
  @step c() { this.data = "c"; act(this); this.next(this.end); }
  @step end() { act(this); }
}`,
  },
  {
    name: "switch_nested",
    flow: "SwitchNested",
    catch: "switch2",
    segfault: "start",
    timeout: "d",
    joins: [],
    source: `export default class SwitchNested extends FlowSpec {
  condition1 = "case1"; condition2!: string; path!: string;
  @step start() { act(this); this.next({ case1: this.switch2, case2: this.b }, { condition: "condition1" }); }
  @step switch2() { this.condition2 = "case2_2"; act(this); this.next({ case2_1: this.c, case2_2: this.d }, { condition: "condition2" }); }
  @step b() { this.path = "b"; act(this); this.next(this.end); }
  @step c() { this.path = "c"; act(this); this.next(this.end); }
  @step d() { this.path = "d"; act(this); this.next(this.end); }
  @step end() { act(this); }
}`,
  },
  {
    name: "switch_in_branch",
    flow: "SwitchInBranch",
    catch: "a",
    segfault: "c",
    timeout: "b",
    joins: ["join"],
    source: `export default class SwitchInBranch extends FlowSpec {
  shared!: string; condition!: string; data!: string; finalData!: string[];
  @step start() { this.shared = "from start"; this.condition = "case1"; act(this); this.next(this.a, this.b); }
  @step a() { act(this); this.next({ case1: this.c, case2: this.d }, { condition: "condition" }); }
  @step b() { this.data = "from_b"; act(this); this.next(this.join); }
  @step c() { this.data = "from_a_c"; act(this); this.next(this.join); }
  @step d() { this.data = "from_a_d"; act(this); this.next(this.join); }
  @step join(inputs: Inputs<SwitchInBranch>) { this.finalData = [...inputs].map((i) => i.data ?? "none"); this.mergeArtifacts(inputs, { exclude: ["data"] }); act(this); this.next(this.end); }
  @step end() { act(this); }
}`,
  },
  {
    name: "switch_in_foreach",
    flow: "SwitchInForeach",
    catch: "processItem",
    segfault: "handleB",
    timeout: "handleA",
    joins: ["join"],
    source: `export default class SwitchInForeach extends FlowSpec {
  shared!: string; items!: string[]; itemType!: string; handled!: string; results!: string[];
  @step start() { this.shared = "from start"; this.items = ["type_a", "type_b", "type_a"]; act(this); this.next(this.processItem, { foreach: "items" }); }
  @step processItem() { this.itemType = this.input as string; act(this); this.next({ type_a: this.handleA, type_b: this.handleB }, { condition: "itemType" }); }
  @step handleA() { this.handled = "A" + this.index; act(this); this.next(this.join); }
  @step handleB() { this.handled = "B" + this.index; act(this); this.next(this.join); }
  @step join(inputs: Inputs<SwitchInForeach>) { this.results = [...inputs].map((i) => i.handled ?? "none"); this.mergeArtifacts(inputs, { exclude: ["itemType", "handled", "late"] }); act(this); this.next(this.end); }
  @step end() { act(this); }
}`,
  },
  {
    name: "branch_in_switch",
    flow: "BranchInSwitch",
    catch: "p1",
    segfault: "p2",
    timeout: "processBranch",
    joins: ["processJoin"],
    source: `export default class BranchInSwitch extends FlowSpec {
  mode = "process"; shared!: string; out!: string;
  @step start() { this.shared = "from start"; act(this); this.next({ process: this.processBranch, skip: this.skipPath }, { condition: "mode" }); }
  @step processBranch() { act(this); this.next(this.p1, this.p2); }
  @step p1() { this.out = "p1"; act(this); this.next(this.processJoin); }
  @step p2() { this.out = "p2"; act(this); this.next(this.processJoin); }
  @step processJoin(inputs: Inputs<BranchInSwitch>) { this.out = [...inputs].map((i) => i.out ?? "none").join("+"); this.mergeArtifacts(inputs); act(this); this.next(this.end); }
  @step skipPath() { this.out = "skipped"; act(this); this.next(this.end); }
  @step end() { act(this); }
}`,
  },
  {
    name: "foreach_in_switch",
    flow: "ForeachInSwitch",
    catch: "doWork",
    segfault: "processItems",
    timeout: "end",
    joins: ["joinWork"],
    source: `export default class ForeachInSwitch extends FlowSpec {
  mode = "process"; itemsToProcess = ["item_1", "item_2"]; shared!: string; out!: string;
  @step start() { this.shared = "from start"; act(this); this.next({ process: this.processItems, skip: this.skipProcessing }, { condition: "mode" }); }
  @step processItems() { act(this); this.next(this.doWork, { foreach: "itemsToProcess" }); }
  @step doWork() { this.out = String(this.input); act(this); this.next(this.joinWork); }
  @step joinWork(inputs: Inputs<ForeachInSwitch>) { this.out = [...inputs].map((i) => i.out).join("+"); this.mergeArtifacts(inputs); act(this); this.next(this.end); }
  @step skipProcessing() { this.out = "skipped"; act(this); this.next(this.end); }
  @step end() { act(this); }
}`,
  },
  {
    name: "recursive_switch",
    flow: "RecursiveSwitch",
    catch: "loopStep",
    segfault: "exitLoop",
    timeout: "end",
    joins: [],
    source: `export default class RecursiveSwitch extends FlowSpec {
  count!: number; loopStatus!: string;
  @step start() { this.count = 0; act(this); this.next(this.loopStep); }
  @step loopStep() { this.count += 1; this.loopStatus = this.count < 3 ? "continue" : "exit"; act(this); this.next({ continue: this.loopStep, exit: this.exitLoop }, { condition: "loopStatus" }); }
  @step exitLoop() { act(this); this.next(this.end); }
  @step end() { act(this); }
}`,
  },
  {
    name: "recursive_switch_inside_foreach",
    flow: "RecursiveInForeach",
    catch: "loopBody",
    segfault: "exitItemLoop",
    timeout: "end",
    joins: ["join"],
    source: `export default class RecursiveInForeach extends FlowSpec {
  shared!: string; items!: number[]; maxLoops!: number; itemLoopCount!: number; shouldContinue!: boolean; results!: number[];
  @step start() { this.shared = "from start"; this.items = [2, 1]; act(this); this.next(this.startLoopForItem, { foreach: "items" }); }
  @step startLoopForItem() { this.maxLoops = this.input as number; this.itemLoopCount = 0; act(this); this.next(this.loopBody); }
  @step loopBody() { this.itemLoopCount += 1; this.shouldContinue = this.itemLoopCount < this.maxLoops; act(this); this.next({ true: this.loopBody, false: this.exitItemLoop }, { condition: "shouldContinue" }); }
  @step exitItemLoop() { act(this); this.next(this.join); }
  @step join(inputs: Inputs<RecursiveInForeach>) { this.results = [...inputs].map((i) => i.itemLoopCount); this.mergeArtifacts(inputs, { exclude: ["maxLoops", "itemLoopCount", "shouldContinue", "crash"] }); act(this); this.next(this.end); }
  @step end() { act(this); }
}`,
  },
];

type Role = "catch" | "segfault" | "timeout";

/** What a step does when it has a role: throw after setting `kept`, die by SIGSEGV, or hang past its timeout. */
const ACT = `function act(flow: any): void {
  const role = ROLES[current.stepName];
  if (role === "catch") { flow.kept = "kept by " + current.stepName; throw new Error("thrown in " + current.stepName); }
  if (role === "segfault") { console.log("about to segfault in " + current.stepName); process.kill(process.pid, "SIGSEGV"); }
  if (role === "timeout") Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
}`;

const DECORATORS: Record<Role, string> = {
  catch: '@catchError({ var: "failure", printException: false })',
  segfault: '@catchError({ var: "crash", printException: false })',
  timeout: '@catchError({ var: "late", printException: false }) @timeout({ seconds: 1 })',
};

/** The shape's flow with the given roles, each with its @catchError when `caught`. */
function flowSource(shape: Shape, roles: Partial<Record<Role, string>>, caught: boolean): string {
  const byStep = Object.fromEntries(Object.entries(roles).map(([role, step]) => [step, role]));
  let source = shape.source;
  if (caught) {
    for (const [role, step] of Object.entries(roles)) source = source.replace(new RegExp(`@step ${step}\\(`), `${DECORATORS[role as Role]} @step ${step}(`);
  }
  return `import { FlowSpec, step, current, catchError, timeout, type Inputs } from "weft";
const ROLES: Record<string, string> = ${JSON.stringify(byStep)};
${ACT}
${source}
`;
}

let clientTurn: Promise<unknown> = Promise.resolve();

/** The client reads one process-wide configuration: shapes that run side by side take turns to point it at their folder. */
function withClient<T>(dir: string, read: () => Promise<T>): Promise<T> {
  const turn = clientTurn.then(() => {
    useConfig(resolveConfig({ env: { WEFT_HOME: join(dir, ".weft"), USER: "tester" }, cwd: dir, userHome: dir }));
    return read();
  });
  clientTurn = turn.catch(() => undefined);
  return turn;
}

async function tasksOf(run: Run, step: string) {
  const tasks = await run.step(step).tasks().toArray();
  assert.ok(tasks.length > 0, `step ${step} ran`);
  return tasks;
}

describe("catch, merge, timeout and segfault on every shape", { concurrency: 2 }, () => {
  for (const shape of SHAPES) {
    test(`${shape.name}: caught exception in ${shape.catch}, caught segfault in ${shape.segfault}, caught timeout in ${shape.timeout}, merge in ${shape.joins.join(" and ") || "(no join)"}; an uncaught segfault fails the run and keeps its output`, async () => {
      const dir = tempProject(`weft-matrix-${shape.name}-`);
      const roles = { catch: shape.catch, segfault: shape.segfault, timeout: shape.timeout };
      const caught = await runWeft(["run", writeFlow(dir, "caught.ts", flowSource(shape, roles, true))], { cwd: dir, timeoutMs: 120_000 });
      assert.equal(caught.code, 0, caught.stderr);
      await withClient(dir, async () => {
        const run = await Run.get(`${shape.flow}/1`);
        assert.equal(run.status, "succeeded");
        for (const task of await tasksOf(run, shape.catch)) {
          const failure = (await task.data("failure")) as { type: string; message: string };
          assert.deepEqual([failure.type, failure.message, await task.data("kept")], ["Error", `thrown in ${shape.catch}`, `kept by ${shape.catch}`], task.pathspec);
        }
        for (const task of await tasksOf(run, shape.segfault)) {
          const crash = (await task.data("crash")) as { type: string; message: string };
          assert.equal(crash.type, "Killed", task.pathspec);
          assert.match(crash.message, /killed by SIGSEGV/);
        }
        for (const task of await tasksOf(run, shape.timeout)) assert.equal(((await task.data("late")) as { type: string }).type, "Timeout", task.pathspec);
        for (const joinStep of shape.joins) {
          for (const task of await tasksOf(run, joinStep)) assert.equal(await task.data("shared"), "from start", `${task.pathspec} merged its inputs`);
        }
      });

      const uncaught = await runWeft(["run", writeFlow(dir, "uncaught.ts", flowSource(shape, { segfault: shape.segfault }, false))], { cwd: dir, timeoutMs: 120_000 });
      assert.equal(uncaught.code, 1);
      assert.match(uncaught.stderr + uncaught.stdout, /killed by SIGSEGV/);
      const logs = await runWeft(["logs", `${shape.flow}/2/${shape.segfault}`], { cwd: dir });
      assert.equal(logs.code, 0, logs.stderr);
      assert.match(logs.stdout, new RegExp(`about to segfault in ${shape.segfault}`));
    });
  }
});
