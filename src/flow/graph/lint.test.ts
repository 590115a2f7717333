import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WeftError } from "../../errors/weft-error.ts";
import { assertNoIssues, cliName, formatIssues, lintFlow, type LintIssue } from "./lint.ts";
import { parseFlowSource } from "./parse.ts";

/** Lints a flow written as source lines; lines[0] is line 1. */
const lint = (...lines: string[]) => lintFlow(parseFlowSource(lines.join("\n"), "flow.ts"));
const issuesOf = (...lines: string[]) => lint(...lines).issues;

/** The one issue whose message contains `phrase`, reduced to what the checks assert. */
function issue(issues: LintIssue[], phrase: string): { step: string | undefined; line: number; message: string; hint: string } {
  const found = issues.filter((i) => i.message.includes(phrase));
  assert.equal(found.length, 1, `expected one issue with "${phrase}", got:\n${formatIssues("flow.ts", issues)}`);
  return found[0]!;
}

const START_END = ["  @step start() { this.next(this.end); }", "  @step end() {}"];

describe("lintFlow", () => {
  test("lint accepts a flow with nested foreach, a static branch and their joins", () => {
    const { issues } = lint(
      "export default class Ok extends FlowSpec {",
      "  @param() size = 2;",
      "  xs!: number[];",
      "  @step start() { this.xs = [1, 2]; this.next(this.outer, { foreach: \"xs\" }); }",
      "  @step outer() { this.ys = [3, 4]; this.next(this.inner, { foreach: \"ys\" }); }",
      "  @step inner() { this.next(this.innerJoin); }",
      "  @step innerJoin(inputs: Inputs<Ok>) { this.next(this.outerJoin); }",
      "  @step outerJoin(inputs: Inputs<Ok>) { this.next(this.fan); }",
      "  @step fan() { this.next(this.b, this.a); }",
      "  @step a() { this.next(this.meet); }",
      "  @step b() { this.next(this.meet); }",
      "  @step async meet(inputs: Inputs<Ok>) { await this.next(this.end); }",
      "  @step end() {}",
      "}",
    );
    assert.deepEqual(issues, []);
  });

  test("lint reports a flow without a start step at the class line", () => {
    const issues = issuesOf("", "export default class NoStart extends FlowSpec {", "  @step end() {}", "}");
    assert.deepEqual(issues.map((i) => ({ step: i.step, line: i.line })), [{ step: undefined, line: 2 }]);
    assert.match(issues[0]!.message, /NoStart has no start step/);
  });

  test("lint reports a flow without an end step", () => {
    const issues = issuesOf("export default class NoEnd extends FlowSpec {", "  @step start() {}", "}");
    const i = issue(issues, "no end step");
    assert.deepEqual([i.step, i.line], [undefined, 1]);
    assert.match(i.message, /Flow NoEnd has no end step/);
  });

  test("lint reports a step with no transition at the step's line", () => {
    const i = issue(
      issuesOf("export default class F extends FlowSpec {", "  @step start() { this.next(this.a); }", "  @step a() {", "    console.log(1);", "  }", "  @step end() {}", "}"),
      "has no transition",
    );
    assert.deepEqual([i.step, i.line], ["a", 3]);
    assert.match(i.hint, /this\.next\(this\.end\)/);
  });

  test("lint reports a step with more than one transition at the second one", () => {
    const i = issue(
      issuesOf(
        "export default class F extends FlowSpec {",
        "  @step start() {",
        "    if (Math.random() > 0.5) this.next(this.end);",
        "    this.next(this.end);",
        "  }",
        "  @step end() {}",
        "}",
      ),
      "transitions",
    );
    assert.deepEqual([i.step, i.line], ["start", 4]);
    assert.match(i.message, /Step "start" has 2 transitions/);
  });

  test("lint reports a transition that is not the last statement of its step", () => {
    const i = issue(
      issuesOf("export default class F extends FlowSpec {", "  @step start() {", "    this.next(this.end);", "    console.log('after');", "  }", "  @step end() {}", "}"),
      "not its last statement",
    );
    assert.deepEqual([i.step, i.line], ["start", 3]);
  });

  test("lint reports a transition to an unknown step and lists the known steps", () => {
    const i = issue(issuesOf("export default class F extends FlowSpec {", "  @step start() {", "    this.next(this.trian);", "  }", "  @step end() {}", "}"), "unknown step");
    assert.deepEqual([i.step, i.line], ["start", 3]);
    assert.match(i.message, /unknown step "trian"/);
    assert.equal(i.hint, "Known steps: start, end.");
  });

  test("lint hints to add @step when the transition targets a plain method", () => {
    const i = issue(issuesOf("export default class F extends FlowSpec {", "  @step start() { this.next(this.train); }", "  train() { this.next(this.end); }", ...START_END.slice(1), "}"), "unknown step");
    assert.deepEqual([i.step, i.line], ["start", 2]);
    assert.equal(i.hint, 'Method "train" exists but is not a step: add @step to it.');
  });

  test("lint reports a step that cannot be reached from start", () => {
    const issues = issuesOf("export default class F extends FlowSpec {", ...START_END, "  @step orphan() {", "    this.next(this.end);", "  }", "}");
    // Only the orphan is wrong: end is never reached from it, so end needs no inputs.
    assert.deepEqual(issues.map((i) => i.step), ["orphan"]);
    const i = issue(issues, "cannot be reached from start");
    assert.deepEqual([i.step, i.line], ["orphan", 4]);
  });

  test("lint reports a cycle with the steps that form it", () => {
    const issues = issuesOf(
      "export default class F extends FlowSpec {",
      "  @step start() { this.next(this.a); }",
      "  @step a() { this.next(this.b); }",
      "  @step b() { this.next(this.a, this.end); }",
      "  @step end() {}",
      "}",
    );
    assert.equal(issues.length, 1);
    const i = issue(issues, "loop");
    assert.deepEqual([i.step, i.line], ["b", 4], "the step that closes the loop");
    assert.match(i.message, /a → b → a/);
  });

  test("lint names a loop that keeps end from being reached, with the steps in it, the line that closes it and a fix", () => {
    const issues = issuesOf(
      "export default class F extends FlowSpec {",
      "  @step start() { this.next(this.ping); }",
      "  @step ping() {",
      "    this.next(this.pong);",
      "  }",
      "  @step pong() {",
      "    this.n = 1;",
      "    this.next(this.ping);",
      "  }",
      "  @step end() {}",
      "}",
    );
    assert.equal(issues.length, 1, formatIssues("flow.ts", issues));
    const i = issue(issues, "loop");
    assert.deepEqual([i.step, i.line], ["pong", 8]);
    assert.match(i.message, /ping → pong → ping form a loop: step "pong" goes back to "ping" without a switch, so the flow could never leave it\./);
    assert.match(i.hint, /Make "pong" transition forward/);
    assert.match(i.hint, /this\.next\(\{ again: this\.ping, done: this\.end \}, \{ condition: "more" \}\)/);
  });

  test("lint reports a foreach whose paths reach end before they are joined", () => {
    const issues = issuesOf(
      "export default class F extends FlowSpec {",
      "  @step start() { this.xs = [1]; this.next(this.body, { foreach: 'xs' }); }",
      "  @step body() { this.next(this.end); }",
      "  @step end() {}",
      "}",
    );
    const i = issue(issues, "before the split");
    assert.deepEqual([i.step, i.line], ["end", 4]);
    assert.match(i.message, /reaches end before the split at start is joined/);
  });

  test("lint reports a join reached from a single linear parent", () => {
    const i = issue(
      issuesOf("export default class F extends FlowSpec {", "  @step start() { this.next(this.j); }", "  @step j(inputs: Inputs<F>) { this.next(this.end); }", "  @step end() {}", "}"),
      "takes inputs",
    );
    assert.deepEqual([i.step, i.line], ["j", 3]);
    assert.match(i.message, /single linear step start, with no split/);
  });

  test("lint reports a step reached from two steps that takes no inputs", () => {
    const issues = issuesOf(
      "export default class F extends FlowSpec {",
      "  @step start() { this.next(this.a, this.b); }",
      "  @step a() { this.next(this.meet); }",
      "  @step b() { this.next(this.meet); }",
      "  @step meet() { this.next(this.end); }",
      "  @step end() {}",
      "}",
    );
    const i = issue(issues, "takes no inputs");
    assert.deepEqual([i.step, i.line], ["meet", 5]);
    assert.match(i.message, /reached from a and b/);
    assert.match(i.hint, /meet\(inputs: Inputs<F>\)/);
  });

  test("lint reports a join that mixes a foreach path with a path outside the foreach", () => {
    const issues = issuesOf(
      "export default class F extends FlowSpec {",
      "  @step start() { this.next(this.a, this.b); }",
      "  @step a() { this.xs = [1]; this.next(this.c, { foreach: 'xs' }); }",
      "  @step c() { this.next(this.j); }",
      "  @step b() { this.next(this.j); }",
      "  @step j(inputs: Inputs<F>) { this.next(this.end); }",
      "  @step end() {}",
      "}",
    );
    assert.equal(issues.length, 1);
    assert.deepEqual([issues[0]!.step, issues[0]!.line], ["j", 6]);
    assert.match(issues[0]!.message, /Join "j" is reached from c, b, but the split at a opens paths c/);
  });

  test("lint reports a join that mixes paths of unrelated splits", () => {
    const issues = issuesOf(
      "export default class F extends FlowSpec {",
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
      "}",
    );
    assert.equal(issues.length, 1);
    const i = issue(issues, "mixes paths");
    assert.deepEqual([i.step, i.line], ["j1", 9]);
    assert.match(i.message, /different splits or foreach levels \(c, e\)/);
  });

  test("lint reports a join that receives fewer paths than its split opens", () => {
    const issues = issuesOf(
      "export default class F extends FlowSpec {",
      "  @step start() { this.next(this.a, this.b, this.c); }",
      "  @step a() { this.next(this.j); }",
      "  @step b() { this.next(this.j); }",
      "  @step c() { this.next(this.k); }",
      "  @step j(inputs: Inputs<F>) { this.next(this.k); }",
      "  @step k(inputs: Inputs<F>) { this.next(this.end); }",
      "  @step end() {}",
      "}",
    );
    const i = issue(issues, "opens paths");
    assert.deepEqual([i.step, i.line], ["j", 6]);
    assert.match(i.message, /Join "j" is reached from a, b, but the split at start opens paths a, b, c/);
  });

  test("lint reports a transition in end at the transition's line", () => {
    const issues = issuesOf("export default class F extends FlowSpec {", "  @step start() { this.next(this.end); }", "  @step end() {", "    this.next(this.start);", "  }", "}");
    assert.equal(issues.length, 1);
    const i = issue(issues, "has a transition");
    assert.deepEqual([i.step, i.line], ["end", 4]);
  });

  test("lint reports a foreach with an empty field name", () => {
    const i = issue(
      issuesOf("export default class F extends FlowSpec {", "  @step start() {", "    this.next(this.a, { foreach: \"\" });", "  }", "  @step a(inputs: Inputs<F>) { this.next(this.end); }", "  @step end() {}", "}"),
      "names no field",
    );
    assert.deepEqual([i.step, i.line], ["start", 3]);
  });

  test("lint reports a foreach naming a field the flow does not have", () => {
    const i = issue(
      issuesOf("export default class F extends FlowSpec {", "  items = [1];", "  @step start() {", "    this.next(this.a, { foreach: 'itmes' });", "  }", "  @step a() { this.next(this.end); }", "  @step end() {}", "}"),
      "not a field",
    );
    assert.deepEqual([i.step, i.line], ["start", 4]);
    assert.match(i.message, /names "itmes", which is not a field of F/);
  });

  for (const reserved of ["next", "input", "index", "mergeArtifacts"]) {
    test(`lint reports a step named with the reserved name ${reserved}`, () => {
      const issues = issuesOf("export default class F extends FlowSpec {", ...START_END, "", `  @step ${reserved}() { this.next(this.end); }`, "}");
      assert.equal(issues.length, 1);
      const i = issue(issues, "reserved name");
      assert.deepEqual([i.step, i.line], [reserved, 5]);
      assert.equal(i.message, `Step "${reserved}" uses a reserved name.`);
    });
  }

  test("lint reports two parameters that become the same CLI flag", () => {
    const issues = issuesOf("export default class F extends FlowSpec {", "  @param() fooBar = 1;", "  @param() foo_bar = 2;", ...START_END, "}");
    assert.equal(issues.length, 1);
    const i = issue(issues, "both become");
    assert.deepEqual([i.step, i.line], [undefined, 3]);
    assert.equal(i.message, 'Parameters "fooBar" and "foo_bar" both become --foo-bar.');
  });

  test("lint reports a parameter named like a step", () => {
    const i = issue(issuesOf("export default class F extends FlowSpec {", "  @param() end = 1;", ...START_END, "}"), "clashes");
    assert.deepEqual([i.step, i.line], [undefined, 2]);
    assert.match(i.message, /Parameter "end" clashes with a step/);
  });
});

