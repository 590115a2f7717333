// The pipes between the runner and each task it launches (runner-pipes.ts): the runner
// hands a task the run spec as written and the done marker of the task that queued it,
// and takes the task's own marker back. Tasks are played by a compute backend that makes
// the done marker a task would, so only the scheduler runs.
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
import type { GivenContext } from "../task/runner-pipes.ts";
import { Reporter } from "./reporter.ts";
import { Scheduler } from "./scheduler.ts";

const SOURCE = `export default class F extends FlowSpec {
  @step start() { this.items = [1, 2, 3]; this.next(this.work, { foreach: "items" }); }
  @step work() { this.next(this.join); }
  @step join(inputs) { this.next(this.end); }
  @step end() {}
}`;

/**
 * Runs the flow with tasks that store their done marker (`store`) and hand it back
 * (`handBack`), as `weft step --result-fd` does; returns what each task was handed.
 */
async function runFlow({ store, handBack }: { store: boolean; handBack: boolean }) {
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
      handed.set(`${step}/${task}`, JSON.parse(Buffer.from(request.context!()).toString("utf8")) as GivenContext);
      const data: TaskData = {
        artifacts: {},
        next: graph.nodes[step]!.next,
        foreachStack: step === "work" ? [{ step: "start", task: "0", index: Number(task), numSplits: 3 }] : [],
        ...(step === "start" ? { foreach: { field: "items", numSplits: 3 } } : {}),
      };
      const stored = store ? new TaskDatastore(backend, content, { flow: "F", run: "1", step, task }).finishAttempt(0, data) : Promise.resolve(undefined);
      const done = stored.then((marker) => ({ exitCode: 0, signal: null, timedOut: false, ...(handBack ? { result: marker ?? Buffer.from(JSON.stringify(data)) } : {}) }));
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
  return { spec, handed, result: await scheduler.run() };
}

test("each launched task is handed the run spec and its parent's done marker; a join, with several parents, only the run spec", async () => {
  const { spec, handed, result } = await runFlow({ store: true, handBack: false });
  assert.equal(result.status, "succeeded");

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

test("the runner takes each task's done marker from the task's pipe, not from the datastore", async () => {
  // Nothing is stored: only the handed-back markers can carry the run to its end.
  const { handed, result } = await runFlow({ store: false, handBack: true });
  assert.equal(result.status, "succeeded", result.reason);
  assert.deepEqual(handed.get("work/2")!.finished["start/0"]!.foreach, { field: "items", numSplits: 3 });
  assert.deepEqual(Object.keys(handed.get("end/0")!.finished), ["join/0"]);

  const unread = await runFlow({ store: false, handBack: false });
  assert.equal(unread.result.status, "failed", "without the pipe the runner reads the datastore, where nothing is");
  assert.match(unread.result.reason ?? "", /start\/0 failed \(exited without saving its result\)/);
});
