import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { TaskRef } from "../datastore/layout.ts";
import { chosenRunIdCases } from "./provider-contract-chosen-ids.ts";
import { launchCases } from "./provider-contract-launches.ts";
import { reportCases } from "./provider-contract-reports.ts";
import { tagCases } from "./provider-contract-tags.ts";
import type { ArtifactMetadata, AttemptRecord, MetadataProvider, RunInit, TaskRecord } from "./types.ts";

/** A provider under test, on empty storage, and how to empty it again. */
export interface OpenedMetadata {
  meta: MetadataProvider;
  cleanup(): Promise<void>;
}

/** The heartbeat timeout providers under contract are opened with: short, so the suite stays fast. */
export const CONTRACT_HEARTBEAT_TIMEOUT_MS = 1000;

const runInit = (flow: string): RunInit => ({ flow, user: "ada", tags: ["exp"], systemTags: ["user:ada", "runtime:test"] });
const taskRecord = (ref: TaskRef): TaskRecord => ({ ...ref, createdAt: "2024-01-01T00:00:00.000Z", foreachStack: [] });
const sha = (c: string) => c.repeat(64);

/**
 * The MetadataProvider contract (src/metadata/types.ts): the local provider and the
 * service provider (over PGlite and over PostgreSQL) pass the same cases, so a flow
 * behaves the same whichever records it. Each test gets empty storage from `open`.
 */
