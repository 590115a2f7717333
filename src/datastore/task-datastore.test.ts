import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { WeftError } from "../errors/weft-error.ts";
import { ContentStore, MAX_STORED_BYTES } from "./content-store.ts";
import { layout, type TaskRef } from "./layout.ts";
import { LocalBackend } from "./local/local-backend.ts";
import { ArtifactReader, TaskDatastore, type TaskData } from "./task-datastore.ts";

const REF: TaskRef = { flow: "TrainFlow", run: "7", step: "train", task: "3" };

function isWeftError(code: string, pattern?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${err}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

describe("TaskDatastore", () => {
  let dir: string;
  let backend: LocalBackend;
  let content: ContentStore;
  let task: TaskDatastore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "weft-task-ds-"));
    backend = new LocalBackend(dir);
    content = new ContentStore(backend, layout.contentPrefix(REF.flow));
    task = new TaskDatastore(backend, content, REF);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const finish = async (attempt: number, values: Record<string, unknown>, extra: Partial<TaskData> = {}) => {
    const artifacts = await task.saveArtifacts(new Map(Object.entries(values)));
    await task.finishAttempt(attempt, { artifacts, next: ["end"], foreachStack: [], ...extra });
    return artifacts;
  };
  const blobPath = (sha: string) => backend.localPath(content.keyOf(sha));

  it("has the task's pathspec", () => {
    assert.equal(task.pathspec, "TrainFlow/7/train/3");
  });

  it("saveArtifacts returns a record per value with its sha, serializer, type and size", async () => {
    const records = await task.saveArtifacts(new Map<string, unknown>([["counts", new Map([["a", 1]])], ["rows", [1, 2, 3]], ["alpha", 0.5]]));
    assert.deepEqual(Object.keys(records), ["counts", "rows", "alpha"]);
    assert.deepEqual(
      Object.values(records).map((r) => [r.serializer, r.type]),
      [["v8", "Map"], ["v8", "Array"], ["v8", "number"]],
    );
    for (const r of Object.values(records)) {
      assert.match(r.sha, /^[0-9a-f]{64}$/);
      assert.ok(r.size > 0);
    }
  });

  it("saveArtifacts gives equal values the same sha", async () => {
    const first = await task.saveArtifacts(new Map([["x", { a: [1, 2] }], ["y", { a: [1, 2] }]]));
    const second = await task.saveArtifacts(new Map([["x", { a: [1, 2] }]]));
    assert.equal(first.x!.sha, first.y!.sha);
    assert.equal(first.x!.sha, second.x!.sha);
  });

  it("saveArtifacts rejects an unserializable value and stores nothing", async () => {
    await assert.rejects(
      task.saveArtifacts(new Map<string, unknown>([["ok", 1], ["model", { fit() {} }]])),
      isWeftError("ARTIFACT_UNSERIALIZABLE", /"model"/),
    );
    assert.deepEqual(await backend.list(`${layout.contentPrefix(REF.flow)}/`), []);
  });

  it("saveArtifacts, finishAttempt and readDone round-trip the values and the task data", async () => {
    const values = { counts: new Map([["cat", 2]]), when: new Date("2024-01-01T00:00:00Z"), big: 10n ** 20n, text: "hi" };
    const artifacts = await finish(0, values, { next: ["join"], foreach: { field: "items", numSplits: 4 } });
    const reader = await task.readDone();
    assert.equal(reader.pathspec, "TrainFlow/7/train/3");
    const { finishedAt, ...data } = reader.data as TaskData & { finishedAt?: string };
    assert.match(finishedAt ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(data, { artifacts, next: ["join"], foreach: { field: "items", numSplits: 4 }, foreachStack: [] });
    for (const [name, value] of Object.entries(values)) assert.deepEqual(reader.loadSync(name), value);
    assert.equal(reader.has("counts"), true);
    assert.equal(reader.has("missing"), false);
  });

  it("doneAttempt is undefined before any attempt finished", async () => {
    assert.equal(await task.doneAttempt(), undefined);
    await task.startAttempt({ attempt: 0, startedAt: new Date().toISOString(), pid: 1 });
    assert.equal(await task.doneAttempt(), undefined);
  });

  it("doneAttempt picks the highest attempt with a done marker, by number", async () => {
    await finish(2, { v: 2 });
    await finish(10, { v: 10 });
    await finish(9, { v: 9 });
    await task.startAttempt({ attempt: 11, startedAt: new Date().toISOString(), pid: 1 });
    await backend.putBytes([{ key: layout.attemptFile(REF, 11, "stdout"), data: new TextEncoder().encode("still running") }]);
    assert.equal(await task.doneAttempt(), 10);
    assert.equal((await task.readDone()).loadSync("v"), 10);
  });

  it("an attempt whose artifacts are saved but whose done marker is not written is not done", async () => {
    await task.startAttempt({ attempt: 0, startedAt: new Date().toISOString(), pid: 1 });
    await task.saveArtifacts(new Map([["v", 1]]));
    assert.equal(await task.doneAttempt(), undefined);
    await assert.rejects(task.readDone(), isWeftError("NOT_FOUND", /TrainFlow\/7\/train\/3 has not finished/));
  });

  it("readDone reads the latest finished attempt, not an earlier one", async () => {
    await finish(0, { v: "first" });
    await finish(1, { v: "second" });
    assert.equal((await task.readDone()).loadSync("v"), "second");
  });

  it("readDone asks for the first attempt's done marker without waiting for the listing: one round trip less", async () => {
    await finish(0, { v: "first" });
    const events: string[] = [];
    const watched = Object.create(backend, {
      list: { value: async (prefix: string) => (events.push("list asked"), await backend.list(prefix).finally(() => events.push("list answered"))) },
      getBytes: { value: (keys: string[]) => (events.push(`get ${keys.map((k) => k.split("/").pop()).join(" ")}`), backend.getBytes(keys)) },
    }) as LocalBackend;
    const reader = await new TaskDatastore(watched, content, REF).readDone();
    assert.equal(reader.loadSync("v"), "first");
    assert.deepEqual(events, ["list asked", "get 0.done.json", "list answered"]);
  });

  it("readDone of a task known to have one attempt reads its done marker alone, and lists the attempts only without one", async () => {
    const events: string[] = [];
    const watched = Object.create(backend, {
      list: { value: (prefix: string) => (events.push("list"), backend.list(prefix)) },
      getBytes: { value: (keys: string[]) => (events.push(`get ${keys.map((k) => k.split("/").pop()).join(" ")}`), backend.getBytes(keys)) },
    }) as LocalBackend;
    await finish(0, { v: "first" });
    assert.equal((await new TaskDatastore(watched, content, REF).readDone(true)).loadSync("v"), "first");
    assert.deepEqual(events.splice(0), ["get 0.done.json"]);
    unlinkSync(join(dir, layout.attemptFile(REF, 0, "done.json")));
    await finish(1, { v: "second" });
    assert.equal((await new TaskDatastore(watched, content, REF).readDone(true)).loadSync("v"), "second");
    assert.deepEqual(events.sort(), ["get 0.done.json", "get 0.done.json", "get 1.done.json", "list"]);
  });

  it("attempts lists every attempt that left a start marker, output or a done marker, in numeric order", async () => {
    for (const attempt of [10, 0, 2]) await task.startAttempt({ attempt, startedAt: "2024-01-01T00:00:00.000Z", pid: 100 + attempt });
    await backend.putBytes([{ key: layout.attemptFile(REF, 1, "stderr"), data: new TextEncoder().encode("out") }, { key: layout.attemptFile(REF, 3, "done.json"), data: new TextEncoder().encode("{}") }]);
    assert.deepEqual(await task.attempts(), [0, 1, 2, 3, 10]);
  });

  it("startAttempt records the attempt's info", async () => {
    const info = { attempt: 3, startedAt: "2024-05-06T07:08:09.000Z", pid: 4242 };
    await task.startAttempt(info);
    const [bytes] = await backend.getBytes([layout.attemptFile(REF, 3, "attempt.json")]);
    assert.deepEqual(JSON.parse(Buffer.from(bytes!).toString()), info);
  });

  it("readData of an attempt without an index fails with NOT_FOUND", async () => {
    await assert.rejects(task.readData(4), isWeftError("NOT_FOUND", /attempt 4/));
  });

  describe("ArtifactReader.loadSync", () => {
    it("reads only the blob asked for", async () => {
      const artifacts = await finish(0, { a: "alpha", b: "beta" });
      unlinkSync(blobPath(artifacts.a!.sha));
      const reader = await task.readDone();
      assert.equal(reader.loadSync("b"), "beta");
      assert.throws(() => reader.loadSync("a"), isWeftError("NOT_FOUND", /Artifact "a" of TrainFlow\/7\/train\/3/));
    });

    it("caches a value: the second read returns the same object without touching storage", async () => {
      const artifacts = await finish(0, { table: { rows: [1, 2, 3] } });
      const reader = await task.readDone();
      const first = reader.loadSync("table");
      unlinkSync(blobPath(artifacts.table!.sha));
      assert.equal(reader.loadSync("table"), first);
    });

    it("fails with NOT_FOUND for a name the task did not save, listing the names it has", async () => {
      await finish(0, { x: 1, y: 2 });
      const reader = await task.readDone();
      assert.throws(
        () => reader.loadSync("z"),
        (err: unknown) => isWeftError("NOT_FOUND", /no artifact "z"/)(err) && /x, y/.test((err as WeftError).hint ?? ""),
      );
    });

    it("fails with DATASTORE for an artifact saved by a serializer that is not registered", async () => {
      const artifacts = await task.saveArtifacts(new Map([["m", 1]]));
      const reader = new ArtifactReader(content, "TrainFlow/7/train/3", {
        artifacts: { m: { ...artifacts.m!, serializer: "arrow-not-here" } },
        next: [],
        foreachStack: [],
      });
      assert.throws(() => reader.loadSync("m"), isWeftError("DATASTORE", /"arrow-not-here"/));
    });
  });
});