describe("flow and step names", () => {
  test("lint refuses a non-ASCII flow name and a step name with $, stating the rule", () => {
    const issues = issuesOf("export default class Flüsse extends FlowSpec {", "  @step start() { this.next(this.$prep); }", "  @step $prep() { this.next(this.end); }", "  @step end() {}", "}");
    const flow = issue(issues, "flow name");
    assert.deepEqual([flow.step, flow.line, flow.message], [undefined, 1, 'Flow name "Flüsse" is not a valid flow name.']);
    assert.match(flow.hint, /^A flow name is 1 to 255 ASCII letters, digits, _ or -, starting with a letter or _ .*: rename the class\.$/);
    const step = issue(issues, "step name");
    assert.deepEqual([step.step, step.line], ["$prep", 3]);
  });

  test("lint refuses a step name over 255 characters", () => {
    const long = `s${"x".repeat(255)}`;
    const i = issue(issuesOf("export default class F extends FlowSpec {", `  @step start() { this.next(this.${long}); }`, `  @step ${long}() { this.next(this.end); }`, "  @step end() {}", "}"), "step name");
    assert.equal(i.line, 3);
  });
});

describe("parameters against weft run's options", () => {
  test("lint reports a parameter whose flag is an option of weft run, with its line and a rename", () => {
    for (const field of ["maxWorkers", "help", "runId", "createOnly", "tag"]) {
      const i = issue(issuesOf("export default class F extends FlowSpec {", `  @param() ${field} = 1;`, ...START_END, "}"), "option of weft run");
      assert.deepEqual([i.step, i.line], [undefined, 2]);
      assert.match(i.message, new RegExp(`^Parameter "${field}" becomes --${cliName(field)}, which is an option of weft run\\.$`));
      assert.match(i.hint, /^Rename the parameter, e\.g\. \w+; weft run's own options are --max-workers, /);
    }
  });
});

describe("configs and included files", () => {
  test("lint reports an included file whose flag is a parameter's or weft run's, and a field that is two kinds at once", () => {
    const issues = issuesOf(
      "export default class F extends FlowSpec {",
      "  @param() dataFile = 1;",
      "  @includeFile({ required: true }) data_file!: string;",
      '  @includeFile({ default: "a.csv" }) tag!: string;',
      '  @config({ default: "c.json" }) @param() settings = 1;',
      '  @includeFile({ default: "x.csv" }) @config() both!: string;',
      ...START_END,
      "}",
    );
    assert.equal(issue(issues, "both become").message, 'Parameters "dataFile" and "data_file" both become --data-file.');
    assert.match(issue(issues, "option of weft run").message, /^Included file "tag" becomes --tag, which is an option of weft run\.$/);
    assert.deepEqual(issues.filter((i) => /is both/.test(i.message)).map((i) => [i.line, i.message]), [
      [5, 'Field "settings" is both @param and @config.'],
      [6, 'Field "both" is both @config and @includeFile.'],
    ]);
  });

  test("lint reports a config named like a step", () => {
    const i = issue(issuesOf("export default class F extends FlowSpec {", '  @config({ default: "c.json" }) end!: object;', ...START_END, "}"), "clashes");
    assert.deepEqual([i.line, i.message], [2, 'Config "end" clashes with a step.']);
  });
});

describe("cliName", () => {
  test("cliName turns camelCase and snake_case fields into kebab-case flags", () => {
    assert.deepEqual(["testSize", "foo_bar", "maxNumSplits", "x2Y", "plain"].map(cliName), ["test-size", "foo-bar", "max-num-splits", "x2-y", "plain"]);
  });
});

describe("assertNoIssues", () => {
  test("assertNoIssues returns quietly when there is nothing to report", () => {
    const parsed = parseFlowSource(["export default class F extends FlowSpec {", ...START_END, "}"].join("\n"), "flow.ts");
    assert.equal(assertNoIssues(parsed, lintFlow(parsed).issues), undefined);
  });

  test("assertNoIssues throws FLOW_INVALID listing each issue with file, line and step", () => {
    const parsed = parseFlowSource(["export default class F extends FlowSpec {", "  @step start() {}", "  @step end() {}", "}"].join("\n"), "flows/f.ts");
    const { issues } = lintFlow(parsed);
    assert.throws(
      () => assertNoIssues(parsed, issues),
      (err: unknown) => {
        assert.ok(err instanceof WeftError);
        assert.equal(err.code, "FLOW_INVALID");
        assert.match(err.message, /^flows\/f\.ts: 1 problem found\n/);
        assert.match(err.message, /flows\/f\.ts:2 \[start\] Step "start" has no transition\.\n {6}→ End it with/);
        return true;
      },
    );
  });
});