export function metadataProviderContract(name: string, open: () => Promise<OpenedMetadata>): void {
  describe(`${name} satisfies the MetadataProvider contract`, () => {
    let opened: OpenedMetadata;
    let meta: MetadataProvider;
    beforeEach(async () => {
      opened = await open();
      meta = opened.meta;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    describe("runs", () => {
      it("createRun allocates 1, 2, 3 for successive runs of a flow", async () => {
        const ids = [];
        for (let i = 0; i < 3; i++) ids.push((await meta.createRun(runInit("TrainFlow"))).run);
        assert.deepEqual(ids, ["1", "2", "3"]);
      });

      it("createRun numbers each flow separately", async () => {
        await meta.createRun(runInit("TrainFlow"));
        await meta.createRun(runInit("TrainFlow"));
        assert.equal((await meta.createRun(runInit("OtherFlow"))).run, "1");
      });

      it("10 concurrent createRun calls get 10 distinct ids, 1 to 10", async () => {
        const runs = await Promise.all(Array.from({ length: 10 }, () => meta.createRun(runInit("TrainFlow"))));
        assert.deepEqual(runs.map((r) => Number(r.run)).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      });

      it("createRun returns and records the run with its creation time", async () => {
        const before = Date.now();
        const run = await meta.createRun({ ...runInit("TrainFlow"), originRun: "4" });
        assert.deepEqual({ ...run, createdAt: undefined }, { ...runInit("TrainFlow"), originRun: "4", run: "1", createdAt: undefined });
        assert.ok(Date.parse(run.createdAt) >= before - 1000 && Date.parse(run.createdAt) <= Date.now() + 1000, run.createdAt);
        assert.deepEqual(await meta.getRun("TrainFlow", "1"), run);
      });

      it("listRuns never fails while runs are being created", async () => {
        for (let round = 0; round < 10; round++) {
          const creating = Promise.all([meta.createRun(runInit("RaceFlow")), meta.createRun(runInit("RaceFlow"))]);
          const listed = await Promise.allSettled([meta.listRuns("RaceFlow"), meta.listRuns("RaceFlow")]);
          await creating;
          const failed = listed.find((r) => r.status === "rejected");
          assert.equal(failed, undefined, `round ${round}: ${(failed as PromiseRejectedResult | undefined)?.reason}`);
        }
        assert.equal((await meta.listRuns("RaceFlow")).length, 20);
      });

      it("getRun and getRunState return undefined for a run that does not exist", async () => {
        assert.equal(await meta.getRun("TrainFlow", "99"), undefined);
        assert.equal(await meta.getRunState("TrainFlow", "99"), undefined);
      });

      it("getRunState is undefined until the runner reports a state", async () => {
        await meta.createRun(runInit("TrainFlow"));
        assert.equal(await meta.getRunState("TrainFlow", "1"), undefined);
      });

      it("setRunState replaces the state getRunState returns", async () => {
        await meta.createRun(runInit("TrainFlow"));
        await meta.setRunState("TrainFlow", "1", { status: "running", runner: { host: "box", pid: 42 } });
        assert.deepEqual(await meta.getRunState("TrainFlow", "1"), { status: "running", runner: { host: "box", pid: 42 } });
        await meta.setRunState("TrainFlow", "1", { status: "failed", finishedAt: "2024-01-01T00:00:00.000Z", reason: "train failed" });
        assert.deepEqual(await meta.getRunState("TrainFlow", "1"), { status: "failed", finishedAt: "2024-01-01T00:00:00.000Z", reason: "train failed" });
      });

      it("listRuns returns runs newest first, by number", async () => {
        for (let i = 0; i < 11; i++) await meta.createRun(runInit("TrainFlow"));
        assert.deepEqual((await meta.listRuns("TrainFlow")).map((r) => r.run), ["11", "10", "9", "8", "7", "6", "5", "4", "3", "2", "1"]);
      });

      it("listRuns of an unknown flow is empty", async () => {
        assert.deepEqual(await meta.listRuns("NoSuchFlow"), []);
      });
    });

    it("listFlows lists the flows with runs, sorted", async () => {
      await meta.createRun(runInit("ZetaFlow"));
      await meta.createRun(runInit("AlphaFlow"));
      assert.deepEqual(await meta.listFlows(), ["AlphaFlow", "ZetaFlow"]);
    });

    it("listFlows is empty when nothing ran", async () => {
      assert.deepEqual(await meta.listFlows(), []);
    });

    it("listSteps lists the steps that have registered tasks", async () => {
      await meta.createRun(runInit("TrainFlow"));
      for (const step of ["start", "train", "end"]) await meta.registerTask(taskRecord({ flow: "TrainFlow", run: "1", step, task: "1" }));
      assert.deepEqual((await meta.listSteps("TrainFlow", "1")).sort(), ["end", "start", "train"]);
    });

    it("listSteps of an unknown run is empty", async () => {
      assert.deepEqual(await meta.listSteps("TrainFlow", "7"), []);
    });

    describe("tasks", () => {
      const step = { flow: "TrainFlow", run: "1", step: "train" };
      beforeEach(async () => {
        await meta.createRun(runInit("TrainFlow"));
      });

      it("registerTask records a task getTask returns", async () => {
        const record: TaskRecord = { ...step, task: "4", createdAt: "2024-02-02T00:00:00.000Z", foreachStack: [{ step: "start", task: "1", index: 3, numSplits: 5 }], origin: "TrainFlow/0/train/4" };
        await meta.registerTask(record);
        assert.deepEqual(await meta.getTask({ ...step, task: "4" }), record);
        assert.equal(await meta.getTask({ ...step, task: "5" }), undefined);
      });

      it("registering a task again replaces its record", async () => {
        await meta.registerTask(taskRecord({ ...step, task: "4" }));
        const again: TaskRecord = { ...taskRecord({ ...step, task: "4" }), createdAt: "2025-01-01T00:00:00.000Z", origin: "TrainFlow/0/train/9" };
        await meta.registerTask(again);
        assert.deepEqual(await meta.getTask({ ...step, task: "4" }), again);
      });

      it("listTasks returns the step's tasks sorted numerically", async () => {
        for (const task of ["10", "2", "1", "33", "9"]) await meta.registerTask(taskRecord({ ...step, task }));
        assert.deepEqual((await meta.listTasks("TrainFlow", "1", "train")).map((t) => t.task), ["1", "2", "9", "10", "33"]);
      });

      it("listTasks orders foreach task ids part by part: 2-9 before 2-10", async () => {
        for (const task of ["2-10", "10-0", "2-9", "0", "2-9-1"]) await meta.registerTask(taskRecord({ ...step, task }));
        assert.deepEqual((await meta.listTasks("TrainFlow", "1", "train")).map((t) => t.task), ["0", "2-9", "2-9-1", "2-10", "10-0"]);
      });

      it("listTasks of an unknown step is empty", async () => {
        assert.deepEqual(await meta.listTasks("TrainFlow", "1", "nope"), []);
      });
    });

    describe("attempts", () => {
      const ref: TaskRef = { flow: "TrainFlow", run: "1", step: "train", task: "2" };
      beforeEach(async () => {
        await meta.createRun(runInit("TrainFlow"));
      });

      it("listAttempts merges each attempt's start and finish records, in order", async () => {
        const start0: AttemptRecord = { attempt: 0, startedAt: "2024-01-01T00:00:00.000Z", info: { retry: { times: 2 } } };
        const end0: AttemptRecord = { attempt: 0, startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:01:00.000Z", ok: false, exception: { type: "Error", message: "boom" } };
        const start1: AttemptRecord = { attempt: 1, startedAt: "2024-01-01T00:02:00.000Z" };
        await meta.startAttempt(ref, start0);
        await meta.finishAttempt(ref, end0);
        await meta.startAttempt(ref, start1);
        assert.deepEqual(await meta.listAttempts(ref), [{ ...start0, ...end0 }, start1]);
      });

      it("listAttempts orders attempts numerically", async () => {
        for (const attempt of [10, 2, 0, 1]) await meta.startAttempt(ref, { attempt, startedAt: "2024-01-01T00:00:00.000Z" });
        assert.deepEqual((await meta.listAttempts(ref)).map((a) => a.attempt), [0, 1, 2, 10]);
      });

      it("an attempt that only finished (never started) is not listed", async () => {
        await meta.finishAttempt(ref, { attempt: 0, startedAt: "2024-01-01T00:00:00.000Z", ok: false });
        assert.deepEqual(await meta.listAttempts(ref), []);
      });

      it("listAttempts of a task with no attempts is empty", async () => {
        assert.deepEqual(await meta.listAttempts(ref), []);
      });
    });

    describe("artifacts and task metadata", () => {
      const ref: TaskRef = { flow: "TrainFlow", run: "1", step: "train", task: "2" };
      const artifact = (attempt: number, name: string, c: string): ArtifactMetadata => ({ attempt, name, sha: sha(c), type: "number", size: 8, location: `TrainFlow/data/${c}${c}/${sha(c)}` });
      beforeEach(async () => {
        await meta.createRun(runInit("TrainFlow"));
        await meta.registerTask(taskRecord(ref));
      });

      const attempt = (n: number): AttemptRecord => ({ attempt: n, startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:01:00.000Z", ok: true });
      const info = ({ attempt: _n, ...rest }: ArtifactMetadata) => rest;

      it("finishAttempt records the attempt's artifacts; listArtifacts returns them by attempt, then name", async () => {
        await meta.finishAttempt(ref, attempt(1), [artifact(1, "model", "b"), artifact(1, "alpha", "c")].map(info));
        await meta.finishAttempt(ref, attempt(0), [info(artifact(0, "model", "a"))]);
        assert.deepEqual(await meta.listArtifacts(ref), [artifact(0, "model", "a"), artifact(1, "alpha", "c"), artifact(1, "model", "b")]);
      });

      it("finishing an attempt again replaces the artifacts it names and keeps the others", async () => {
        await meta.finishAttempt(ref, attempt(0), [artifact(0, "model", "a"), artifact(0, "score", "e")].map(info));
        await meta.finishAttempt(ref, attempt(0), [info({ ...artifact(0, "model", "d"), size: 2 ** 40 })]);
        assert.deepEqual(await meta.listArtifacts(ref), [{ ...artifact(0, "model", "d"), size: 2 ** 40 }, artifact(0, "score", "e")]);
      });

      it("listArtifacts of a task with none is empty", async () => {
        await meta.finishAttempt(ref, attempt(0));
        assert.deepEqual(await meta.listArtifacts(ref), []);
        assert.deepEqual(await meta.listArtifacts({ ...ref, task: "99" }), []);
      });

      it("startAttempt records facts; listMetadata returns them by attempt, then field, a repeated field replacing the value", async () => {
        await meta.startAttempt(ref, { attempt: 1, startedAt: "2024-01-01T00:00:00.000Z" }, [{ field: "pid", value: "20", type: "runtime" }]);
        await meta.startAttempt(ref, { attempt: 0, startedAt: "2024-01-01T00:00:00.000Z" }, [
          { field: "pid", value: "10", type: "runtime" },
          { field: "host", value: "box", type: "runtime" },
        ]);
        await meta.startAttempt(ref, { attempt: 1, startedAt: "2024-01-01T00:00:00.000Z" }, [{ field: "pid", value: "21", type: "runtime" }]);
        assert.deepEqual(await meta.listMetadata(ref), [
          { attempt: 0, field: "host", value: "box", type: "runtime" },
          { attempt: 0, field: "pid", value: "10", type: "runtime" },
          { attempt: 1, field: "pid", value: "21", type: "runtime" },
        ]);
      });

      it("facts and artifacts are not part of the attempt records", async () => {
        await meta.startAttempt(ref, { attempt: 0, startedAt: "2024-01-01T00:00:00.000Z" }, [{ field: "pid", value: "10", type: "runtime" }]);
        await meta.finishAttempt(ref, attempt(0), [info(artifact(0, "model", "a"))]);
        assert.deepEqual(await meta.listAttempts(ref), [attempt(0)]);
      });
    });

    chosenRunIdCases(() => meta);
    launchCases(() => meta);
    tagCases(() => meta);
    reportCases(() => meta);

    describe("heartbeats", () => {
      const wait = () => sleep(CONTRACT_HEARTBEAT_TIMEOUT_MS + 400);
      beforeEach(async () => {
        await meta.createRun(runInit("TrainFlow"));
      });

      it("a running run without heartbeats past the timeout reads back as failed, saying why", async () => {
        await meta.setRunState("TrainFlow", "1", { status: "running" });
        await wait();
        const state = await meta.getRunState("TrainFlow", "1");
        assert.equal(state?.status, "failed");
        assert.match(state?.reason ?? "", /stopped sending heartbeats/);
        assert.ok(state?.finishedAt && Date.now() - Date.parse(state.finishedAt) >= CONTRACT_HEARTBEAT_TIMEOUT_MS, state?.finishedAt);
      });

      it("run and task heartbeats keep a run running past the timeout", async () => {
        await meta.setRunState("TrainFlow", "1", { status: "running" });
        const ref: TaskRef = { flow: "TrainFlow", run: "1", step: "start", task: "1" };
        await meta.registerTask(taskRecord(ref));
        for (let i = 0; i < 6; i++) {
          await sleep(CONTRACT_HEARTBEAT_TIMEOUT_MS / 4);
          await meta.heartbeat(i % 2 ? ref : { flow: "TrainFlow", run: "1" });
        }
        assert.equal((await meta.getRunState("TrainFlow", "1"))?.status, "running");
      });

      it("a finished run stays as it finished, heartbeats or not", async () => {
        await meta.setRunState("TrainFlow", "1", { status: "succeeded", finishedAt: "2024-01-01T00:00:00.000Z" });
        await wait();
        assert.deepEqual(await meta.getRunState("TrainFlow", "1"), { status: "succeeded", finishedAt: "2024-01-01T00:00:00.000Z" });
      });
    });
  });
}
