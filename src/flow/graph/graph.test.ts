import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildGraph, findCycle, matchSplitsAndJoins, unreachableSteps, type FlowGraph } from "./graph.ts";
import { parseFlowSource } from "./parse.ts";

/** The graph of a flow class `F` whose body is `steps` (one step per line). */
const graphOf = (...steps: string[]): FlowGraph =>
  buildGraph(parseFlowSource(["export default class F extends FlowSpec {", ...steps, "}"].join("\n"), "flows/f.ts"));

const NESTED = [
  "  @step start() { this.xs = [1, 2]; this.next(this.outer, { foreach: 'xs' }); }",
  "  @step outer() { this.ys = [3]; this.next(this.inner, { foreach: 'ys' }); }",
  "  @step inner() { this.next(this.innerJoin); }",
  "  @step innerJoin(inputs: Inputs<F>) { this.next(this.outerJoin); }",
  "  @step outerJoin(inputs: Inputs<F>) { this.next(this.fan); }",
  "  @step fan() { this.next(this.b, this.a); }",
  "  @step a() { this.next(this.meet); }",
  "  @step b() { this.next(this.meet); }",
  "  @step meet(inputs: Inputs<F>) { this.next(this.end); }",
  "  @step end() {}",
];

const joinsOf = (graph: FlowGraph) =>
  Object.fromEntries(Object.values(graph.nodes).filter((n) => n.joins).map((n) => [n.name, n.joins]));

describe("buildGraph", () => {
  test("buildGraph records steps in source order with their edges, splits and joins", () => {
    const graph = graphOf(...NESTED);
    assert.equal(graph.flowName, "F");
    assert.equal(graph.file, "flows/f.ts");
    assert.deepEqual(graph.steps, ["start", "outer", "inner", "innerJoin", "outerJoin", "fan", "a", "b", "meet", "end"]);
    const { start, fan, meet, end } = graph.nodes;
    assert.deepEqual(
      { split: start!.split, foreach: start!.foreach, next: start!.next, line: start!.line, isJoin: start!.isJoin },
      { split: "foreach", foreach: "xs", next: ["outer"], line: 2, isJoin: false },
    );
    assert.deepEqual({ split: fan!.split, foreach: fan!.foreach, next: fan!.next }, { split: "static", foreach: undefined, next: ["b", "a"] });
    assert.deepEqual({ isJoin: meet!.isJoin, split: meet!.split, prev: meet!.prev }, { isJoin: true, split: undefined, prev: ["a", "b"] });
    assert.deepEqual({ next: end!.next, prev: end!.prev }, { next: [], prev: ["meet"] });
  });

  test("buildGraph leaves out edges to unknown steps and the edges of a step with two transitions", () => {
    const graph = graphOf(
      "  @step start() { this.next(this.a, this.ghost); }",
      "  @step a() { this.next(this.end); this.next(this.end); }",
      "  @step end() {}",
    );
    assert.deepEqual(graph.nodes.start!.next, ["a"]);
    assert.equal(graph.nodes.start!.split, "static");
    assert.deepEqual(graph.nodes.a!.next, []);
    assert.deepEqual(graph.nodes.end!.prev, []);
    assert.equal(graph.nodes.ghost, undefined);
  });

  test("buildGraph records a step reached twice from the same split once in prev", () => {
    const graph = graphOf("  @step start() { this.next(this.a, this.a); }", "  @step a(inputs: Inputs<F>) { this.next(this.end); }", "  @step end() {}");
    assert.deepEqual(graph.nodes.start!.next, ["a", "a"]);
    assert.deepEqual(graph.nodes.a!.prev, ["start"]);
  });
});

