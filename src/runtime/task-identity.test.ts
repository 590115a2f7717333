import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { lintFlow } from "../flow/graph/lint.ts";
import { parseFlowSource } from "../flow/graph/parse.ts";
import { childPosition, parentsOf, positionOf, positionsOf, taskIdOf, type RunTasks } from "./task-identity.ts";

const positionsFor = (...body: string[]) => {
  const { graph, issues } = lintFlow(parseFlowSource(["export default class F extends FlowSpec {", "  more = true;", "  xs = [1];", ...body, "}"].join("\n"), "f.ts"));
  assert.deepEqual(issues, []);
  return positionsOf(graph);
};

// A loop inside a foreach: start -(foreach)-> prep -> body ↻ -> done -> join -> end.
const LOOP_IN_FOREACH = positionsFor(
  '  @step start() { this.next(this.prep, { foreach: "xs" }); }',
  "  @step prep() { this.next(this.body); }",
  '  @step body() { this.next({ again: this.body, out: this.done }, { condition: "more" }); }',
  "  @step done() { this.next(this.join); }",
  "  @step join(inputs: Inputs<F>) { this.next(this.end); }",
  "  @step end() {}",
);

/** A run's finished tasks, each with the steps it went to. */
function runOf(done: Record<string, { next: string[]; numSplits?: number }>): RunTasks & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    done: async (step, task) => {
      reads.push(`${step}/${task}`);
      return done[`${step}/${task}`];
    },
    list: async (step) => Object.keys(done).filter((k) => k.startsWith(`${step}/`)).map((k) => k.slice(step.length + 1)),
  };
}

describe("task identity with loops", () => {
  test("a loop's iteration is written i<n> in the task id, after the foreach item it is inside", () => {
    const { frames } = LOOP_IN_FOREACH;
    assert.equal(taskIdOf([3, 2], frames.body), "3-i2");
    assert.deepEqual(positionOf("3-i2", "body", frames.body!), [3, 2]);
    assert.equal(taskIdOf([3], frames.done), "3");
    assert.throws(() => positionOf("3-2", "body", frames.body!), /task id "3-2" does not fit step "body", which is inside the foreach of start, then the loop at body: its task ids are like "2-i3"/);
  });

  test("the next task is the next iteration on a back edge, the first on entering, and drops the iteration on leaving", () => {
    const p = LOOP_IN_FOREACH;
    assert.deepEqual(childPosition(p, "start", [], "prep", 4), [4]);
    assert.deepEqual(childPosition(p, "prep", [4], "body"), [4, 0]);
    assert.deepEqual(childPosition(p, "body", [4, 0], "body"), [4, 1]);
    assert.deepEqual(childPosition(p, "body", [4, 1], "done"), [4]);
    assert.deepEqual(childPosition(p, "done", [4], "join"), []);
  });

  test("a loop's first iteration starts from the step before the loop, a later one from the iteration before, with nothing read", async () => {
    const run = runOf({});
    assert.deepEqual(await parentsOf(LOOP_IN_FOREACH, "body", [4, 0], run), [{ step: "prep", task: "4" }]);
    assert.deepEqual(await parentsOf(LOOP_IN_FOREACH, "body", [4, 3], run), [{ step: "body", task: "4-i2" }]);
    assert.deepEqual(run.reads, []);
  });

  test("the step after a loop starts from its last iteration, found among the tasks of its own foreach item", async () => {
    const run = runOf({ "body/4-i0": { next: ["body"] }, "body/4-i1": { next: ["done"] }, "body/5-i0": { next: ["body"] }, "body/5-i1": { next: ["body"] }, "body/5-i2": { next: ["done"] } });
    assert.deepEqual(await parentsOf(LOOP_IN_FOREACH, "done", [4], run), [{ step: "body", task: "4-i1" }]);
    assert.deepEqual(await parentsOf(LOOP_IN_FOREACH, "done", [5], run), [{ step: "body", task: "5-i2" }]);
  });

  test("after a switch, the parent is the case that finished and went to the step; none found is an error naming the candidates", async () => {
    const p = positionsFor(
      '  @step start() { this.next({ a: this.a, b: this.b }, { condition: "more" }); }',
      "  @step a() { this.next(this.end); }",
      "  @step b() { this.next(this.end); }",
      "  @step end() {}",
    );
    assert.deepEqual(await parentsOf(p, "end", [], runOf({ "b/0": { next: ["end"] } })), [{ step: "b", task: "0" }]);
    await assert.rejects(parentsOf(p, "end", [], runOf({})), /no finished task of a\/0, b\/0 went to end; exactly one should have/);
  });
});
