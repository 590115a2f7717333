// Task.parentTasks and Task.childTasks through nested foreaches, read from a run recorded
// straight into the metadata with a hand-made graph in its run spec.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { resolveConfig } from "../config/resolve.ts";
import { ContentStore } from "../datastore/content-store.ts";
import { layout } from "../datastore/layout.ts";
import { TaskDatastore } from "../datastore/task-datastore.ts";
import { LocalBackend } from "../datastore/local/local-backend.ts";
import type { FlowGraph, GraphNode } from "../flow/graph/graph.ts";
import { LocalMetadata } from "../metadata/local/local-metadata.ts";
import { runSpecBytes } from "../runtime/run-spec.ts";
import { Task, useConfig } from "./index.ts";

const node = (name: string, next: string[], prev: string[], extra: Partial<GraphNode> = {}): GraphNode => ({
  name, line: 1, isJoin: false, split: undefined, foreach: undefined, next, prev, joins: undefined, mentions: [], ...extra,
});

// start -(foreach)-> outer -(foreach)-> inner -> innerJoin -> outerJoin -> end
const graph: FlowGraph = {
  flowName: "NestedFlow",
  file: "nested.ts",
  steps: ["start", "outer", "inner", "innerJoin", "outerJoin", "end"],
  nodes: {
    start: node("start", ["outer"], [], { split: "foreach", foreach: "xs" }),
    outer: node("outer", ["inner"], ["start"], { split: "foreach", foreach: "ys" }),
    inner: node("inner", ["innerJoin"], ["outer"]),
    innerJoin: node("innerJoin", ["outerJoin"], ["inner"], { isJoin: true, joins: { split: "outer", kind: "foreach" } }),
    outerJoin: node("outerJoin", ["end"], ["innerJoin"], { isJoin: true, joins: { split: "start", kind: "foreach" } }),
    end: node("end", [], ["outerJoin"]),
  },
};

const TASKS: Record<string, string[]> = {
  start: ["0"],
  outer: ["0", "1"],
  inner: ["0-0", "0-1", "1-0"],
  innerJoin: ["0", "1"],
  outerJoin: ["0"],
  end: ["0"],
};

describe("Task.parentTasks and Task.childTasks", () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weft-client-lineage-"));
    const backend = new LocalBackend(join(dir, ".weft", "datastore"));
    const meta = new LocalMetadata(backend);
    const { run } = await meta.createRun({ flow: "NestedFlow", user: "tester", tags: [], systemTags: ["user:tester"] });
    const spec = { flow: "NestedFlow", run, user: "tester", tags: [], codePackage: { sha: "0", key: "k" }, graph, decorators: {}, params: {}, maxNumSplits: 100 };
    await backend.putBytes([{ key: layout.runSpec("NestedFlow", run), data: runSpecBytes(spec) }]);
    for (const [step, ids] of Object.entries(TASKS)) {
      for (const task of ids) {
        const ref = { flow: "NestedFlow", run, step, task };
        await meta.registerTask({ ...ref, createdAt: "2024-01-01T00:00:00.000Z", foreachStack: [] });
        await meta.startAttempt(ref, { attempt: 0, startedAt: "2024-01-01T00:00:00.000Z" });
        await meta.finishAttempt(ref, { attempt: 0, startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:01:00.000Z", ok: true });
        // The done marker: the transition the task took, and how many items its foreach split into.
        const numSplits = TASKS[graph.nodes[step]!.next[0] ?? ""]?.filter((id) => step === "start" || id.startsWith(`${task}-`)).length ?? 0;
        const foreach = graph.nodes[step]!.split === "foreach" ? { foreach: { field: "xs", numSplits } } : {};
        await new TaskDatastore(backend, new ContentStore(backend, layout.contentPrefix("NestedFlow")), ref).finishAttempt(0, { artifacts: {}, next: graph.nodes[step]!.next, foreachStack: [], ...foreach });
      }
    }
    await meta.setRunState("NestedFlow", run, { status: "succeeded", finishedAt: "2024-01-01T00:02:00.000Z" });
    useConfig(resolveConfig({ env: { WEFT_HOME: join(dir, ".weft"), USER: "tester" }, cwd: dir, userHome: dir }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const lineage = async (pathspec: string) => {
    const task = await Task.get(pathspec);
    const ids = async (tasks: Promise<Task[]>) => (await tasks).map((t) => `${t.stepName}/${t.id}`);
    return { parents: await ids(task.parentTasks().toArray()), children: await ids(task.childTasks().toArray()) };
  };

  it("an outer foreach item's children are its own inner items only", async () => {
    assert.deepEqual(await lineage("NestedFlow/1/outer/1"), { parents: ["start/0"], children: ["inner/1-0"] });
    assert.deepEqual(await lineage("NestedFlow/1/start/0"), { parents: [], children: ["outer/0", "outer/1"] });
  });

  it("an inner item's parent is the task that split it, and its child the inner join at its outer position", async () => {
    assert.deepEqual(await lineage("NestedFlow/1/inner/0-1"), { parents: ["outer/0"], children: ["innerJoin/0"] });
  });

  it("each join's parents are the items of the foreach it closes, within its own position", async () => {
    assert.deepEqual(await lineage("NestedFlow/1/innerJoin/0"), { parents: ["inner/0-0", "inner/0-1"], children: ["outerJoin/0"] });
    assert.deepEqual(await lineage("NestedFlow/1/outerJoin/0"), { parents: ["innerJoin/0", "innerJoin/1"], children: ["end/0"] });
    assert.deepEqual(await lineage("NestedFlow/1/end/0"), { parents: ["outerJoin/0"], children: [] });
  });
});
