import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { layout, type TaskRef } from "../../datastore/layout.ts";
import { LocalBackend } from "../../datastore/local/local-backend.ts";
import type { AttemptRecord, RunRecord, TaskRecord } from "../types.ts";
import { LocalMetadata } from "./local-metadata.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const runInit = (flow: string): Omit<RunRecord, "run" | "createdAt"> => ({ flow, user: "ada", tags: ["exp"], systemTags: ["user:ada", "runtime:local"] });
const taskRecord = (ref: TaskRef): TaskRecord => ({ ...ref, createdAt: "2024-01-01T00:00:00.000Z", foreachStack: [] });

describe("LocalMetadata", () => {
  let dir: string;
  let backend: LocalBackend;
  let meta: LocalMetadata;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "weft-local-meta-"));
    backend = new LocalBackend(dir);
    meta = new LocalMetadata(backend);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("has kind local", () => {
    assert.equal(meta.kind, "local");
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

    it("createRun continues after the highest id, past 9", async () => {
      await backend.putBytes([{ key: "TrainFlow/9/_meta/run.json", data: bytes("{}") }, { key: "TrainFlow/10/_meta/run.json", data: bytes("{}") }]);
      assert.equal((await meta.createRun(runInit("TrainFlow"))).run, "11");
    });

    it("10 concurrent createRun calls get 10 distinct ids, 1 to 10", async () => {
      const runs = await Promise.all(Array.from({ length: 10 }, () => meta.createRun(runInit("TrainFlow"))));
      assert.deepEqual(runs.map((r) => Number(r.run)).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it("createRun returns and records the run with its creation time", async () => {
      const before = Date.now();
      const run = await meta.createRun({ ...runInit("TrainFlow"), originRun: "4" });
      assert.deepEqual({ ...run, createdAt: undefined }, { ...runInit("TrainFlow"), originRun: "4", run: "1", createdAt: undefined });
      assert.ok(Date.parse(run.createdAt) >= before - 1000 && Date.parse(run.createdAt) <= Date.now());
      assert.deepEqual(await meta.getRun("TrainFlow", "1"), run);
    });

    it("listRuns never fails while runs are being created", async () => {
      for (let round = 0; round < 15; round++) {
        const creating = Promise.all([meta.createRun(runInit("RaceFlow")), meta.createRun(runInit("RaceFlow"))]);
        const listed = await Promise.allSettled([meta.listRuns("RaceFlow"), meta.listRuns("RaceFlow"), meta.listRuns("RaceFlow")]);
        await creating;
        const failed = listed.find((r) => r.status === "rejected");
        assert.equal(failed, undefined, `round ${round}: ${(failed as PromiseRejectedResult | undefined)?.reason}`);
      }
      assert.equal((await meta.listRuns("RaceFlow")).length, 30);
    });

    it("getRun and getRunState return undefined for a run that does not exist", async () => {
      assert.equal(await meta.getRun("TrainFlow", "99"), undefined);
      assert.equal(await meta.getRunState("TrainFlow", "99"), undefined);
    });

    it("setRunState replaces the state getRunState returns", async () => {
      await meta.createRun(runInit("TrainFlow"));
      await meta.setRunState("TrainFlow", "1", { status: "running" });
      assert.deepEqual(await meta.getRunState("TrainFlow", "1"), { status: "running" });
      await meta.setRunState("TrainFlow", "1", { status: "failed", finishedAt: "2024-01-01T00:00:00.000Z", reason: "train failed" });
      assert.deepEqual(await meta.getRunState("TrainFlow", "1"), { status: "failed", finishedAt: "2024-01-01T00:00:00.000Z", reason: "train failed" });
    });

    it("setTags replaces the user tags and leaves the system tags", async () => {
      await meta.createRun(runInit("TrainFlow"));
      await meta.setTags("TrainFlow", "1", ["best", "v2"]);
      const run = await meta.getRun("TrainFlow", "1");
      assert.deepEqual(run?.tags, ["best", "v2"]);
      assert.deepEqual(run?.systemTags, ["user:ada", "runtime:local"]);
      await meta.setTags("TrainFlow", "1", []);
      assert.deepEqual((await meta.getRun("TrainFlow", "1"))?.tags, []);
    });

    it("listRuns returns runs newest first, by number", async () => {
      for (let i = 0; i < 11; i++) await meta.createRun(runInit("TrainFlow"));
      assert.deepEqual((await meta.listRuns("TrainFlow")).map((r) => r.run), ["11", "10", "9", "8", "7", "6", "5", "4", "3", "2", "1"]);
    });

    it("listRuns of an unknown flow is empty", async () => {
      assert.deepEqual(await meta.listRuns("NoSuchFlow"), []);
    });
  });

  it("listFlows lists only flows with runs, sorted", async () => {
    await meta.createRun(runInit("ZetaFlow"));
    await meta.createRun(runInit("AlphaFlow"));
    await backend.putBytes([
      { key: "DataOnlyFlow/data/ab/abcdef", data: bytes("blob") },
      { key: "DataOnlyFlow/code/abc/flow.mjs", data: bytes("code") },
    ]);
    assert.deepEqual(await meta.listFlows(), ["AlphaFlow", "ZetaFlow"]);
  });

  it("listFlows ignores a file at the datastore root", async () => {
    await meta.createRun(runInit("TrainFlow"));
    await backend.putBytes([{ key: ".DS_Store", data: bytes("finder") }, { key: "README.txt", data: bytes("notes") }]);
    assert.deepEqual(await meta.listFlows(), ["TrainFlow"]);
  });

  it("listFlows is empty for an empty datastore", async () => {
    assert.deepEqual(await meta.listFlows(), []);
  });

  it("listSteps lists the run's steps and excludes _-prefixed names", async () => {
    await meta.createRun(runInit("TrainFlow"));
    await backend.putBytes([{ key: layout.runSpec("TrainFlow", "1"), data: bytes("{}") }]);
    for (const step of ["start", "train", "end"]) await meta.registerTask(taskRecord({ flow: "TrainFlow", run: "1", step, task: "1" }));
    assert.deepEqual((await meta.listSteps("TrainFlow", "1")).sort(), ["end", "start", "train"]);
  });

  describe("tasks", () => {
    const step = { flow: "TrainFlow", run: "1", step: "train" };

    it("registerTask records a task getTask returns", async () => {
      const record: TaskRecord = { ...step, task: "4", createdAt: "2024-02-02T00:00:00.000Z", foreachStack: [{ step: "start", task: "1", index: 3, numSplits: 5 }], origin: "TrainFlow/0/train/4" };
      await meta.registerTask(record);
      assert.deepEqual(await meta.getTask({ ...step, task: "4" }), record);
      assert.equal(await meta.getTask({ ...step, task: "5" }), undefined);
    });

    it("listTasks returns the step's tasks sorted numerically", async () => {
      for (const task of ["10", "2", "1", "33", "9"]) await meta.registerTask(taskRecord({ ...step, task }));
      assert.deepEqual((await meta.listTasks("TrainFlow", "1", "train")).map((t) => t.task), ["1", "2", "9", "10", "33"]);
    });

    it("listTasks skips a task folder without a task record", async () => {
      await meta.registerTask(taskRecord({ ...step, task: "1" }));
      await backend.putBytes([{ key: `${layout.task({ ...step, task: "2" })}/0.stdout`, data: bytes("log") }]);
      assert.deepEqual((await meta.listTasks("TrainFlow", "1", "train")).map((t) => t.task), ["1"]);
    });

    it("listTasks of an unknown step is empty", async () => {
      assert.deepEqual(await meta.listTasks("TrainFlow", "1", "nope"), []);
    });
  });

  describe("attempts", () => {
    const ref: TaskRef = { flow: "TrainFlow", run: "1", step: "train", task: "2" };

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

    it("listAttempts of a task with no attempts is empty", async () => {
      assert.deepEqual(await meta.listAttempts(ref), []);
    });
  });
});
