// What the runner hands each task it launches (`--context-on-stdin`): the run spec as
// written, and the done marker of the task that queued it. Tasks are played by a
// compute backend that writes the done marker a task would, so only the scheduler runs.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import type { AttemptRequest, ComputeBackend } from "../../compute/types.ts";
import { ContentStore } from "../../datastore/content-store.ts";
import { layout } from "../../datastore/layout.ts";
import { LocalBackend } from "../../datastore/local/local-backend.ts";
import { TaskDatastore, type TaskData } from "../../datastore/task-datastore.ts";
import { lintFlow } from "../../flow/graph/lint.ts";
import { parseFlowSource } from "../../flow/graph/parse.ts";
import { LocalMetadata } from "../../metadata/local/local-metadata.ts";
import { runSpecBytes, type RunSpec } from "../run-spec.ts";
import type { GivenContext } from "../task/given-context.ts";
import { Reporter } from "./reporter.ts";
import { Scheduler } from "./scheduler.ts";

const SOURCE = `export default class F extends FlowSpec {
  @step start() { this.items = [1, 2, 3]; this.next(this.work, { foreach: "items" }); }
  @step work() { this.next(this.join); }
  @step join(inputs) { this.next(this.end); }
  @step end() {}
}`;

test("each launched task is handed the run spec and its parent's done marker; a join, with several parents, only the run spec", async () => {
  const { graph, issues } = lintFlow(parseFlowSource(SOURCE, "flow.ts"));
  assert.deepEqual(issues, []);
  const spec = { flow: "F", run: "1", user: "u", tags: [], codePackage: { sha: "s", key: "k" }, graph, decorators: {}, params: {}, maxNumSplits: 100 } as RunSpec;
  const backend = new LocalBackend(mkdtempSync(join(tmpdir(), "weft-handover-")));
  const content = new ContentStore(backend, layout.contentPrefix("F"));
  const handed = new Map<string, GivenContext>();
  const compute: ComputeBackend = {
    kind: "local",
    recorder: "runner",
    launch: (request: AttemptRequest) => {
      const { step, task } = request.args;
      handed.set(`${step}/${task}`, JSON.parse(Buffer.from(request.context!).toString("utf8")) as GivenContext);
      const data: TaskData = {
        artifacts: {},
        next: graph.nodes[step]!.next,
        foreachStack: step === "work" ? [{ step: "start", task: "0", index: Number(task), numSplits: 3 }] : [],
        ...(step === "start" ? { foreach: { field: "items", numSplits: 3 } } : {}),
      };
      const done = new TaskDatastore(backend, content, { flow: "F", run: "1", step, task }).finishAttempt(0, data).then(() => ({ exitCode: 0, signal: null, timedOut: false }));
      return { handle: undefined, pid: undefined, done, kill: () => {} };
    },
  };
  const quiet = new PassThrough().resume();
  const scheduler = new Scheduler({
    spec,
    backend,
    metadata: new LocalMetadata(backend),
    compute: () => compute,
    taskSettings: { datastore: "local", datastoreRoot: backend.root, metadata: "local" },
    maxWorkers: 2,
    reporter: new Reporter(graph.steps, quiet, quiet),
    env: {},
  });
  assert.equal((await scheduler.run()).status, "succeeded");

  assert.deepEqual([...handed.keys()].sort(), ["end/0", "join/0", "start/0", "work/0", "work/1", "work/2"]);
  const written = JSON.parse(Buffer.from(runSpecBytes(spec)).toString("utf8")) as RunSpec;
  for (const context of handed.values()) assert.deepEqual(context.runSpec, written, "the run spec as the datastore holds it");
  assert.deepEqual(handed.get("start/0")!.finished, {});
  for (const item of ["work/0", "work/1", "work/2"]) {
    assert.deepEqual(Object.keys(handed.get(item)!.finished), ["start/0"]);
    assert.deepEqual(handed.get(item)!.finished["start/0"]!.foreach, { field: "items", numSplits: 3 }, "the marker as the runner read it");
  }
  assert.deepEqual(handed.get("join/0")!.finished, {});
  assert.deepEqual(Object.keys(handed.get("end/0")!.finished), ["join/0"]);
});
