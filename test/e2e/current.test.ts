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
