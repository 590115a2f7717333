import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, beforeEach, describe, it } from "node:test";
import { layout, type TaskRef } from "../../datastore/layout.ts";
import { LocalBackend } from "../../datastore/local/local-backend.ts";
import { CONTRACT_HEARTBEAT_TIMEOUT_MS, metadataProviderContract } from "../provider-contract.ts";
import type { RunRecord, TaskRecord } from "../types.ts";
import { LocalMetadata } from "./local-metadata.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const runInit = (flow: string): Omit<RunRecord, "run" | "createdAt"> => ({ flow, user: "ada", tags: ["exp"], systemTags: ["user:ada", "runtime:local"] });
const taskRecord = (ref: TaskRef): TaskRecord => ({ ...ref, createdAt: "2024-01-01T00:00:00.000Z", foreachStack: [] });

metadataProviderContract("LocalMetadata", async () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-local-meta-"));
  return { meta: new LocalMetadata(new LocalBackend(dir), CONTRACT_HEARTBEAT_TIMEOUT_MS), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

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

  it("createRun continues after the highest id, past 9", async () => {
    await backend.putBytes([{ key: "TrainFlow/9/_meta/run.json", data: bytes("{}") }, { key: "TrainFlow/10/_meta/run.json", data: bytes("{}") }]);
    assert.equal((await meta.createRun(runInit("TrainFlow"))).run, "11");
  });

  it("createRun allocates past numeric folders only: chosen ids and data/code folders take no number", async () => {
    await meta.createRun({ ...runInit("TrainFlow"), run: "argo-99" });
    await backend.putBytes([{ key: "TrainFlow/data/ab/abcdef", data: bytes("blob") }, { key: "TrainFlow/4/start/1/0.done.json", data: bytes("{}") }]);
    assert.equal((await meta.createRun(runInit("TrainFlow"))).run, "5");
  });

  it("listRuns lists folders with a run record, whatever their id, newest first and by id within one millisecond", async () => {
    const record = (run: string, createdAt: string) => ({ key: `TrainFlow/${run}/_meta/run.json`, data: bytes(JSON.stringify({ ...runInit("TrainFlow"), run, createdAt })) });
    const t0 = "2024-01-01T00:00:00.000Z";
    await backend.putBytes([record("9", t0), record("10", t0), record("argo-x", "2024-01-02T00:00:00.000Z"), record("run.5", t0)]);
    await backend.putBytes([
      { key: "TrainFlow/data/ab/abcdef", data: bytes("blob") },
      { key: "TrainFlow/code/abc/flow.mjs", data: bytes("code") },
      { key: "TrainFlow/argo-y/start/1/0.done.json", data: bytes("{}") },
      { key: "TrainFlow/notes.txt", data: bytes("a file beside the runs") },
    ]);
    assert.deepEqual((await meta.listRuns("TrainFlow")).map((r) => r.run), ["argo-x", "run.5", "10", "9"]);
  });

  it("listFlows ignores folders without run records and files at the datastore root", async () => {
    await meta.createRun(runInit("TrainFlow"));
    await backend.putBytes([
      { key: "DataOnlyFlow/data/ab/abcdef", data: bytes("blob") },
      { key: "DataOnlyFlow/code/abc/flow.mjs", data: bytes("code") },
      { key: ".DS_Store", data: bytes("finder") },
      // A run the metadata service recorded: its task files are here, its run record is not.
      { key: "ServiceFlow/1/start/1/0.done.json", data: bytes("{}") },
    ]);
    assert.deepEqual(await meta.listFlows(), ["TrainFlow"]);
  });

  it("listSteps excludes _-prefixed names beside the steps", async () => {
    await meta.createRun(runInit("TrainFlow"));
    await backend.putBytes([{ key: layout.runSpec("TrainFlow", "1"), data: bytes("{}") }]);
    await meta.registerTask(taskRecord({ flow: "TrainFlow", run: "1", step: "start", task: "1" }));
    assert.deepEqual(await meta.listSteps("TrainFlow", "1"), ["start"]);
  });

  it("listTasks skips a task folder without a task record", async () => {
    const step = { flow: "TrainFlow", run: "1", step: "train" };
    await meta.registerTask(taskRecord({ ...step, task: "1" }));
    await backend.putBytes([{ key: `${layout.task({ ...step, task: "2" })}/0.stdout`, data: bytes("log") }]);
    assert.deepEqual((await meta.listTasks("TrainFlow", "1", "train")).map((t) => t.task), ["1"]);
  });
});

