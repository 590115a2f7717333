import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const taskData = (dir: string, flow: string, run: string, step: string) => {
  const stepDir = join(dir, ".weft", "datastore", flow, run, step);
  const task = readdirSync(stepDir)[0]!;
  return JSON.parse(readFileSync(join(stepDir, task, "0.done.json"), "utf8")) as { artifacts: Record<string, { sha: string; type: string; size: number }> };
};

test("every structured-clone type round-trips between steps", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "types.ts",
    `import { FlowSpec, step } from "weft";
import { isDeepStrictEqual } from "node:util";

const make = () => ({
  map: new Map<unknown, unknown>([["a", 1], [2, { nested: new Set([1, 2]) }]]),
  set: new Set(["x", "y"]),
  date: new Date("2024-05-06T07:08:09.010Z"),
  regexp: /ab+c/gi,
  big: 123456789012345678901234567890n,
  buffer: Buffer.from("hello"),
  floats: new Float64Array([1.5, -2.25]),
  bytes: new Uint8Array([1, 2, 255]),
  nested: { list: [1, "two", null, undefined, [3]], when: new Date(0), deep: new Map([["k", [new Set([1n])]]]) },
  nan: NaN,
});

export default class TypesFlow extends FlowSpec {
  value!: ReturnType<typeof make>;
  @step start() { this.value = make(); this.next(this.middle); }
  @step middle() { this.next(this.end); }
  @step end() {
    const expected = make();
    if (!isDeepStrictEqual(this.value, expected)) throw new Error("mismatch: " + JSON.stringify(Object.keys(this.value)));
    if (!Buffer.isBuffer(this.value.buffer)) throw new Error("Buffer came back as " + this.value.buffer.constructor.name);
    if (!(this.value.floats instanceof Float64Array)) throw new Error("typed array lost its type");
    console.log("all types equal");
  }
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /all types equal/);
});

test("a value that cannot be saved fails the task naming the artifact and its type", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "unsaveable.ts",
    `import { FlowSpec, step } from "weft";
class Model { weights = [1, 2]; predict(x: number) { return x; } }
export default class BadFlow extends FlowSpec {
  model!: unknown;
  callback!: unknown;
  @step start() { this.model = { inner: new Model() }; this.next(this.end); }
  @step end() {}
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Artifact "model" cannot be saved: model\.inner is an instance of Model/);
  const fn = writeFlow(
    dir,
    "fn.ts",
    `import { FlowSpec, step } from "weft";
export default class FnFlow extends FlowSpec {
  callback!: unknown;
  @step start() { this.callback = function scorer() {}; this.next(this.end); }
  @step end() {}
}
`,
  );
  const second = await runWeft(["run", fn], { cwd: dir });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /Artifact "callback" cannot be saved: callback is a function scorer/);
});

test("names starting with _ are not saved, and a step that never reads an artifact never loads it", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "lazy.ts",
    `import { FlowSpec, step, current } from "weft";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export default class LazyFlow extends FlowSpec {
  big!: number[];
  small!: number;
  _scratch = "not saved";
  @step start() {
    this.big = Array.from({ length: 1000 }, (_, i) => i);
    this.small = 1;
    this.next(this.dropBig);
  }
  @step dropBig() {
    // Remove big's bytes from the datastore: any later read of it would fail.
    const root = join(process.env.WEFT_HOME!, "datastore", current.flowName);
    const data = JSON.parse(readFileSync(join(root, current.runId, "start", "0", "0.done.json"), "utf8"));
    const sha = data.artifacts.big.sha;
    rmSync(join(root, "data", sha.slice(0, 2), sha));
    this.small = this.small + 1;
    this.next(this.end);
  }
  @step end() { console.log("small", this.small); }
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /small 2/);
  const start = taskData(dir, "LazyFlow", "1", "start");
  const end = taskData(dir, "LazyFlow", "1", "end");
  assert.equal(end.artifacts.big!.sha, start.artifacts.big!.sha, "big is carried by reference");
  assert.equal("_scratch" in start.artifacts, false);
});

test("an inherited artifact read but not changed is not written again", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "reread.ts",
    `import { FlowSpec, step, current } from "weft";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const rowsBlob = () => {
  const root = join(process.env.WEFT_HOME!, "datastore", current.flowName);
  const sha = JSON.parse(readFileSync(join(root, current.runId, "start", "0", "0.done.json"), "utf8")).artifacts.rows.sha;
  const stat = statSync(join(root, "data", sha.slice(0, 2), sha));
  return stat.ino + ":" + stat.mtimeMs;
};

export default class RereadFlow extends FlowSpec {
  rows!: number[];
  total!: number;
  blobBefore!: string;
  @step start() { this.rows = [1, 2, 3]; this.next(this.sum); }
  @step sum() { this.blobBefore = rowsBlob(); this.total = this.rows.reduce((a, b) => a + b, 0); this.next(this.mutate); }
  @step mutate() { this.rows.push(4); this.next(this.end); }
  @step end() {
    console.log("rows", JSON.stringify(this.rows), "total", this.total, "blob unchanged", rowsBlob() === this.blobBefore);
  }
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /rows \[1,2,3,4\] total 6 blob unchanged true/);
  const start = taskData(dir, "RereadFlow", "1", "start");
  const sum = taskData(dir, "RereadFlow", "1", "sum");
  const mutate = taskData(dir, "RereadFlow", "1", "mutate");
  assert.equal(sum.artifacts.rows!.sha, start.artifacts.rows!.sha, "read without change keeps its sha");
  assert.notEqual(mutate.artifacts.rows!.sha, start.artifacts.rows!.sha, "an in-place change is saved");
});
