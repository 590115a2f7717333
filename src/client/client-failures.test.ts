// The client API where things went wrong: unknown names and malformed pathspecs, runs
// whose runner died, and corrupt data. Runs come from test/fixtures/client/runs.ts.
import assert from "node:assert/strict";
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { weftError, deadPid, useClientRuns } from "../../test/fixtures/client/runs.ts";
import { Flow, Run, Task } from "./index.ts";

describe("client API on failures", () => {
  const { runs, datastore } = useClientRuns();

  describe("errors", () => {
    it("Flow.get of an unknown flow is NOT_FOUND listing the flows with runs", async () => {
      await assert.rejects(Flow.get("NoSuchFlow"), weftError("NOT_FOUND", /No runs of flow "NoSuchFlow"/, /Flows with runs: ClientFlow, OtherFlow, SlowFlow/));
    });

    it("Run.get of an unknown run id is NOT_FOUND listing the latest runs", async () => {
      await assert.rejects(Run.get("ClientFlow/42"), weftError("NOT_FOUND", /Flow ClientFlow has no run "42"/, /Latest runs: 5, 4, 3, 2, 1/));
    });

    it("Run.get of a run of an unknown flow lists the flows with runs", async () => {
      await assert.rejects(Run.get("NoSuchFlow/1"), weftError("NOT_FOUND", /No runs of flow "NoSuchFlow"/, /ClientFlow, OtherFlow/));
    });

    it("malformed pathspecs are USAGE errors showing the expected form", async () => {
      await assert.rejects(Run.get("ClientFlow"), weftError("USAGE", /Invalid pathspec "ClientFlow": it has 1 part/, /Expected "Flow\/run"/));
      await assert.rejects(Run.get("ClientFlow/3/start"), weftError("USAGE", /it has 3 parts/));
      await assert.rejects(Task.get("ClientFlow/3/start"), weftError("USAGE", /Expected "Flow\/run\/step\/task"/));
      await assert.rejects(Task.get("ClientFlow/3/start/1/extra"), weftError("USAGE", /it has 5 parts/));
      await assert.rejects(Flow.get("ClientFlow/3"), weftError("USAGE", /Expected "Flow"/));
      await assert.rejects(Flow.get("Client Flow"), weftError("USAGE", /the flow name must be 1 to 255 ASCII letters, digits, _ or -/));
      await assert.rejects(Run.get("ClientFlow/.."), weftError("USAGE", /the run id must be 1 to 128 letters, digits, _, - or \./));
      await assert.rejects(Task.get("ClientFlow/3/not a step/1"), weftError("USAGE", /the step name must be 1 to 255 ASCII letters, digits, _ or -/));
      await assert.rejects(Run.get(""), weftError("USAGE"));
    });

    it("Task.get of an unknown step is NOT_FOUND listing the run's steps", async () => {
      await assert.rejects(Task.get("ClientFlow/3/nope/1"), weftError("NOT_FOUND", /Run ClientFlow\/3 has no step "nope"/, /Steps: /, /start/, /train/, /pick/, /end/));
    });

    it("Task.get of an unknown task is NOT_FOUND listing the step's tasks", async () => {
      await assert.rejects(Task.get("ClientFlow/3/train/99"), weftError("NOT_FOUND", /Step ClientFlow\/3\/train has no task "99"/, /Tasks: 0, 1, 2/));
    });

    it("Task.get of a task of an unknown run is NOT_FOUND listing the latest runs", async () => {
      await assert.rejects(Task.get("ClientFlow/42/start/0"), weftError("NOT_FOUND", /no run "42"/, /Latest runs: 5/));
    });

    it("tasks() of a step with no tasks is NOT_FOUND listing the steps with tasks", async () => {
      const step = (await Run.get("ClientFlow/5")).step("end");
      await assert.rejects(step.tasks().toArray(), weftError("NOT_FOUND", /ClientFlow\/5 has no tasks of step "end"/, /start/, /pick/));
      await assert.rejects(step.task(), weftError("NOT_FOUND"));
    });

    it("Task.data of an unknown artifact is NOT_FOUND listing the existing names", async () => {
      const task = await Task.get("ClientFlow/3/train/0");
      await assert.rejects(task.data("nope"), weftError("NOT_FOUND", /ClientFlow\/3\/train\/0 has no artifact "nope"/, /It has: .*alpha/, /kind/, /score/));
      await assert.rejects(task.artifact("nope"), weftError("NOT_FOUND", /has no artifact "nope"/));
    });
  });

  describe("runs whose runner died", () => {
    it("a run whose runner was SIGKILLed mid-run reads as finished, failed, with a reason naming its pid", async () => {
      const run = await Run.get("SlowFlow/1");
      assert.equal(run.finished, true);
      assert.equal(run.successful, false);
      assert.equal(run.status, "failed");
      assert.match(run.reason ?? "", new RegExp(`runner \\(pid ${runs().slowRunnerPid}\\) stopped without finishing it`));
      assert.equal((await (await Flow.get("SlowFlow")).latestSuccessfulRun()), undefined);
    });

    it("the task that was running when its runner died reads as not finished", async () => {
      const task = await Task.get("SlowFlow/1/start/0");
      assert.equal(task.finished, false);
      assert.equal(task.successful, false);
      assert.equal(task.finishedAt, undefined);
      await assert.rejects(task.data("name"), weftError("NOT_FOUND", /has not finished successfully/));
    });

    it("a run recorded as running whose runner pid is gone reads as finished, failed, with a reason", async () => {
      const pid = deadPid();
      writeFileSync(join(datastore(), "OtherFlow", "2", "_meta", "state.json"), JSON.stringify({ status: "running", runner: { host: hostname(), pid } }));
      const run = await Run.get("OtherFlow/2");
      assert.equal(run.finished, true);
      assert.equal(run.successful, false);
      assert.equal(run.status, "failed");
      assert.match(run.reason ?? "", new RegExp(`runner \\(pid ${pid}\\) stopped`));
    });

    it("a run recorded as running whose runner is alive reads as running", async () => {
      writeFileSync(join(datastore(), "OtherFlow", "3", "_meta", "state.json"), JSON.stringify({ status: "running", runner: { host: hostname(), pid: process.pid } }));
      const run = await Run.get("OtherFlow/3");
      assert.equal(run.status, "running");
      assert.equal(run.finished, false);
      assert.equal(run.successful, false);
      assert.equal(run.finishedAt, undefined);
    });

    it("a run with no recorded state reads as failed, with a reason", async () => {
      unlinkSync(join(datastore(), "OtherFlow", "3", "_meta", "state.json"));
      const run = await Run.get("OtherFlow/3");
      assert.equal(run.finished, true);
      assert.equal(run.successful, false);
      assert.match(run.reason ?? "", /stopped before/);
    });

    it("latestSuccessfulRun skips runs whose runner died", async () => {
      assert.equal((await (await Flow.get("OtherFlow")).latestSuccessfulRun())?.id, "1");
    });
  });

  describe("corrupt data", () => {
    it("a blob with a flipped byte fails Task.data, Artifact.value and Run.data with ARTIFACT_CORRUPT", async () => {
      const { sha } = await (await Task.get("OtherFlow/1/start/0")).artifact("message");
      const blob = join(datastore(), "OtherFlow", "data", sha.slice(0, 2), sha);
      const bytes = readFileSync(blob);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
      writeFileSync(blob, bytes);
      const task = await Task.get("OtherFlow/1/start/0");
      await assert.rejects(task.data("message"), weftError("ARTIFACT_CORRUPT", /Artifact "message" of OtherFlow\/1\/start\/0/));
      await assert.rejects((await task.artifact("message")).value(), weftError("ARTIFACT_CORRUPT", /"message"/));
      await assert.rejects((await Run.get("OtherFlow/1")).data("message"), weftError("ARTIFACT_CORRUPT", /OtherFlow\/1\/end/));
    });
  });
});
