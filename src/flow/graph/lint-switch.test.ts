import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { formatIssues, lintFlow, type LintIssue } from "./lint.ts";
import { findLoops } from "./loops.ts";
import { parseFlowSource } from "./parse.ts";

/** Lints a flow class body written as source lines; line 1 is the class line. */
const lint = (...body: string[]) => lintFlow(parseFlowSource(["export default class F extends FlowSpec {", ...body, "}"].join("\n"), "flow.ts"));

function only(linted: { issues: LintIssue[] }, phrase: string): LintIssue {
  const { issues } = linted;
  assert.equal(issues.length, 1, formatIssues("flow.ts", issues));
  assert.ok(issues[0]!.message.includes(phrase), formatIssues("flow.ts", issues));
  return issues[0]!;
}

describe("lint: switch transitions", () => {
  test("a switch records its condition and cases, and its cases meet at an ordinary step", () => {
    const { graph, issues } = lint(
      "  mode = 'fast';",
      '  @step start() { this.next({ fast: this.a, "very slow": this.b, 3: this.c }, { condition: "mode" }); }',
      "  @step a() { this.next(this.end); }",
      "  @step b() { this.next(this.end); }",
      "  @step c() { this.next(this.end); }",
      "  @step end() {}",
    );
    assert.deepEqual(issues, []);
    assert.deepEqual(graph.nodes.start!.switch, { condition: "mode", cases: { fast: "a", "very slow": "b", 3: "c" } });
    assert.deepEqual(graph.nodes.start!.next, ["a", "b", "c"]);
    assert.equal(graph.nodes.start!.split, undefined);
    assert.deepEqual(graph.nodes.end!.prev, ["a", "b", "c"]);
  });

  test("lint reports a switch with one case, naming the step and the line", () => {
    const i = only(lint("  m = 'x';", '  @step start() { this.next({ only: this.end }, { condition: "m" }); }', "  @step end() {}"), "chooses between 1 step");
    assert.deepEqual([i.step, i.line], ["start", 3]);
    assert.match(i.hint, /at least two cases/);
  });

  test("lint reports a case key that is not a literal", () => {
    const i = only(lint("  m = 'x';", "  k = 'a';", '  @step start() { this.next({ [this.k]: this.a, b: this.end }, { condition: "m" }); }', "  @step a() { this.next(this.end); }", "  @step end() {}"), "not a literal");
    assert.equal(i.step, "start");
  });

  test("lint reports a switch without a condition, and one whose condition is no field", () => {
    const missing = only(lint('  @step start() { this.next({ a: this.a, b: this.end }, {}); }', "  @step a() { this.next(this.end); }", "  @step end() {}"), "names no condition");
    assert.match(missing.hint, /condition: "mode"/);
    const unknown = only(lint('  @step start() { this.next({ a: this.a, b: this.end }, { condition: "nope" }); }', "  @step a() { this.next(this.end); }", "  @step end() {}"), 'condition "nope", which is not a field of F');
    assert.match(unknown.hint, /this\.nope/);
  });

  test("lint reports a switch combined with a foreach", () => {
    only(lint("  m = 'x';", "  xs = [1];", '  @step start() { this.next({ a: this.a, b: this.end }, { condition: "m", foreach: "xs" }); }', "  @step a() { this.next(this.end); }", "  @step end() {}"), "combines a switch with a foreach");
  });

  test("lint reports a condition given to a transition without cases", () => {
    only(lint("  m = 'x';", '  @step start() { this.next(this.end, { condition: "m" }); }', "  @step end() {}"), "has a condition but no cases");
  });

  test("lint reports a case that goes straight into a join, with the step between as the fix", () => {
    const i = only(
      lint(
        "  m = 'x';",
        "  @step start() { this.next(this.a, this.b); }",
        '  @step a() { this.next({ x: this.j, y: this.c }, { condition: "m" }); }',
        "  @step b() { this.next(this.j); }",
        "  @step c() { this.next(this.j); }",
        "  @step j(inputs: Inputs<F>) { this.next(this.end); }",
        "  @step end() {}",
      ),
      'goes straight into join "j"',
    );
    assert.deepEqual([i.step, i.line], ["a", 4]);
  });

  test("a switch inside a branch: the join waits for one task per branch, the switch's cases sharing one", () => {
    const { graph, issues } = lint(
      "  m = 'x';",
      "  @step start() { this.next(this.a, this.b); }",
      '  @step a() { this.next({ one: this.c, two: this.d }, { condition: "m" }); }',
      "  @step b() { this.next(this.j); }",
      "  @step c() { this.next(this.j); }",
      "  @step d() { this.next(this.j); }",
      "  @step j(inputs: Inputs<F>) { this.next(this.end); }",
      "  @step end() {}",
    );
    assert.deepEqual(issues, []);
    assert.deepEqual(graph.nodes.j!.joins, { split: "start", kind: "static", inputBranch: { b: "b", c: "a", d: "a" } });
    assert.deepEqual(graph.nodes.j!.prev, ["c", "d", "b"]);
  });

  test("lint still reports branches of a static split that meet at an ordinary step", () => {
    const i = only(lint("  @step start() { this.next(this.a, this.b); }", "  @step a() { this.next(this.m); }", "  @step b() { this.next(this.m); }", "  @step m() { this.next(this.end); }", "  @step end() {}"), "takes no inputs");
    assert.match(i.hint, /Only the cases of a switch/);
  });
});