describe("LocalMetadata with partial records", () => {
  it("lists a task folder with an attempt but no task.json as an unfinished task", async () => {
    const metadata = new LocalMetadata(new LocalBackend(mkdtempSync(join(tmpdir(), "weft-partial-"))));
    const at = "2026-01-01T00:00:00.000Z";
    const lost = { flow: "F", run: "1", step: "a", task: "0" };
    await metadata.startAttempt(lost, { attempt: 0, startedAt: at });
    const registered = { ...lost, task: "1" };
    await metadata.registerTask({ ...registered, createdAt: at, foreachStack: [] });
    const tasks = await metadata.listTasks("F", "1", "a");
    assert.deepEqual(tasks.map((t) => t.task), ["0", "1"]);
    assert.equal(tasks[0]!.createdAt, at);
    assert.equal(await metadata.getTask(lost), undefined, "getTask stays the registration, which a retry checks");
    assert.deepEqual((await metadata.listAttempts(lost)).map((a) => a.ok), [undefined]);
  });
});

describe("LocalMetadata's attempt files", () => {
  const dirs: string[] = [];
  const tempRoot = (name: string) => dirs[dirs.push(mkdtempSync(join(tmpdir(), name))) - 1]!;
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const ref: TaskRef = { flow: "F", run: "1", step: "train", task: "0" };
  const at = "2026-01-01T00:00:00.000Z";
  const artifact = { name: "model", sha: "a".repeat(64), type: "number", size: 8, location: `F/data/aa/${"a".repeat(64)}` };
  const facts = [{ field: "host", value: "box", type: "runtime" }];

  it("reads the layout older versions wrote: task.json, and facts and artifacts in files of their own", async () => {
    const backend = new LocalBackend(tempRoot("weft-old-layout-"));
    const file = (name: string, value: unknown) => ({ key: `${layout.task(ref)}/_meta/${name}`, data: bytes(JSON.stringify(value)) });
    await backend.putBytes([
      file("task.json", taskRecord(ref)),
      file("0.start.json", { attempt: 0, startedAt: at }),
      file("0.metadata.json", facts.map((f) => ({ attempt: 0, ...f }))),
      file("0.end.json", { attempt: 0, startedAt: at, finishedAt: at, ok: true }),
      file("0.artifacts.json", [{ attempt: 0, ...artifact }]),
    ]);
    const meta = new LocalMetadata(backend);
    assert.deepEqual(await meta.getTask(ref), taskRecord(ref));
    assert.deepEqual(await meta.listTasks("F", "1", "train"), [taskRecord(ref)]);
    assert.deepEqual(await meta.listAttempts(ref), [{ attempt: 0, startedAt: at, finishedAt: at, ok: true }]);
    assert.deepEqual(await meta.listMetadata(ref), [{ attempt: 0, ...facts[0]! }]);
    assert.deepEqual(await meta.listArtifacts(ref), [{ attempt: 0, ...artifact }]);
  });

  it("records a launched attempt whole in one write at its start and one at its end, reading nothing", async () => {
    const backend = new LocalBackend(tempRoot("weft-launch-writes-"));
    const calls: string[] = [];
    const counted = new Proxy(backend, {
      get: (target, name, receiver) => {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(`${String(name)}${Array.isArray(args[0]) ? ` ×${args[0].length}` : ""}`);
          return value.apply(target, args);
        };
      },
    });
    const meta = new LocalMetadata(counted);
    await meta.startAttempt(ref, { attempt: 0, startedAt: at }, facts, { whole: true, task: taskRecord(ref) });
    await meta.finishAttempt(ref, { attempt: 0, startedAt: at, finishedAt: at, ok: true }, [artifact], { whole: true });
    assert.deepEqual(calls, ["putBytes ×1", "putBytes ×1"]);
    assert.deepEqual(await meta.listArtifacts(ref), [{ attempt: 0, ...artifact }]);
  });
});
