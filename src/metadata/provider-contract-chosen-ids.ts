import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeEach, describe, it } from "node:test";
import type { TaskRef } from "../datastore/layout.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { AttemptRecord, MetadataProvider, RunInit, RunRecord } from "./types.ts";

const ARGO = "argo-train-x7k2p";
const init = (run?: string, user = "ada"): RunInit => ({ flow: "TrainFlow", user, tags: ["exp"], systemTags: [`user:${user}`, "runtime:argo"], ...(run === undefined ? {} : { run }) });
const usage = (pattern: RegExp) => (err: unknown) => err instanceof WeftError && err.code === "USAGE" && pattern.test(err.describe());

/**
 * Contract cases for run ids a caller chooses (an orchestrator's `argo-train-x7k2p`)
 * and task ids from foreach positions (`2-10`): part of metadataProviderContract.
 */
export function chosenRunIdCases(provider: () => MetadataProvider): void {
  describe("chosen run ids and foreach task ids", () => {
    let meta: MetadataProvider;
    beforeEach(() => {
      meta = provider();
    });

    it("a run created with a chosen id round-trips: getRun, listRuns, state and tags", async () => {
      const run = await meta.createRun(init(ARGO));
      assert.deepEqual({ ...run, createdAt: undefined }, { ...init(), run: ARGO, createdAt: undefined });
      assert.deepEqual(await meta.getRun("TrainFlow", ARGO), run);
      assert.deepEqual(await meta.listRuns("TrainFlow"), [run]);
      await meta.setRunState("TrainFlow", ARGO, { status: "succeeded", finishedAt: "2024-01-01T00:00:00.000Z" });
      assert.deepEqual(await meta.getRunState("TrainFlow", ARGO), { status: "succeeded", finishedAt: "2024-01-01T00:00:00.000Z" });
      await meta.addTags("TrainFlow", ARGO, ["best"]);
      assert.deepEqual((await meta.getRun("TrainFlow", ARGO))?.tags, ["exp", "best"]);
    });

    it("tasks 0, 2-9 and 2-10 of a chosen-id run are listed in natural order and keep attempts, artifacts, facts and heartbeats", async () => {
      await meta.createRun(init(ARGO));
      const step = { flow: "TrainFlow", run: ARGO, step: "train" };
      for (const task of ["2-10", "10", "0", "2-9", "2"]) {
        await meta.registerTask({ ...step, task, createdAt: "2024-01-01T00:00:00.000Z", foreachStack: [{ step: "start", task: "0", index: 2, numSplits: 3 }] });
      }
      assert.deepEqual((await meta.listTasks("TrainFlow", ARGO, "train")).map((t) => t.task), ["0", "2", "2-9", "2-10", "10"]);
      assert.deepEqual(await meta.listSteps("TrainFlow", ARGO), ["train"]);
      const ref: TaskRef = { ...step, task: "2-10" };
      assert.equal((await meta.getTask(ref))?.task, "2-10");
      const attempt: AttemptRecord = { attempt: 0, startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:01:00.000Z", ok: true };
      await meta.startAttempt(ref, { attempt: 0, startedAt: attempt.startedAt }, [{ field: "pod", value: "train-2-10", type: "runtime" }]);
      await meta.finishAttempt(ref, attempt, [{ name: "model", sha: "c".repeat(64), type: "object", size: 3, location: `TrainFlow/data/cc/${"c".repeat(64)}` }]);
      assert.deepEqual(await meta.listAttempts(ref), [attempt]);
      assert.deepEqual((await meta.listArtifacts(ref)).map((a) => a.name), ["model"]);
      assert.deepEqual(await meta.listMetadata(ref), [{ attempt: 0, field: "pod", value: "train-2-10", type: "runtime" }]);
      assert.deepEqual(await meta.listAttempts({ ...step, task: "2-9" }), []);
      await meta.setRunState("TrainFlow", ARGO, { status: "running" });
      await meta.heartbeat(ref);
      await meta.heartbeat({ flow: "TrainFlow", run: ARGO });
      assert.equal((await meta.getRunState("TrainFlow", ARGO))?.status, "running");
    });

    it("a repeated chosen id fails with USAGE and leaves the first run untouched", async () => {
      const first = await meta.createRun(init(ARGO));
      await meta.setRunState("TrainFlow", ARGO, { status: "running" });
      await assert.rejects(meta.createRun(init(ARGO, "mallory")), usage(/Run TrainFlow\/argo-train-x7k2p already exists; run ids must be unique per flow/));
      assert.deepEqual(await meta.getRun("TrainFlow", ARGO), first);
      assert.equal((await meta.getRunState("TrainFlow", ARGO))?.status, "running");
      assert.equal((await meta.listRuns("TrainFlow")).length, 1);
    });

    it("of concurrent creates of one chosen id, exactly one succeeds", async () => {
      const settled = await Promise.allSettled(["ada", "bob", "cy", "dee"].map((user) => meta.createRun(init(ARGO, user))));
      const made = settled.filter((s): s is PromiseFulfilledResult<RunRecord> => s.status === "fulfilled");
      assert.equal(made.length, 1);
      assert.deepEqual(await meta.getRun("TrainFlow", ARGO), made[0]!.value);
    });

    it("a chosen id of only digits, an invalid id and a reserved name are refused, recording nothing", async () => {
      await assert.rejects(meta.createRun(init("12")), usage(/only digits are reserved for the ids Weft allocates/));
      await assert.rejects(meta.createRun(init("..")), usage(/A run id is 1 to 128 letters, digits, _, - or \./));
      await assert.rejects(meta.createRun(init("a/b")), usage(/not a valid id/));
      await assert.rejects(meta.createRun(init("data")), usage(/data folder/));
      assert.deepEqual(await meta.listRuns("TrainFlow"), []);
    });

    it("allocation after chosen ids still gives 1, 2, and listRuns puts the newest first", async () => {
      const ids: string[] = [];
      for (const run of ["argo-a", "argo-b", undefined, undefined]) {
        ids.push((await meta.createRun(init(run))).run);
        // Creation times are compared at millisecond precision: keep them apart.
        await sleep(5);
      }
      assert.deepEqual(ids, ["argo-a", "argo-b", "1", "2"]);
      assert.deepEqual((await meta.listRuns("TrainFlow")).map((r) => r.run), ["2", "1", "argo-b", "argo-a"]);
    });

    it("listFlows lists a flow whose only run has a chosen id", async () => {
      await meta.createRun({ ...init(ARGO), flow: "ArgoOnlyFlow" });
      assert.deepEqual(await meta.listFlows(), ["ArgoOnlyFlow"]);
    });
  });
}