describe("lint: loops", () => {
  const recursive = [
    "  more = true;",
    "  @step start() { this.next(this.loop); }",
    '  @step loop() { this.next({ again: this.loop, done: this.after }, { condition: "more" }); }',
    "  @step after() { this.next(this.end); }",
    "  @step end() {}",
  ];

  test("a switch case back to its own step is a loop whose header is that step", () => {
    const { graph, issues } = lint(...recursive);
    assert.deepEqual(issues, []);
    const loops = findLoops(graph);
    assert.deepEqual([...loops.backEdges], ["loop>loop"]);
    assert.deepEqual([...loops.bodies.get("loop")!], ["loop"]);
  });

  test("a switch case back to an earlier step is a loop over every step between", () => {
    const { graph, issues } = lint(
      "  more = true;",
      "  @step start() { this.next(this.head); }",
      "  @step head() { this.next(this.x, this.y); }",
      "  @step x() { this.next(this.j); }",
      "  @step y() { this.next(this.j); }",
      "  @step j(inputs: Inputs<F>) { this.next(this.check); }",
      '  @step check() { this.next({ again: this.head, done: this.end }, { condition: "more" }); }',
      "  @step end() {}",
    );
    assert.deepEqual(issues, []);
    assert.deepEqual([...findLoops(graph).bodies.get("head")!].sort(), ["check", "head", "j", "x", "y"]);
  });

  test("lint names a loop that can be entered at two steps", () => {
    const i = only(
      lint(
        "  m = 'x';",
        '  @step start() { this.next({ a: this.a, b: this.b }, { condition: "m" }); }',
        "  @step a() { this.next(this.b); }",
        '  @step b() { this.next({ back: this.a, out: this.end }, { condition: "m" }); }',
        "  @step end() {}",
      ),
      "entered at more than one of its steps",
    );
    assert.match(i.message, /a → b → a/);
  });

  test("lint reports a loop back to start", () => {
    only(lint("  more = true;", '  @step start() { this.next({ again: this.start, done: this.end }, { condition: "more" }); }', "  @step end() {}"), "goes back to start");
  });

  test("lint reports a loop that crosses a split: it goes back from inside a foreach to before it", () => {
    const i = only(
      lint(
        "  more = true;",
        "  xs = [1];",
        "  @step start() { this.next(this.head); }",
        '  @step head() { this.next(this.body, { foreach: "xs" }); }',
        '  @step body() { this.next({ again: this.head, done: this.pre }, { condition: "more" }); }',
        "  @step pre() { this.next(this.j); }",
        "  @step j(inputs: Inputs<F>) { this.next(this.end); }",
        "  @step end() {}",
      ),
      "crosses a split",
    );
    assert.equal(i.step, "body");
  });

  test("lint reports a step that leaves a loop without a switch", () => {
    only(
      lint(
        "  more = true;",
        "  @step start() { this.next(this.head); }",
        "  @step head() { this.next(this.a, this.out); }",
        '  @step a() { this.next({ again: this.head, done: this.k }, { condition: "more" }); }',
        "  @step k() { this.next(this.j); }",
        "  @step out() { this.next(this.j); }",
        "  @step j(inputs: Inputs<F>) { this.next(this.end); }",
        "  @step end() {}",
      ),
      'leaves the loop that starts at "head"',
    );
  });
});
