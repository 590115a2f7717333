import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WeftError } from "../../errors/weft-error.ts";
import { parseFlowSource, type ParsedFlow, type ParsedStep } from "./parse.ts";

const parse = (...lines: string[]): ParsedFlow => parseFlowSource(lines.join("\n"), "flows/f.ts");
const stepOf = (flow: ParsedFlow, name: string): ParsedStep => {
  const found = flow.steps.find((s) => s.name === name);
  assert.ok(found, `no step ${name} in ${flow.steps.map((s) => s.name).join(", ")}`);
  return found;
};

/** Asserts that `fn` throws a WeftError with `code` whose message matches `pattern`. */
function throwsWeft(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

describe("parseFlowSource: the default-exported class", () => {
  test("parseFlowSource finds `export default class` with its name and line", () => {
    const flow = parse("import { FlowSpec, step } from 'weft';", "", "export default class TrainFlow extends FlowSpec {", "  @step start() { this.next(this.end); }", "  @step end() {}", "}");
    assert.equal(flow.className, "TrainFlow");
    assert.equal(flow.line, 3);
    assert.equal(flow.file, "flows/f.ts");
    assert.deepEqual(flow.steps.map((s) => [s.name, s.line]), [["start", 4], ["end", 5]]);
  });

  test("parseFlowSource finds a class declared first and default-exported by name", () => {
    const flow = parse("class Helper extends FlowSpec {", "  @step other() {}", "}", "class Mine extends FlowSpec {", "  @step start() {}", "}", "export default Mine;");
    assert.equal(flow.className, "Mine");
    assert.equal(flow.line, 4);
    assert.deepEqual(flow.steps.map((s) => s.name), ["start"]);
  });

  test("parseFlowSource finds a named-exported class that is also default-exported by name", () => {
    const flow = parse("export class Mine extends FlowSpec {", "  @step start() {}", "}", "export default Mine;");
    assert.equal(flow.className, "Mine");
  });

  test("parseFlowSource finds a class default-exported with `export { X as default }`", () => {
    const flow = parse("class Mine extends FlowSpec {", "  @step start() {}", "}", "export { Mine as default };");
    assert.equal(flow.className, "Mine");
  });

  test("parseFlowSource rejects a file without a default export as FLOW_INVALID", () => {
    throwsWeft(() => parse("export class Mine extends FlowSpec {}"), "FLOW_INVALID", /^flows\/f\.ts: no default-exported flow class/);
  });

  test("parseFlowSource rejects a default export that is not a class", () => {
    throwsWeft(() => parse("class Mine {}", "export default function run() {}"), "FLOW_INVALID", /default-exported/);
    throwsWeft(() => parse("export default Unknown;"), "FLOW_INVALID", /default-exported/);
  });

  test("parseFlowSource reports a syntax error as FLOW_INVALID with its line", () => {
    throwsWeft(
      () => parse("export default class F extends FlowSpec {", "  @step start() {", "    this.next(", "  }", "}"),
      "FLOW_INVALID",
      /^flows\/f\.ts:4: syntax error: /,
    );
  });
});

describe("parseFlowSource: steps", () => {
  const flow = parse(
    "export default class F extends FlowSpec {",
    "  @param({ help: 'rows' }) rows = 10;",
    "  @param({ required: true, type: 'json' }) kinds!: string[];",
    "  best!: number;",
    "  @retry({ times: 2 }) @weft.resources({ cpu: 2 })",
    "  @step",
    "  start() {",
    "    this.items = [1, 2];",
    "    this.next(this.train, { foreach: 'items' });",
    "  }",
    "  @catchError @step async train() {",
    "    this.score = await helper();",
    "    await this.next(this.pick);",
    "  }",
    "  @step pick(inputs: Inputs<F>) {",
    "    this.next(this.end);",
    "    log(this.best);",
    "  }",
    "  helper() { this.cache = 1; }",
    "  @step end() {}",
    "}",
  );

  test("parseFlowSource lists a step's decorators other than @step in source order", () => {
    assert.deepEqual(stepOf(flow, "start").decorators, ["retry", "resources"]);
    assert.deepEqual(stepOf(flow, "train").decorators, ["catchError"]);
    assert.deepEqual(stepOf(flow, "end").decorators, []);
  });

  test("parseFlowSource takes a step's line from its name, not its decorators", () => {
    assert.equal(stepOf(flow, "start").line, 7);
    assert.equal(stepOf(flow, "train").line, 11);
  });

  test("parseFlowSource counts declared parameters as the arity", () => {
    assert.deepEqual(flow.steps.map((s) => [s.name, s.arity]), [["start", 0], ["train", 0], ["pick", 1], ["end", 0]]);
  });

  test("parseFlowSource reads a foreach transition with its field and line", () => {
    assert.deepEqual(stepOf(flow, "start").transitions, [{ line: 9, targets: ["train"], foreach: "items", isLast: true }]);
  });

  test("parseFlowSource sees an awaited transition at the end as the last statement", () => {
    assert.deepEqual(stepOf(flow, "train").transitions, [{ line: 13, targets: ["pick"], foreach: undefined, isLast: true }]);
  });

  test("parseFlowSource marks a transition followed by another statement as not last", () => {
    assert.deepEqual(stepOf(flow, "pick").transitions, [{ line: 16, targets: ["end"], foreach: undefined, isLast: false }]);
  });

  test("parseFlowSource keeps methods without @step apart as plain methods", () => {
    assert.deepEqual(flow.plainMethods, ["helper"]);
    assert.deepEqual(flow.steps.map((s) => s.name), ["start", "train", "pick", "end"]);
  });

  test("parseFlowSource lists @param fields with their lines", () => {
    assert.deepEqual(flow.params, [
      { field: "rows", line: 2 },
      { field: "kinds", line: 3 },
    ]);
  });

  test("parseFlowSource collects declared fields and every this.<name> assignment once", () => {
    assert.deepEqual([...flow.fields].sort(), ["best", "cache", "items", "kinds", "rows", "score"]);
  });

  test("parseFlowSource records a transition target that is not this.<step> as null", () => {
    const start = stepOf(parse("export default class F extends FlowSpec {", "  @step start() {", "    const s = this.end;", "    this.next(s, this.end);", "  }", "}"), "start");
    assert.deepEqual(start.transitions, [{ line: 4, targets: [null, "end"], foreach: undefined, isLast: true }]);
  });

  test("parseFlowSource reads a foreach that is not a string literal as naming no field", () => {
    const start = stepOf(parse("export default class F extends FlowSpec {", "  @step start() { this.next(this.a, { foreach: name }); }", "}"), "start");
    assert.equal(start.transitions[0]!.foreach, "");
  });

  test("parseFlowSource finds every transition of a step, including one inside an if", () => {
    const start = stepOf(
      parse("export default class F extends FlowSpec {", "  @step start() {", "    if (x) {", "      this.next(this.a);", "    }", "    this.next(this.b);", "  }", "}"),
      "start",
    );
    assert.deepEqual(start.transitions.map((t) => [t.line, t.targets, t.isLast]), [
      [4, ["a"], false],
      [6, ["b"], true],
    ]);
  });

  test("parseFlowSource finds no transition in a step that only calls other methods", () => {
    const start = stepOf(parse("export default class F extends FlowSpec {", "  @step start() { this.log(this.end); next(this.end); }", "}"), "start");
    assert.deepEqual(start.transitions, []);
  });
});
