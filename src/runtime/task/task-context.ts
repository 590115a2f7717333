import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ContentStore } from "../../datastore/content-store.ts";
import { layout, type TaskRef } from "../../datastore/layout.ts";
import { openBackend } from "../../datastore/registry.ts";
import { TaskDatastore, type ArtifactReader } from "../../datastore/task-datastore.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { WeftError } from "../../errors/weft-error.ts";
import type { ForeachFrame } from "../../flow/current.ts";
import type { GraphNode } from "../../flow/graph/graph.ts";
import { foreachStackOf } from "../foreach-stack.ts";
import { readRunSpec, type RunSpec } from "../run-spec.ts";
import type { TaskArgs } from "./args.ts";

export interface Parent {
  step: string;
  task: string;
  reader: ArtifactReader;
}

/** Everything a task attempt reads before its step body runs. */
export interface TaskContext {
  args: TaskArgs;
  ref: TaskRef;
  backend: StorageBackend;
  content: ContentStore;
  store: TaskDatastore;
  spec: RunSpec;
  node: GraphNode;
}

export async function openTaskContext(args: TaskArgs): Promise<TaskContext> {
  const backend = await openBackend({ kind: args.datastore, root: args.datastoreRoot });
  const ref: TaskRef = { flow: args.flow, run: args.run, step: args.step, task: args.task };
  const content = new ContentStore(backend, layout.contentPrefix(args.flow));
  const spec = await readRunSpec(backend, args.flow, args.run);
  const node = spec.graph.nodes[args.step];
  if (!node) throw new WeftError("NOT_FOUND", `Flow ${args.flow} has no step "${args.step}".`, { hint: `Steps: ${spec.graph.steps.join(", ")}.` });
  return { args, ref, backend, content, store: new TaskDatastore(backend, content, ref), spec, node };
}

/** The finished parent tasks named by --inputs, with their artifact indexes. */
export async function readParents(ctx: TaskContext): Promise<Parent[]> {
  return Promise.all(
    ctx.args.inputs.map(async (input) => {
      const [step = "", task = ""] = input.split("/");
      const reader = await readerOf(ctx, step, task);
      return { step, task, reader };
    }),
  );
}

export function readerOf(ctx: TaskContext, step: string, task: string): Promise<ArtifactReader> {
  return new TaskDatastore(ctx.backend, ctx.content, { ...ctx.ref, step, task }).readDone();
}

/** The foreach path of this task, from its first parent. */
export function taskForeachStack(ctx: TaskContext, parents: Parent[]): ForeachFrame[] {
  const first = parents[0];
  try {
    return foreachStackOf({
      graph: ctx.spec.graph,
      step: ctx.args.step,
      parent: first && { step: first.step, task: first.task, stack: first.reader.data.foreachStack, numSplits: first.reader.data.foreach?.numSplits },
      splitIndex: ctx.args.splitIndex,
    });
  } catch (error) {
    throw new WeftError("USAGE", `Task ${ctx.store.pathspec}: ${(error as Error).message}.`);
  }
}

/** A local path of the run's code package: the datastore's own file, or a downloaded copy. */
export async function codePackagePath(ctx: TaskContext): Promise<string> {
  const { key, sha } = ctx.spec.codePackage;
  const local = ctx.backend.localPath(key);
  if (local && existsSync(local)) return local;
  const path = join(tmpdir(), "weft-code", sha, "flow.mjs");
  if (existsSync(path)) return path;
  const [code, map] = await ctx.backend.getBytes([key, `${key}.map`]);
  if (!code) throw new WeftError("NOT_FOUND", `The code package of run ${ctx.args.flow}/${ctx.args.run} is missing from ${ctx.backend.root} (${key}).`);
  await mkdir(dirname(path), { recursive: true });
  if (map) await writeFile(`${path}.map`, map);
  await writeFile(path, code);
  return path;
}