describe("TaskDatastore size limit", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "weft-task-limit-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const taskWithLimit = (maxStoredBytes?: number) => {
    const backend = new LocalBackend(dir);
    return { backend, task: new TaskDatastore(backend, new ContentStore(backend, layout.contentPrefix(REF.flow), { maxStoredBytes }), REF) };
  };
  // A Uint8Array is stored as a codec byte, a 7-byte header and its bytes.
  const storedSize = (n: number) => 1 + 7 + n;

  it("saves and reads back a value whose stored blob is exactly the limit", async () => {
    const { task } = taskWithLimit(1000);
    const weights = new Uint8Array(1000 - storedSize(0)).map((_, i) => i * 7);
    const artifacts = await task.saveArtifacts(new Map([["weights", weights]]));
    await task.finishAttempt(0, { artifacts, next: ["end"], foreachStack: [] });
    assert.deepEqual((await task.readDone()).loadSync("weights"), weights);
  });

  it("refuses a value one byte over the limit with ARTIFACT_UNSERIALIZABLE naming it, its size and the limit, storing nothing", async () => {
    const { task, backend } = taskWithLimit(1000);
    const weights = new Uint8Array(1000 - storedSize(0) + 1);
    await assert.rejects(
      task.saveArtifacts(new Map<string, unknown>([["ok", 1], ["weights", weights]])),
      isWeftError("ARTIFACT_UNSERIALIZABLE", /Artifact "weights" \(Uint8Array, 1000 bytes serialized\).*at most 999 bytes/),
    );
    assert.deepEqual(await backend.list(`${layout.contentPrefix(REF.flow)}/`), []);
  });

  it("the real limit is 2^31 - 1 stored bytes, and a stored blob one byte larger cannot be read back", async () => {
    assert.equal(MAX_STORED_BYTES, 2 ** 31 - 1);
    const { backend } = taskWithLimit();
    mkdirSync(join(dir, "big"));
    // A sparse file: no disk is used, and the read is refused on its size before any allocation.
    writeFileSync(join(dir, "big", "over"), "");
    truncateSync(join(dir, "big", "over"), MAX_STORED_BYTES + 1);
    assert.throws(() => backend.getBytesSync("big/over"), { code: "ERR_FS_FILE_TOO_LARGE" });
    await assert.rejects(backend.getBytes(["big/over"]), { code: "ERR_FS_FILE_TOO_LARGE" });
  });

  it("reads back a stored blob of exactly 2^31 - 1 bytes", { skip: process.env.WEFT_TEST_LARGE ? false : "reads 2 GiB (several seconds); set WEFT_TEST_LARGE=1" }, () => {
    const { backend } = taskWithLimit();
    mkdirSync(join(dir, "big"));
    writeFileSync(join(dir, "big", "max"), "");
    truncateSync(join(dir, "big", "max"), MAX_STORED_BYTES);
    assert.equal(backend.getBytesSync("big/max")!.byteLength, MAX_STORED_BYTES);
  });

  for (const size of [2 ** 31, 2 ** 31 - 4]) {
    it(`refuses a Buffer of ${size} bytes before anything is stored, naming it`, async () => {
      const { task, backend } = taskWithLimit();
      // Buffer.alloc maps zeroed pages lazily: the check reads only the length, so this costs no memory.
      const blob = Buffer.alloc(size);
      await assert.rejects(task.saveArtifacts(new Map([["blob", blob]])), isWeftError("ARTIFACT_UNSERIALIZABLE", new RegExp(`Artifact "blob" \\(Buffer, ${size + 7} bytes serialized\\).*at most ${MAX_STORED_BYTES - 1} bytes`)));
      assert.deepEqual(await backend.list(`${layout.contentPrefix(REF.flow)}/`), []);
    });
  }
});
