import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import type { MetadataProvider, RunInit } from "./types.ts";

const init: RunInit = { flow: "TrainFlow", user: "ada", tags: ["exp"], systemTags: ["user:ada", "runtime:test"] };

/**
 * Contract cases for tag changes (part of metadataProviderContract): atomic, so
 * concurrent writers never lose each other's change, as `weft tag add` in two shells.
 */
export function tagCases(provider: () => MetadataProvider): void {
  describe("tags", () => {
    let meta: MetadataProvider;
    beforeEach(() => {
      meta = provider();
    });

    it("addTags appends new tags once, keeps the order and leaves the system tags", async () => {
      await meta.createRun(init);
      assert.deepEqual(await meta.addTags("TrainFlow", "1", ["best", "exp", "v2", "best"]), ["exp", "best", "v2"]);
      assert.deepEqual(await meta.addTags("TrainFlow", "1", ["v2"]), ["exp", "best", "v2"]);
      const run = await meta.getRun("TrainFlow", "1");
      assert.deepEqual(run?.tags, ["exp", "best", "v2"]);
      assert.deepEqual(run?.systemTags, ["user:ada", "runtime:test"]);
      assert.deepEqual((await meta.listRuns("TrainFlow"))[0]?.tags, ["exp", "best", "v2"]);
    });

    it("removeTags removes all the tags asked for, or none when one is missing", async () => {
      await meta.createRun(init);
      await meta.addTags("TrainFlow", "1", ["a", "b", "c"]);
      assert.deepEqual(await meta.removeTags("TrainFlow", "1", ["a", "zzz"]), { tags: ["exp", "a", "b", "c"], missing: ["zzz"] });
      assert.deepEqual(await meta.removeTags("TrainFlow", "1", ["a", "c"]), { tags: ["exp", "b"], missing: [] });
      assert.deepEqual((await meta.getRun("TrainFlow", "1"))?.tags, ["exp", "b"]);
    });

    it("addTags and removeTags answer undefined for a run that does not exist", async () => {
      assert.equal(await meta.addTags("TrainFlow", "99", ["a"]), undefined);
      assert.equal(await meta.removeTags("TrainFlow", "99", ["a"]), undefined);
    });

    it("50 concurrent addTags calls all land", async () => {
      await meta.createRun(init);
      const tags = Array.from({ length: 50 }, (_, i) => `t${i}`);
      await Promise.all(tags.map((t) => meta.addTags("TrainFlow", "1", [t])));
      assert.deepEqual(new Set((await meta.getRun("TrainFlow", "1"))?.tags), new Set(["exp", ...tags]));
    });

    it("concurrent additions and removals of different tags all land", async () => {
      await meta.createRun(init);
      const old = Array.from({ length: 20 }, (_, i) => `old${i}`);
      await meta.addTags("TrainFlow", "1", old);
      const added = Array.from({ length: 20 }, (_, i) => `new${i}`);
      const removals = await Promise.all([...old.map((t) => meta.removeTags("TrainFlow", "1", [t])), ...added.map((t) => meta.addTags("TrainFlow", "1", [t]))]);
      assert.ok(removals.slice(0, old.length).every((r) => !Array.isArray(r) && r?.missing.length === 0), "every removal found its tag");
      assert.deepEqual(new Set((await meta.getRun("TrainFlow", "1"))?.tags), new Set(["exp", ...added]));
    });
  });
}
