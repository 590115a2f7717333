import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import type { TaskRef } from "../datastore/layout.ts";
import type { ArtifactInfo, MetadataProvider, TaskRecord } from "./types.ts";

const init = { flow: "TrainFlow", user: "ada", tags: [], systemTags: ["user:ada"] };
const ref = (task: string): TaskRef => ({ flow: "TrainFlow", run: "1", step: "train", task });
const taskRecord = (task: string): TaskRecord => ({ ...ref(task), createdAt: "2024-01-01T00:00:00.000Z", foreachStack: [{ step: "start", task: "0", index: 1, numSplits: 3 }] });
const artifact = (name: string, c: string): ArtifactInfo => ({ name, sha: c.repeat(64), type: "number", size: 8, location: `TrainFlow/data/${c}${c}/${c.repeat(64)}` });
const started = (attempt: number) => ({ attempt, startedAt: "2024-01-01T00:00:00.000Z", info: { host: "box" } });
const finished = (attempt: number) => ({ ...started(attempt), finishedAt: "2024-01-01T00:01:00.000Z", ok: true });

/**
 * Contract cases for what a launcher records (part of metadataProviderContract): the
 * task registered with its attempt's start, and starts and ends recorded whole.
 */
export function launchCases(provider: () => MetadataProvider): void {
  describe("attempts recorded by their launcher", () => {
    let meta: MetadataProvider;
    beforeEach(async () => {
      meta = provider();
      await meta.createRun(init);
    });

    it("startAttempt with a task registers it, for the first attempt or a later one", async () => {
      await meta.startAttempt(ref("0"), started(0), [], { task: taskRecord("0") });
      await meta.startAttempt(ref("1"), started(2), [], { task: taskRecord("1") });
      assert.deepEqual(await meta.getTask(ref("0")), taskRecord("0"));
      assert.deepEqual(await meta.getTask(ref("1")), taskRecord("1"));
      assert.deepEqual(await meta.listTasks("TrainFlow", "1", "train"), [taskRecord("0"), taskRecord("1")]);
      assert.deepEqual(await meta.listSteps("TrainFlow", "1"), ["train"]);
      assert.deepEqual(await meta.listAttempts(ref("0")), [started(0)], "the task is not part of the attempt record");
    });

    it("registerTask after a start that registered the task replaces the record", async () => {
      await meta.startAttempt(ref("0"), started(0), [], { task: taskRecord("0") });
      const again = { ...taskRecord("0"), origin: "TrainFlow/0/train/0" };
      await meta.registerTask(again);
      assert.deepEqual(await meta.getTask(ref("0")), again);
    });

    it("a whole start and end read back as the same calls without it", async () => {
      const facts = [{ field: "pid", value: "10", type: "runtime" }, { field: "host", value: "box", type: "runtime" }];
      await meta.startAttempt(ref("0"), started(0), facts, { whole: true, task: taskRecord("0") });
      await meta.finishAttempt(ref("0"), finished(0), [artifact("model", "a"), artifact("alpha", "b")], { whole: true });
      await meta.startAttempt(ref("1"), started(0), facts, { task: taskRecord("1") });
      await meta.finishAttempt(ref("1"), finished(0), [artifact("model", "a"), artifact("alpha", "b")]);
      for (const task of ["0", "1"]) {
        assert.deepEqual(await meta.listAttempts(ref(task)), [finished(0)]);
        assert.deepEqual(await meta.listMetadata(ref(task)), [{ attempt: 0, ...facts[1]! }, { attempt: 0, ...facts[0]! }]);
        assert.deepEqual(await meta.listArtifacts(ref(task)), [{ attempt: 0, ...artifact("alpha", "b") }, { attempt: 0, ...artifact("model", "a") }]);
      }
    });

    it("a later call merges into a whole start and end: the facts and artifacts it names replace theirs, the others stay", async () => {
      await meta.startAttempt(ref("0"), started(0), [{ field: "pid", value: "10", type: "runtime" }, { field: "host", value: "box", type: "runtime" }], { whole: true, task: taskRecord("0") });
      await meta.finishAttempt(ref("0"), finished(0), [artifact("model", "a"), artifact("alpha", "b")], { whole: true });
      await meta.startAttempt(ref("0"), { ...started(0), info: { host: "other" } }, [{ field: "pid", value: "11", type: "runtime" }]);
      await meta.finishAttempt(ref("0"), { ...finished(0), ok: false, exception: { type: "Killed", message: "gone" } }, [artifact("model", "c")]);
      assert.deepEqual(await meta.getTask(ref("0")), taskRecord("0"), "the task stays registered");
      assert.deepEqual(await meta.listAttempts(ref("0")), [{ ...finished(0), ok: false, exception: { type: "Killed", message: "gone" } }]);
      assert.deepEqual(await meta.listMetadata(ref("0")), [
        { attempt: 0, field: "host", value: "box", type: "runtime" },
        { attempt: 0, field: "pid", value: "11", type: "runtime" },
      ]);
      assert.deepEqual(await meta.listArtifacts(ref("0")), [{ attempt: 0, ...artifact("alpha", "b") }, { attempt: 0, ...artifact("model", "c") }]);
    });
  });
}