describe("matchSplitsAndJoins", () => {
  test("matchSplitsAndJoins records which split each nested foreach and static join closes", () => {
    const graph = graphOf(...NESTED);
    assert.equal(matchSplitsAndJoins(graph), undefined);
    assert.deepEqual(joinsOf(graph), {
      innerJoin: { split: "outer", kind: "foreach" },
      outerJoin: { split: "start", kind: "foreach" },
      meet: { split: "fan", kind: "static" },
    });
  });

  test("matchSplitsAndJoins orders a static join's prev by the order of the branches", () => {
    const graph = graphOf(...NESTED);
    assert.deepEqual(graph.nodes.meet!.prev, ["a", "b"]);
    matchSplitsAndJoins(graph);
    assert.deepEqual(graph.nodes.meet!.prev, ["b", "a"]);
  });

  test("matchSplitsAndJoins orders prev by branch when a branch holds its own split and join", () => {
    const graph = graphOf(
      "  @step start() { this.next(this.c, this.a, this.b); }",
      "  @step a() { this.next(this.a1, this.a2); }",
      "  @step a1() { this.next(this.aj); }",
      "  @step a2() { this.next(this.aj); }",
      "  @step aj(inputs: Inputs<F>) { this.next(this.meet); }",
      "  @step b() { this.next(this.meet); }",
      "  @step c() { this.next(this.meet); }",
      "  @step meet(inputs: Inputs<F>) { this.next(this.end); }",
      "  @step end() {}",
    );
    assert.equal(matchSplitsAndJoins(graph), undefined);
    assert.deepEqual(graph.nodes.meet!.prev, ["c", "aj", "b"]);
    assert.deepEqual(graph.nodes.aj!.prev, ["a1", "a2"]);
    assert.deepEqual(joinsOf(graph), { aj: { split: "a", kind: "static" }, meet: { split: "start", kind: "static" } });
  });

  test("matchSplitsAndJoins matches a static join nested inside a foreach", () => {
    const graph = graphOf(
      "  @step start() { this.xs = [1]; this.next(this.each, { foreach: 'xs' }); }",
      "  @step each() { this.next(this.y, this.x); }",
      "  @step x() { this.next(this.pair); }",
      "  @step y() { this.next(this.pair); }",
      "  @step pair(inputs: Inputs<F>) { this.next(this.all); }",
      "  @step all(inputs: Inputs<F>) { this.next(this.end); }",
      "  @step end() {}",
    );
    assert.equal(matchSplitsAndJoins(graph), undefined);
    assert.deepEqual(joinsOf(graph), { pair: { split: "each", kind: "static" }, all: { split: "start", kind: "foreach" } });
    assert.deepEqual(graph.nodes.pair!.prev, ["y", "x"]);
  });

  test("matchSplitsAndJoins reports a foreach that reaches end unjoined", () => {
    const graph = graphOf("  @step start() { this.xs = [1]; this.next(this.a, { foreach: 'xs' }); }", "  @step a() { this.next(this.end); }", "  @step end() {}");
    assert.deepEqual(matchSplitsAndJoins(graph), { step: "end", kind: "unjoined-at-end", detail: "start" });
  });

  test("matchSplitsAndJoins reports a join with no split before it", () => {
    const graph = graphOf("  @step start() { this.next(this.j); }", "  @step j(inputs: Inputs<F>) { this.next(this.end); }", "  @step end() {}");
    assert.deepEqual(matchSplitsAndJoins(graph), { step: "j", kind: "no-split", detail: "start" });
  });

  test("matchSplitsAndJoins reports a join that closes only some branches of its split", () => {
    const graph = graphOf(
      "  @step start() { this.next(this.a, this.b, this.c); }",
      "  @step a() { this.next(this.j); }",
      "  @step b() { this.next(this.j); }",
      "  @step c() { this.next(this.k); }",
      "  @step j(inputs: Inputs<F>) { this.next(this.k); }",
      "  @step k(inputs: Inputs<F>) { this.next(this.end); }",
      "  @step end() {}",
    );
    assert.deepEqual(matchSplitsAndJoins(graph), { step: "j", kind: "wrong-arity", detail: "a, b|start|a, b, c" });
  });

  test("matchSplitsAndJoins reports a join fed by branches of two unrelated splits", () => {
    const graph = graphOf(
      "  @step start() { this.next(this.a, this.b); }",
      "  @step a() { this.next(this.c, this.d); }",
      "  @step b() { this.next(this.e, this.f); }",
      "  @step c() { this.next(this.j1); }",
      "  @step e() { this.next(this.j1); }",
      "  @step d() { this.next(this.j2); }",
      "  @step f() { this.next(this.j2); }",
      "  @step j1(inputs: Inputs<F>) { this.next(this.j3); }",
      "  @step j2(inputs: Inputs<F>) { this.next(this.j3); }",
      "  @step j3(inputs: Inputs<F>) { this.next(this.end); }",
      "  @step end() {}",
    );
    assert.deepEqual(matchSplitsAndJoins(graph), { step: "j1", kind: "cross-join", detail: "c, e" });
  });
});

describe("findCycle", () => {
  test("findCycle returns the steps of a cycle with the first repeated at the end", () => {
    const graph = graphOf(
      "  @step start() { this.next(this.a); }",
      "  @step a() { this.next(this.b); }",
      "  @step b() { this.next(this.c); }",
      "  @step c() { this.next(this.a, this.end); }",
      "  @step end() {}",
    );
    assert.deepEqual(findCycle(graph), ["a", "b", "c", "a"]);
  });

  test("findCycle finds a step that transitions to itself", () => {
    const graph = graphOf("  @step start() { this.next(this.loop); }", "  @step loop() { this.next(this.loop, this.end); }", "  @step end() {}");
    assert.deepEqual(findCycle(graph), ["loop", "loop"]);
  });

  test("findCycle returns undefined for a DAG with a diamond", () => {
    assert.equal(findCycle(graphOf(...NESTED)), undefined);
  });
});

describe("unreachableSteps", () => {
  test("unreachableSteps lists steps not reachable from start in source order", () => {
    const graph = graphOf(
      "  @step start() { this.next(this.end); }",
      "  @step z() { this.next(this.y); }",
      "  @step y() { this.next(this.end); }",
      "  @step end() {}",
    );
    assert.deepEqual(unreachableSteps(graph), ["z", "y"]);
  });

  test("unreachableSteps lists every step when there is no start", () => {
    assert.deepEqual(unreachableSteps(graphOf("  @step begin() { this.next(this.end); }", "  @step end() {}")), ["begin", "end"]);
  });

  test("unreachableSteps returns nothing for a connected flow", () => {
    assert.deepEqual(unreachableSteps(graphOf(...NESTED)), []);
  });
});
