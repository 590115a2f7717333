// The client API read against runs made by the real CLI (test/fixtures/client/runs.ts):
// flows, runs, steps, tasks, artifacts, resumed runs, namespaces and typed data.
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expectType, expectExact, type Equal, weftError, ids, useClientRuns } from "../../test/fixtures/client/runs.ts";
import type ClientFlow from "../../test/fixtures/client/client-flow.ts";
import { Artifact, AsyncList, Flow, Run, Step, Task, defaultNamespace, namespace } from "./index.ts";

describe("client API", () => {
  const { datastore } = useClientRuns();

  describe("Flow", () => {
    it("Flow.get returns the named flow", async () => {
      const flow = await Flow.get("ClientFlow");
      assert.ok(flow instanceof Flow);
      assert.equal(flow.name, "ClientFlow");
    });

    it("runs() lists the current user's runs newest first", async () => {
      const flow = await Flow.get("ClientFlow");
      assert.deepEqual(ids(await flow.runs().toArray()), ["5", "3", "2", "1"]);
    });

    it("runs() iterates with for await in the same order as toArray", async () => {
      const list = (await Flow.get("ClientFlow")).runs();
      assert.ok(list instanceof AsyncList);
      const seen: string[] = [];
      for await (const run of list) seen.push(run.id);
      assert.deepEqual(seen, ["5", "3", "2", "1"]);
    });

    it("latestRun is the newest run of the user even when it failed", async () => {
      const run = await (await Flow.get("ClientFlow")).latestRun();
      assert.equal(run?.id, "5");
      assert.equal(run?.status, "failed");
    });

    it("latestSuccessfulRun skips the newer failed run", async () => {
      const run = await (await Flow.get("ClientFlow")).latestSuccessfulRun();
      assert.equal(run?.id, "3");
      assert.equal(run?.successful, true);
    });

    it("Flow.list lists every flow with runs, by name", async () => {
      const flows = await Flow.list().toArray();
      assert.deepEqual(flows.map((f) => f.name).sort(), ["ClientFlow", "OtherFlow", "SlowFlow"]);
      assert.ok(flows.every((f) => f instanceof Flow));
    });
  });

  describe("Run", () => {
    it("a succeeded run is successful and finished, with status succeeded", async () => {
      const run = await Run.get("ClientFlow/3");
      assert.equal(run.id, "3");
      assert.equal(run.flowName, "ClientFlow");
      assert.equal(run.pathspec, "ClientFlow/3");
      assert.equal(run.status, "succeeded");
      assert.equal(run.successful, true);
      assert.equal(run.finished, true);
      assert.equal(run.reason, undefined);
    });

    it("a failed run is finished but not successful, with a reason naming the failed task", async () => {
      const run = await Run.get("ClientFlow/5");
      assert.equal(run.status, "failed");
      assert.equal(run.successful, false);
      assert.equal(run.finished, true);
      assert.match(run.reason ?? "", /ClientFlow\/5\/pick\/\d+ failed/);
      assert.ok(run.finishedAt instanceof Date);
    });

    it("createdAt is before finishedAt, both dates", async () => {
      const run = await Run.get("ClientFlow/3");
      assert.ok(run.createdAt instanceof Date && !Number.isNaN(run.createdAt.getTime()));
      assert.ok(run.finishedAt instanceof Date);
      assert.ok(run.createdAt.getTime() < run.finishedAt.getTime(), `${run.createdAt.toISOString()} < ${run.finishedAt.toISOString()}`);
    });

    it("parameters equal the values given on the command line", async () => {
      const run = await Run.get("ClientFlow/3");
      assert.deepEqual(run.parameters, { alpha: 0.25, kinds: ["a", "b", "c"], label: "exp" });
    });

    it("parameters hold the defaults when none were given", async () => {
      assert.deepEqual((await Run.get("ClientFlow/5")).parameters, { alpha: 0.5, kinds: ["a", "b"], label: "plain" });
    });

    it("tags include user:tester among the system tags and --tag values as user tags", async () => {
      const run = await Run.get("ClientFlow/3");
      assert.equal(run.user, "tester");
      assert.ok(run.systemTags.includes("user:tester"), run.systemTags.join(", "));
      assert.ok(run.systemTags.some((t) => t.startsWith("weft_version:")), run.systemTags.join(", "));
      assert.deepEqual(run.userTags, ["exp1"]);
      assert.deepEqual(run.tags, [...run.systemTags, "exp1"]);
    });

    it("data reads artifacts of the end step", async () => {
      const run = await Run.get("ClientFlow/3");
      assert.equal(await run.data("summary"), "exp: c");
      assert.deepEqual(await run.data("best"), { kind: "c", score: 0.75 });
      assert.deepEqual(await run.data("scores"), [0.25, 0.5, 0.75]);
      assert.equal(await run.data("alpha"), 0.25);
    });

    it("data of an artifact the end step lacks is NOT_FOUND listing the artifacts it has", async () => {
      const run = await Run.get("ClientFlow/3");
      await assert.rejects(run.data("kind"), weftError("NOT_FOUND", /ClientFlow\/3\/end\/\d+ has no artifact "kind"/, /summary/, /best/));
    });

    it("data on a failed run is NOT_FOUND and says the run's status", async () => {
      const run = await Run.get("ClientFlow/5");
      await assert.rejects(run.data("best"), weftError("NOT_FOUND", /ClientFlow\/5/, /status: failed/));
    });

    it("data on a run whose end task failed is NOT_FOUND and says the run's status", async () => {
      const run = await Run.get("OtherFlow/4");
      await assert.rejects(run.data("message"), weftError("NOT_FOUND", /Run OtherFlow\/4 has no finished end step \(status: failed\)/, /step\("<step>"\)/));
    });

    it("steps() lists each step that has tasks", async () => {
      const steps = await (await Run.get("ClientFlow/3")).steps().toArray();
      assert.ok(steps.every((s) => s instanceof Step));
      assert.deepEqual(steps.map((s) => s.name).sort(), ["end", "pick", "start", "train"]);
      assert.deepEqual((await (await Run.get("ClientFlow/5")).steps().toArray()).map((s) => s.name).sort(), ["pick", "start", "train"]);
    });

    it("a run that was not resumed has no originRunId", async () => {
      assert.equal((await Run.get("ClientFlow/3")).originRunId, undefined);
    });
  });

  describe("Step and Task", () => {
    it("tasks() of a foreach step gives one task per item, in task-id order", async () => {
      const tasks = await (await Run.get("ClientFlow/3")).step("train").tasks().toArray();
      assert.deepEqual(tasks.map((t) => t.pathspec), ["ClientFlow/3/train/0", "ClientFlow/3/train/1", "ClientFlow/3/train/2"]);
      assert.deepEqual(await Promise.all(tasks.map((t) => t.data("kind"))), ["a", "b", "c"]);
      assert.deepEqual(await Promise.all(tasks.map((t) => t.data("score"))), [0.25, 0.5, 0.75]);
    });

    it("parentTasks and childTasks follow the graph through a foreach split and its join", async () => {
      const paths = async (list: AsyncList<Task>) => (await list.toArray()).map((t) => t.pathspec);
      const start = await Task.get("ClientFlow/3/start/0");
      assert.deepEqual(await paths(start.parentTasks()), []);
      assert.deepEqual(await paths(start.childTasks()), ["ClientFlow/3/train/0", "ClientFlow/3/train/1", "ClientFlow/3/train/2"]);
      const item = await Task.get("ClientFlow/3/train/1");
      assert.deepEqual(await paths(item.parentTasks()), ["ClientFlow/3/start/0"]);
      assert.deepEqual(await paths(item.childTasks()), ["ClientFlow/3/pick/0"]);
      const join = await Task.get("ClientFlow/3/pick/0");
      assert.ok(join.parentTasks() instanceof AsyncList);
      const parents = await join.parentTasks().toArray();
      assert.ok(parents.every((t) => t instanceof Task));
      assert.deepEqual(parents.map((t) => t.pathspec), ["ClientFlow/3/train/0", "ClientFlow/3/train/1", "ClientFlow/3/train/2"]);
      assert.deepEqual(await paths(join.childTasks()), ["ClientFlow/3/end/0"]);
      assert.deepEqual(await paths((await Task.get("ClientFlow/3/end/0")).childTasks()), []);
    });

    it("childTasks lists only tasks that exist: a failed join has no children", async () => {
      const join = await Task.get("ClientFlow/5/pick/0");
      assert.equal(join.successful, false);
      assert.deepEqual((await join.childTasks().toArray()).map((t) => t.pathspec), []);
      assert.deepEqual((await join.parentTasks().toArray()).map((t) => t.pathspec), ["ClientFlow/5/train/0", "ClientFlow/5/train/1"]);
    });

    it("a foreach task's foreachStack names the splitting task, its index and the split count", async () => {
      const tasks = await (await Run.get("ClientFlow/3")).step("train").tasks().toArray();
      assert.deepEqual(
        tasks.map((t) => t.foreachStack),
        [0, 1, 2].map((index) => [{ step: "start", task: "0", index, numSplits: 3 }]),
      );
    });

    it("a task after the join has an empty foreachStack", async () => {
      const pick = await (await Run.get("ClientFlow/3")).step("pick").task();
      assert.equal(pick.pathspec, "ClientFlow/3/pick/0");
      assert.deepEqual(pick.foreachStack, []);
    });

    it("Task.get reads a task by pathspec, with its state", async () => {
      const task = await Task.get("ClientFlow/3/train/0");
      assert.equal(task.flowName, "ClientFlow");
      assert.equal(task.runId, "3");
      assert.equal(task.stepName, "train");
      assert.equal(task.id, "0");
      assert.equal(task.successful, true);
      assert.equal(task.finished, true);
      assert.equal(task.retryCount, 0);
      assert.equal(task.exception, undefined);
      assert.equal(task.origin, undefined);
      const run = await Run.get("ClientFlow/3");
      assert.ok(task.finishedAt instanceof Date);
      assert.ok(task.finishedAt.getTime() >= run.createdAt.getTime() && task.finishedAt.getTime() <= run.finishedAt!.getTime());
    });

    it("Task.data reads parameters and inherited artifacts too", async () => {
      const task = await Task.get("ClientFlow/3/train/2");
      assert.equal(await task.data("alpha"), 0.25);
      assert.deepEqual(await task.data("kinds"), ["a", "b", "c"]);
      assert.equal(await task.data("size"), 3);
    });

    it("artifacts() lists every artifact with its sha, size and type, and value() equals data()", async () => {
      const task = await Task.get("ClientFlow/3/train/1");
      const artifacts = await task.artifacts().toArray();
      assert.deepEqual(artifacts.map((a) => a.name).sort(), ["alpha", "kind", "kinds", "label", "score", "size"]);
      const byName = new Map(artifacts.map((a) => [a.name, a]));
      assert.equal(byName.get("kind")?.type, "string");
      assert.equal(byName.get("score")?.type, "number");
      assert.equal(byName.get("kinds")?.type, "Array");
      for (const artifact of artifacts) {
        assert.ok(artifact instanceof Artifact);
        assert.match(artifact.sha, /^[0-9a-f]{64}$/, artifact.name);
        assert.ok(artifact.size > 0, `${artifact.name} size ${artifact.size}`);
        assert.deepEqual(await artifact.value(), await task.data(artifact.name as "kind"), artifact.name);
        assert.ok(existsSync(join(datastore(), "ClientFlow", "data", artifact.sha.slice(0, 2), artifact.sha)), `blob of ${artifact.name}`);
      }
    });

    it("an artifact's sha is the SHA-256 of its serialized bytes and size their length", async () => {
      const artifact = await (await Task.get("ClientFlow/3/train/1")).artifact("kind");
      const blob = readFileSync(join(datastore(), "ClientFlow", "data", artifact.sha.slice(0, 2), artifact.sha));
      assert.equal(blob[0], 0, "a short string is stored raw (codec byte 0)");
      const serialized = blob.subarray(1);
      assert.equal(createHash("sha256").update(serialized).digest("hex"), artifact.sha);
      assert.equal(artifact.size, serialized.length);
      assert.equal(await artifact.value(), "b");
      assert.equal(artifact.name, "kind");
    });

    it("stdout() and stderr() return what the step printed", async () => {
      const start = await Task.get("ClientFlow/3/start/0");
      assert.equal(await start.stdout(), "start: 3 kinds\n");
      assert.equal(await start.stderr(), "start: a warning on stderr\n");
    });

    it("metadata() lists each attempt's host, pid and log locations", async () => {
      const entries = await (await Task.get("ClientFlow/3/train/1")).metadata();
      const of = (attempt: number, field: string) => entries.find((e) => e.attempt === attempt && e.field === field)?.value;
      assert.deepEqual([...new Set(entries.map((e) => e.attempt))], [0, 1]);
      assert.equal(of(1, "host"), hostname());
      assert.match(of(1, "pid") ?? "", /^\d+$/);
      assert.notEqual(of(0, "pid"), of(1, "pid"));
      assert.equal(of(1, "log-location-stdout"), "ClientFlow/3/train/1/1.stdout");
    });

    it("a task that printed nothing on stderr has an empty stderr", async () => {
      assert.equal(await (await Task.get("ClientFlow/3/train/0")).stderr(), "");
    });

    it("a task retried once has retryCount 1, is successful and shows the last attempt's output", async () => {
      const task = await Task.get("ClientFlow/3/train/1");
      assert.equal(task.retryCount, 1);
      assert.equal(task.successful, true);
      assert.equal(task.finished, true);
      assert.equal(task.exception, undefined);
      assert.equal(await task.stdout(), "train b attempt 1\n");
      assert.equal(await task.data("kind"), "b");
    });

    it("the failed first attempt's logs stay readable by attempt number", async () => {
      const task = await Task.get("ClientFlow/3/train/1");
      assert.match(await task.stderr(0), /Error: first attempt of b fails/);
      assert.equal(await task.stdout(0), "");
    });

    it("a failed task has exception {type, message} and is finished but not successful", async () => {
      const task = await (await Run.get("ClientFlow/5")).step("pick").task();
      assert.equal(task.successful, false);
      assert.equal(task.finished, true);
      assert.equal(task.retryCount, 0);
      assert.equal(task.exception?.type, "RangeError");
      assert.equal(task.exception?.message, "pick failed on purpose");
      assert.match(await task.stderr(), /RangeError: pick failed on purpose/);
    });

    it("data of a failed task is NOT_FOUND saying it did not finish", async () => {
      const task = await (await Run.get("ClientFlow/5")).step("pick").task();
      await assert.rejects(task.data("best"), weftError("NOT_FOUND", /ClientFlow\/5\/pick\/\d+ has not finished successfully/));
    });
  });

  describe("resumed run", () => {
    it("originRunId names the run it resumed", async () => {
      const run = await Run.get("ClientFlow/2");
      assert.equal(run.originRunId, "1");
      assert.equal(run.status, "succeeded");
    });

    it("cloned tasks have origin set to the origin run's task", async () => {
      const run = await Run.get("ClientFlow/2");
      const start = await run.step("start").task();
      assert.equal(start.origin, "ClientFlow/1/start/0");
      const train = await run.step("train").tasks().toArray();
      assert.deepEqual(train.map((t) => t.origin), ["ClientFlow/1/train/0", "ClientFlow/1/train/1"]);
      assert.ok(train.every((t) => t.successful));
    });

    it("tasks re-run by the resume have no origin", async () => {
      const run = await Run.get("ClientFlow/2");
      assert.equal((await run.step("pick").task()).origin, undefined);
      assert.equal((await run.step("end").task()).origin, undefined);
    });

    it("a cloned task reads the same artifacts as its origin", async () => {
      const clone = await (await Run.get("ClientFlow/2")).step("train").tasks().toArray();
      const origin = await Task.get(clone[1]!.origin!);
      assert.equal(await clone[1]!.data("kind"), "b");
      assert.equal((await clone[1]!.artifact("score")).sha, (await origin.artifact("score")).sha);
      assert.deepEqual(await (await Run.get("ClientFlow/2")).data("best"), { kind: "b", score: 1 });
    });
  });

  describe("namespace", () => {
    it("the default namespace hides another user's run from runs()", async () => {
      assert.ok(!ids(await (await Flow.get("ClientFlow")).runs().toArray()).includes("4"));
    });

    it("Run.get of another user's run is NOT_FOUND naming the namespace and how to widen it", async () => {
      await assert.rejects(Run.get("ClientFlow/4"), weftError("NOT_FOUND", /not in namespace user:tester/, /user:someone-else/, /namespace\(null\)/));
    });

    it("Task.get of another user's task is NOT_FOUND too", async () => {
      await assert.rejects(Task.get("ClientFlow/4/start/0"), weftError("NOT_FOUND", /not in namespace user:tester/));
    });

    it("namespace(null) shows every user's runs", async () => {
      assert.equal(namespace(null), null);
      const flow = await Flow.get("ClientFlow");
      assert.deepEqual(ids(await flow.runs().toArray()), ["5", "4", "3", "2", "1"]);
      assert.equal((await flow.latestSuccessfulRun())?.id, "4");
      const theirs = await Run.get("ClientFlow/4");
      assert.equal(theirs.user, "someone-else");
      assert.ok(theirs.tags.includes("user:someone-else"));
      assert.equal(await theirs.data("summary"), "theirs: b");
    });

    it('namespace("user:someone-else") shows only their runs', async () => {
      assert.equal(namespace("user:someone-else"), "user:someone-else");
      const flow = await Flow.get("ClientFlow");
      assert.deepEqual(ids(await flow.runs().toArray()), ["4"]);
      assert.equal((await flow.latestRun())?.id, "4");
      await assert.rejects(Run.get("ClientFlow/3"), weftError("NOT_FOUND", /not in namespace user:someone-else/, /user:tester/));
    });

    it("a user tag works as a namespace", async () => {
      namespace("exp1");
      assert.deepEqual(ids(await (await Flow.get("ClientFlow")).runs().toArray()), ["3"]);
    });

    it("defaultNamespace() restores the current user's runs", async () => {
      namespace(null);
      defaultNamespace();
      assert.deepEqual(ids(await (await Flow.get("ClientFlow")).runs().toArray()), ["5", "3", "2", "1"]);
      await assert.rejects(Run.get("ClientFlow/4"), weftError("NOT_FOUND"));
    });
  });

  describe("typed data", () => {
    it("a Flow typed with its class types data() by the field's type", async () => {
      const flow = await Flow.get<ClientFlow>("ClientFlow");
      const run = (await flow.latestSuccessfulRun())!;
      const best = await run.data("best");
      expectType<{ kind: string; score: number }>(best);
      expectExact<Equal<typeof best, { kind: string; score: number }>>();
      const alpha = await run.data("alpha");
      expectExact<Equal<typeof alpha, number>>();
      const kinds = await run.data("kinds");
      expectExact<Equal<typeof kinds, string[]>>();
      assert.deepEqual(best, { kind: "c", score: 0.75 });
      assert.equal(alpha, 0.25);

      const train = await run.step("train").task();
      const score = await train.data("score");
      expectExact<Equal<typeof score, number>>();
      assert.equal(score, 0.25);
      const artifact = await train.artifact("kind");
      expectExact<Equal<typeof artifact, Artifact<string>>>();
      expectExact<Equal<Awaited<ReturnType<typeof artifact.value>>, string>>();
      assert.equal(await artifact.value(), "a");

      const typedTask = await Task.get<ClientFlow>("ClientFlow/3/train/1");
      expectType<number>(await typedTask.data("score"));
      for await (const r of flow.runs()) expectExact<Equal<typeof r, Run<ClientFlow>>>();
    });

    it("a typed Flow rejects names that are not artifact fields at compile time, and they fail at run time", async () => {
      const run = (await (await Flow.get<ClientFlow>("ClientFlow")).latestSuccessfulRun())!;
      // @ts-expect-error "notAField" is not a field of ClientFlow
      await assert.rejects(run.data("notAField"), weftError("NOT_FOUND", /has no artifact "notAField"/));
      // @ts-expect-error a step is not an artifact
      await assert.rejects(run.data("train"), weftError("NOT_FOUND"));
      // @ts-expect-error FlowSpec's own members are not artifacts
      await assert.rejects(run.data("next"), weftError("NOT_FOUND"));
    });

    it("an untyped Flow gives unknown for any name", async () => {
      const run = (await (await Flow.get("ClientFlow")).latestSuccessfulRun())!;
      const summary = await run.data("summary");
      expectExact<Equal<typeof summary, unknown>>();
      // @ts-expect-error unknown is not assignable to string
      const asString: string = await run.data("summary");
      assert.equal(asString, "exp: c");
      const untypedRun = await Run.get("ClientFlow/3");
      expectExact<Equal<Awaited<ReturnType<typeof untypedRun.data>>, unknown>>();
      expectExact<Equal<Awaited<ReturnType<ReturnType<(typeof untypedRun)["step"]>["task"]>>, Task<unknown>>>();
      assert.equal(summary, "exp: c");
    });
  });
});
