// What a step reads from `current` and the flow's constants, through the real CLI.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

test("current.tags gives the run's user tags and current.systemTags Weft's own, as the client's userTags and systemTags", async () => {
  const dir = tempProject();
  const file = writeFlow(
    dir,
    "tagged.ts",
    `import { FlowSpec, step, current } from "weft";
export default class TaggedFlow extends FlowSpec {
  @step start() { console.log("current", JSON.stringify({ tags: current.tags, systemTags: current.systemTags })); this.next(this.end); }
  @step end() {}
}
`,
  );
  const result = await runWeft(["run", file, "--tag", "exp", "--tag", "baseline"], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  const seen = JSON.parse(/current (.*)/.exec(result.stdout)![1]!) as { tags: string[]; systemTags: string[] };
  assert.deepEqual([...seen.tags].sort(), ["baseline", "exp"]);
  assert.ok(seen.systemTags.some((t) => t.startsWith("user:")) && seen.systemTags.some((t) => t.startsWith("weft_version:")), JSON.stringify(seen.systemTags));
  const listed = await runWeft(["tag", "list", "TaggedFlow/1", "--json"], { cwd: dir });
  assert.equal(listed.code, 0, listed.stderr);
  const client = JSON.parse(listed.stdout) as { systemTags: string[]; userTags: string[] };
  assert.deepEqual([...client.userTags].sort(), [...seen.tags].sort());
  assert.deepEqual(client.systemTags, seen.systemTags);
});

const CONSTANT_FLOW = (body: string) => `import { FlowSpec, step, param, current, type Inputs } from "weft";
export default class ConstFlow extends FlowSpec {
  @param({ help: "Learning rate" }) rate = 0.1;
  @param({ type: "json", help: "Kinds" }) kinds: string[] = ["a", "b"];
  seed = 42;
  labels = { good: 1, bad: 0 };
  stamp = Math.random();
  _scratch = "mine";
  kind!: string;
  stamps!: number[];
  @step start() { ${body} this.next(this.train, { foreach: "kinds" }); }
  @step train() { this.kind = (this.input as string) + this.seed; this.next(this.pick); }
  @step pick(inputs: Inputs<ConstFlow>) {
    console.log("join sees", JSON.stringify([this.seed, this.labels, this.rate, [...inputs].map((i) => i.seed)]));
    this.stamps = [...inputs].map((i) => i.stamp).concat(this.stamp);
    this.mergeArtifacts(inputs, { exclude: ["kind"] });
    this.next(this.end);
  }
  @step end() { console.log("end sees", JSON.stringify([this.seed, this.labels.good, new Set([...this.stamps, this.stamp]).size])); }
}
`;

test("current.parameterNames lists the @param fields, and a field with an initializer and no @param is a constant every step reads, joins too", async () => {
  const dir = tempProject();
  const file = writeFlow(dir, "const.ts", CONSTANT_FLOW(`console.log("names", JSON.stringify(current.parameterNames), this.seed, this._scratch);`));
  const result = await runWeft(["run", file], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /names \["rate","kinds"\] 42 mine/);
  assert.match(result.stdout, /join sees \[42,\{"good":1,"bad":0\},0\.1,\[42,42\]\]/);
  // The value start saved is the one every task reads, even from an initializer that differs per process.
  assert.match(result.stdout, /end sees \[42,1,1\]/);
  const dumped = await runWeft(["dump", "ConstFlow/1/end/0", "--artifact", "seed", "--json"], { cwd: dir });
  assert.equal(dumped.code, 0, dumped.stderr);
  assert.match(dumped.stdout, /42/);
});

for (const [what, body, field] of [
  ["a constant", "this.seed = 7;", "seed"],
  ["a parameter", "this.rate = 0.5;", "rate"],
] as const) {
  test(`assigning to ${what} in a step throws a WeftError naming the field`, async () => {
    const dir = tempProject();
    const file = writeFlow(dir, "assign.ts", CONSTANT_FLOW(`try { ${body} console.log("assigned"); } catch (e) { console.log("refused", (e as Error).constructor.name, (e as { code?: string }).code, (e as Error).message); }`));
    const result = await runWeft(["run", file], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /assigned/);
    assert.match(result.stdout, new RegExp(`refused WeftError \\w+ .*"${field}"`));
  });
}
