// The client API reading a run recorded under an orchestrator's run id, with foreach
// task ids, straight from the metadata (as an Argo or Kubernetes run records it).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { resolveConfig } from "../config/resolve.ts";
import { LocalBackend } from "../datastore/local/local-backend.ts";
import { LocalMetadata } from "../metadata/local/local-metadata.ts";
import { Flow, Run, Task, useConfig } from "./index.ts";

describe("client API on chosen run ids and foreach task ids", () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weft-client-ids-"));
    const meta = new LocalMetadata(new LocalBackend(join(dir, ".weft", "datastore")));
    const run = "argo-train-x7k2p";
    await meta.createRun({ flow: "ArgoFlow", run, user: "tester", tags: [], systemTags: ["user:tester", "runtime:argo-workflows"] });
    for (const task of ["2-10", "0", "2-9"]) {
      const ref = { flow: "ArgoFlow", run, step: "train", task };
      await meta.registerTask({ ...ref, createdAt: "2024-01-01T00:00:00.000Z", foreachStack: [] });
      await meta.startAttempt(ref, { attempt: 0, startedAt: "2024-01-01T00:00:00.000Z" });
      await meta.finishAttempt(ref, { attempt: 0, startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:01:00.000Z", ok: true });
    }
    await meta.setRunState("ArgoFlow", run, { status: "succeeded", finishedAt: "2024-01-01T00:02:00.000Z" });
    useConfig(resolveConfig({ env: { WEFT_HOME: join(dir, ".weft"), USER: "tester" }, cwd: dir, userHome: dir }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("Run.get reads the run by its chosen id, and its tasks come in natural id order", async () => {
    const run = await Run.get("ArgoFlow/argo-train-x7k2p");
    assert.equal(run.id, "argo-train-x7k2p");
    assert.equal(run.pathspec, "ArgoFlow/argo-train-x7k2p");
    assert.equal(run.status, "succeeded");
    assert.deepEqual((await run.step("train").tasks().toArray()).map((t) => t.id), ["0", "2-9", "2-10"]);
    assert.deepEqual((await (await Flow.get("ArgoFlow")).runs().toArray()).map((r) => r.id), ["argo-train-x7k2p"]);
  });

  it("Task.get reads a foreach task by its pathspec", async () => {
    const task = await Task.get("ArgoFlow/argo-train-x7k2p/train/2-10");
    assert.equal(task.pathspec, "ArgoFlow/argo-train-x7k2p/train/2-10");
    assert.equal(task.successful, true);
  });
});
