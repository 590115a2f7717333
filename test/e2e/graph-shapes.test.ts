import assert from "node:assert/strict";
import { test } from "node:test";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

test("nested foreach: inner and outer joins see every item with its index, input and foreach stack (frames name the step that split)", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "nested.ts",
    `import { FlowSpec, step, current, type Inputs } from "weft";
export default class NestedFlow extends FlowSpec {
  groups!: string[];
  letter!: string;
  numbers!: number[];
  label!: string;
  labels!: string[];
  all!: string[];
  @step start() { this.groups = ["a", "b"]; this.next(this.outer, { foreach: "groups" }); }
  @step outer() {
    this.letter = this.input as string;
    this.numbers = this.letter === "a" ? [1, 2, 3] : [4, 5];
    this.next(this.inner, { foreach: "numbers" });
  }
  @step inner() {
    const stack = current.foreachStack.map((f) => f.step + ":" + f.index + "/" + f.numSplits).join(",");
    this.label = this.letter + this.input + "@" + this.index + "[" + stack + "]";
    this.next(this.deeper);
  }
  @step deeper() { this.label = this.label + "+" + this.input; this.next(this.innerJoin); }
  @step innerJoin(inputs: Inputs<NestedFlow>) {
    this.labels = [...inputs].map((i) => i.label);
    this.letter = inputs.at(0)!.letter;
    this.next(this.outerJoin);
  }
  @step outerJoin(inputs: Inputs<NestedFlow>) {
    this.all = [...inputs].flatMap((i) => i.labels);
    this.next(this.end);
  }
  @step end() { console.log("ALL", JSON.stringify(this.all)); }
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  const all = JSON.parse(/ALL (.*)/.exec(result.stdout)![1]!) as string[];
  assert.deepEqual(all, [
    "a1@0[start:0/2,outer:0/3]+1",
    "a2@1[start:0/2,outer:1/3]+2",
    "a3@2[start:0/2,outer:2/3]+3",
    "b4@0[start:1/2,outer:0/2]+4",
    "b5@1[start:1/2,outer:1/2]+5",
  ]);
});

test("static branches meet in a join that reads inputs by step name and merges the rest", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "branches.ts",
    `import { FlowSpec, step, type Inputs } from "weft";
export default class BranchFlow extends FlowSpec {
  shared!: string;
  score!: number;
  onlyA!: string;
  picked!: string;
  @step start() { this.shared = "same"; this.next(this.b, this.a); }
  @step a() { this.score = 1; this.onlyA = "from a"; this.next(this.join); }
  @step b() { this.score = 2; this.next(this.join); }
  @step async join(inputs: Inputs<BranchFlow>) {
    await new Promise((r) => setTimeout(r, 20));
    this.picked = "a=" + inputs.a.score + " b=" + inputs.b.score + " order=" + [...inputs].map((i) => i.score).join("");
    this.mergeArtifacts(inputs, { exclude: ["score"] });
    this.next(this.end);
  }
  @step end() { console.log(this.picked, this.shared, this.onlyA); }
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /a=1 b=2 order=21 same from a/);
});

const conflictFlow = (merge: string) => `import { FlowSpec, step, type Inputs } from "weft";
export default class ConflictFlow extends FlowSpec {
  score!: number;
  @step start() { this.next(this.a, this.b); }
  @step a() { this.score = 1; this.next(this.join); }
  @step b() { this.score = 2; this.next(this.join); }
  @step join(inputs: Inputs<ConflictFlow>) { ${merge} this.next(this.end); }
  @step end() { console.log("score", this.score); }
}
`;

test("mergeArtifacts refuses conflicting values and says how to resolve them", async () => {
  const dir = tempProject();
  const result = await runWeft(["run", writeFlow(dir, "conflict.ts", conflictFlow("this.mergeArtifacts(inputs);"))], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /inputs hold different values for score \(a\/\d+, b\/\d+\)/);
  assert.match(result.stderr, /exclude: \["score"\]/);
});

test("a refused mergeArtifacts sets nothing on the join, not even the artifacts that would merge", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "atomic.ts",
    `import { FlowSpec, step, type Inputs } from "weft";
export default class AtomicFlow extends FlowSpec {
  agreed!: string;
  onlyA!: string;
  score!: number;
  @step start() { this.agreed = "same"; this.next(this.a, this.b); }
  @step a() { this.score = 1; this.onlyA = "from a"; this.next(this.join); }
  @step b() { this.score = 2; this.next(this.join); }
  @step join(inputs: Inputs<AtomicFlow>) {
    try { this.mergeArtifacts(inputs); } catch (error) { console.log("refused", (error as Error).message.includes("score")); }
    console.log("set after refusal", JSON.stringify(Object.keys(this)));
    this.next(this.end);
  }
  @step end() { console.log("end sees", JSON.stringify([this.agreed ?? null, this.onlyA ?? null])); }
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /refused true/);
  assert.match(result.stdout, /set after refusal \[\]/);
  assert.match(result.stdout, /end sees \[null,null\]/);
});

test("a value set in the join before merging wins over the conflict", async () => {
  const dir = tempProject();
  const result = await runWeft(["run", writeFlow(dir, "conflict.ts", conflictFlow("this.score = Math.max(...[...inputs].map((i) => i.score)); this.mergeArtifacts(inputs);"))], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /score 2/);
});

test("mergeArtifacts with include names only what it carries, and an unknown name is an error", async () => {
  const dir = tempProject();
  const ok = await runWeft(["run", writeFlow(dir, "inc.ts", conflictFlow(`this.mergeArtifacts(inputs, { include: [] }); this.score = -1;`))], { cwd: dir });
  assert.equal(ok.code, 0, ok.stderr);
  const bad = await runWeft(["run", writeFlow(dir, "inc2.ts", conflictFlow(`this.mergeArtifacts(inputs, { include: ["nope"] });`))], { cwd: dir });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /include names "nope", which no input has/);
});

test("a transition made at run time that differs from the source fails the task", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "dynamic.ts",
    `import { FlowSpec, step } from "weft";
export default class DynamicFlow extends FlowSpec {
  @step start() {
    if (Date.now() > 0) { (this as any)["next"](this.end); return; }
    this.next(this.middle);
  }
  @step middle() { this.next(this.end); }
  @step end() {}
}
`,
  );
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Step "start" transitioned to end, but its source declares middle/);
});

test("a foreach over more items than --max-num-splits fails with the limit to raise", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "wide.ts",
    `import { FlowSpec, step, type Inputs } from "weft";
export default class WideFlow extends FlowSpec {
  items!: number[];
  @step start() { this.items = [1, 2, 3, 4, 5]; this.next(this.body, { foreach: "items" }); }
  @step body() { this.next(this.join); }
  @step join(inputs: Inputs<WideFlow>) { this.next(this.end); }
  @step end() {}
}
`,
  );
  const result = await runWeft(["run", file, "--max-num-splits", "4"], { cwd: dir });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /has 5 items, more than --max-num-splits 4/);
});
