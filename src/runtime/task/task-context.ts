import { ContentStore } from "../../datastore/content-store.ts";
import { layout, pathspecOf, type TaskRef } from "../../datastore/layout.ts";
import { openBackend } from "../../datastore/registry.ts";
import { TaskDatastore, type ArtifactReader } from "../../datastore/task-datastore.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { WeftError } from "../../errors/weft-error.ts";
import type { ForeachFrame } from "../../flow/current.ts";
import type { GraphNode } from "../../flow/graph/graph.ts";
import { foreachStackOf } from "../foreach-stack.ts";
import { enclosingForeaches, indicesOf, parentsOf } from "../task-identity.ts";
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
  /** The foreach splits enclosing each step, outermost first. */
  enclosing: Record<string, string[]>;
  /** This task's position in its enclosing foreaches, from its id. */
  indices: number[];
  /** Finished tasks read so far, by step/task: the split of a foreach join is read once. */
  readers: Map<string, Promise<ArtifactReader>>;
}

export async function openTaskContext(args: TaskArgs): Promise<TaskContext> {
  const backend = await openBackend({ kind: args.datastore, root: args.datastoreRoot });
  const ref: TaskRef = { flow: args.flow, run: args.run, step: args.step, task: args.task };
  const content = new ContentStore(backend, layout.contentPrefix(args.flow));
  const spec = await readRunSpec(backend, args.flow, args.run);
  const node = spec.graph.nodes[args.step];
  if (!node) throw new WeftError("NOT_FOUND", `Flow ${args.flow} has no step "${args.step}".`, { hint: `Steps: ${spec.graph.steps.join(", ")}.` });
  const enclosing = enclosingForeaches(spec.graph);
  let indices: number[];
  try {
    indices = indicesOf(args.task, args.step, enclosing[args.step]?.length ?? 0);
  } catch (error) {
    throw new WeftError("USAGE", `Task ${pathspecOf(ref)}: ${(error as Error).message}.`, { hint: "See docs/task-contract.md for how task ids are derived." });
  }
  return { args, ref, backend, content, store: new TaskDatastore(backend, content, ref), spec, node, enclosing, indices, readers: new Map() };
}

/**
 * The finished parent tasks, in join order, derived from this task's id: the graph says
 * which steps precede it, and a foreach join reads from its split how many items it had.
 */
export async function readParents(ctx: TaskContext): Promise<Parent[]> {
  const refs = await parentsOf(ctx.spec.graph, ctx.enclosing, ctx.args.step, ctx.indices, async (split) => {
    const foreach = (await readerOf(ctx, split.step, split.task)).data.foreach;
    if (!foreach) throw new WeftError("NOT_FOUND", `Task ${ctx.args.flow}/${ctx.args.run}/${split.step}/${split.task} did not split into a foreach, so ${ctx.store.pathspec} has no inputs.`);
    return foreach.numSplits;
  });
  return Promise.all(refs.map(async ({ step, task }) => ({ step, task, reader: await readerOf(ctx, step, task) })));
}

export function readerOf(ctx: TaskContext, step: string, task: string): Promise<ArtifactReader> {
  const key = `${step}/${task}`;
  let reader = ctx.readers.get(key);
  if (!reader) {
    reader = new TaskDatastore(ctx.backend, ctx.content, { ...ctx.ref, step, task }).readDone();
    ctx.readers.set(key, reader);
  }
  return reader;
}

/** The foreach path of this task, from its first parent. */
export function taskForeachStack(ctx: TaskContext, parents: Parent[]): ForeachFrame[] {
  const first = parents[0];
  try {
    return foreachStackOf({
      graph: ctx.spec.graph,
      step: ctx.args.step,
      parent: first && { step: first.step, task: first.task, stack: first.reader.data.foreachStack, numSplits: first.reader.data.foreach?.numSplits },
      splitIndex: ctx.indices.at(-1),
    });
  } catch (error) {
    throw new WeftError("USAGE", `Task ${ctx.store.pathspec}: ${(error as Error).message}.`);
  }
}
