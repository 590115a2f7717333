import assert from "node:assert/strict";
import { test } from "node:test";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const FLOW = `import { FlowSpec, step, param } from "weft";

export default class ParamFlow extends FlowSpec {
  @param({ help: "Fraction held out" }) testSize = 0.2;
  @param({ help: "Model name" }) modelName = "knn";
  @param({ help: "Talk more" }) verbose = true;
  @param({ type: "json", help: "Kinds to try" }) kinds: string[] = ["a"];
  @param({ required: true, type: "number", help: "Random seed" }) seed!: number;
  echoed!: string;

  @step start() {
    this.echoed = JSON.stringify({ testSize: this.testSize, modelName: this.modelName, verbose: this.verbose, kinds: this.kinds, seed: this.seed });
    this.next(this.middle);
  }
  @step middle() {
    console.log("params", JSON.stringify({ testSize: this.testSize, modelName: this.modelName, verbose: this.verbose, kinds: this.kinds, seed: this.seed }));
    this.next(this.end);
  }
  @step end() {
    console.log("start saw", this.echoed);
  }
}
`;

test("parameters arrive typed in every step, from flags named in kebab-case", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "params.ts", FLOW);
  const result = await runWeft(["run", file, "--test-size", "0.35", "--model-name", "forest", "--no-verbose", "--kinds", '["x","y"]', "--seed", "7"], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  const expected = JSON.stringify({ testSize: 0.35, modelName: "forest", verbose: false, kinds: ["x", "y"], seed: 7 });
  assert.ok(result.stdout.includes(`params ${expected}`), result.stdout);
  assert.ok(result.stdout.includes(`start saw ${expected}`), result.stdout);
});

test("defaults apply when a flag is not given", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "params.ts", FLOW);
  const result = await runWeft(["run", file, "--seed", "1"], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.includes(`params ${JSON.stringify({ testSize: 0.2, modelName: "knn", verbose: true, kinds: ["a"], seed: 1 })}`), result.stdout);
});

test("--help on a flow lists its parameters with help, type and default", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "params.ts", FLOW);
  const result = await runWeft(["run", file, "--help"], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Flow ParamFlow/);
  assert.match(result.stdout, /--test-size <value>\s+Fraction held out \(number, default 0\.2\)/);
  assert.match(result.stdout, /--no-verbose/);
  assert.match(result.stdout, /--kinds <value>\s+Kinds to try \(json, default \["a"\]\)/);
  assert.match(result.stdout, /--seed <value>\s+Random seed \(number, required\)/);
});

test("a value of the wrong type is a usage error naming the flag, exit 2", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "params.ts", FLOW);
  const result = await runWeft(["run", file, "--seed", "1", "--test-size", "lots"], { cwd: dir });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Invalid value "lots" for --test-size: expected a number/);
  const json = await runWeft(["run", file, "--seed", "1", "--kinds", "[oops"], { cwd: dir });
  assert.equal(json.code, 2);
  assert.match(json.stderr, /--kinds: expected JSON/);
});

test("a number parameter refuses Infinity and 1e400 as a usage error naming the flag, exit 2, and starts no run", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "params.ts", FLOW);
  for (const value of ["Infinity", "1e400", "-Infinity"]) {
    const result = await runWeft(["run", file, "--seed", "1", "--test-size", value], { cwd: dir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`Invalid value "${value}" for --test-size: expected a finite number`));
    assert.doesNotMatch(result.stderr, /started/);
  }
  const json = await runWeft(["run", file, "--seed", "1", "--kinds", "[1e400]"], { cwd: dir });
  assert.equal(json.code, 2, json.stderr);
  assert.match(json.stderr, /Invalid value "\[1e400\]" for --kinds: expected JSON whose numbers are finite/);
});

test("a missing required parameter is a usage error, exit 2, and starts no run", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "params.ts", FLOW);
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Missing required parameter --seed/);
  assert.doesNotMatch(result.stderr, /Run ParamFlow\/1 started/);
});

test("an unknown flag is a usage error, exit 2", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "params.ts", FLOW);
  const result = await runWeft(["run", file, "--seed", "1", "--nope", "3"], { cwd: dir });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown option '--nope'/);
});

test("assigning a parameter inside a step fails the task", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "mutate.ts",
    `import { FlowSpec, step, param } from "weft";
export default class MutateFlow extends FlowSpec {
  @param() rate = 1;
  @step start() { this.rate = 2; this.next(this.end); }
  @step end() {}
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Parameter "rate" is read-only inside steps/);
});
