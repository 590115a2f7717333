import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

test("a flow anywhere on disk imports weft, a local module and a package, with no tsconfig or build", async () => {
  const dir = tempProject("weft-anywhere-");
  assert.equal(existsSync(join(dir, "package.json")), false);
  writeFileSync(join(dir, "helpers.ts"), `export const double = (n: number): number => n * 2;\n`);
  const file = writeFlow(
    dir,
    "anywhere.ts",
    `import { FlowSpec, step } from "weft";
import { Matrix } from "ml-matrix";
import { double } from "./helpers.ts";

export default class AnywhereFlow extends FlowSpec {
  value!: number;
  @step start() {
    this.value = double(new Matrix([[1, 2], [3, 4]]).trace());
    this.next(this.end);
  }
  @step end() { console.log("value is", this.value); }
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /\[AnywhereFlow\/1\/end\/0\] value is 10/);
});

test("a flow file with a syntax error fails to load with its line, exit 1", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "broken.ts", `import { FlowSpec, step } from "weft";\nexport default class B extends FlowSpec {\n  @step start() { this.next(this.end) \n  @step end() {}\n}\n`);
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /broken\.ts:\d+: syntax error/);
  assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, "no stack trace for a user error");
});

test("a flow importing a package that is not installed fails with the import named", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "missing.ts", `import { FlowSpec, step } from "weft";\nimport x from "no-such-package-weft";\nexport default class M extends FlowSpec {\n  @step start() { console.log(x); this.next(this.end); }\n  @step end() {}\n}\n`);
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Could not build missing\.ts/);
  assert.match(result.stderr, /no-such-package-weft/);
});

test("a missing flow file is a usage error, exit 2", async () => {
  const dir = tempProject();
  const result = await runWeft(["run", "nope.ts"], { cwd: dir });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Flow file nope\.ts does not exist/);
});

test("a changed module the flow imports is picked up on the next run, though unchanged flows come from the cache", async () => {
  const dir = tempProject("weft-cache-");
  writeFileSync(join(dir, "helpers.ts"), `export const greeting = "first";\n`);
  const file = writeFlow(dir, "cached.ts", `import { FlowSpec, step } from "weft";
import { greeting } from "./helpers.ts";
export default class CachedFlow extends FlowSpec {
  @step start() { console.log("greeting", greeting); this.next(this.end); }
  @step end() {}
}
`);
  const first = await runWeft(["run", file], { cwd: dir });
  assert.match(first.stdout, /greeting first/);
  assert.equal(readdirSync(join(dir, ".weft", "cache", "flows")).length, 1, "the load was cached");
  const again = await runWeft(["run", file], { cwd: dir });
  assert.match(again.stdout, /greeting first/);
  writeFileSync(join(dir, "helpers.ts"), `export const greeting = "second";\n`);
  const changed = await runWeft(["run", file], { cwd: dir });
  assert.match(changed.stdout, /greeting second/);
});
