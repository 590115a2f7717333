import { ContentStore } from "../../datastore/content-store.ts";
import { layout, pathspecOf, type TaskRef } from "../../datastore/layout.ts";
import { openBackend } from "../../datastore/registry.ts";
import { TaskDatastore, type ArtifactReader, type TaskData } from "../../datastore/task-datastore.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { absentIfNotFound, isWeftError, WeftError } from "../../errors/weft-error.ts";
import type { ForeachFrame } from "../../flow/current.ts";
import type { GraphNode } from "../../flow/graph/graph.ts";
import { foreachStackOf } from "../foreach-stack.ts";
import { parentsOf, positionOf, positionsOf, type Positions } from "../task-identity.ts";
import { readRunSpec, type RunSpec } from "../run-spec.ts";
import type { TaskArgs } from "./args.ts";
import { readGivenContext } from "./runner-pipes.ts";

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
  /** The foreaches and loops enclosing each step. */
  positions: Positions;
  /** This task's position in its enclosing foreaches and loops, from its id. */
  position: number[];
  /** Finished tasks read so far, by step/task: the split of a foreach join is read once. */
  readers: Map<string, Promise<ArtifactReader>>;
  /** Done markers the runner handed over (`--context-on-stdin`), by step/task: read from here, not the datastore. */
  finished: Record<string, TaskData>;
}

export async function openTaskContext(args: TaskArgs): Promise<TaskContext> {
  // The runner's copy is on stdin already: read while the datastore's modules load.
  const [backend, given] = await Promise.all([openBackend({ kind: args.datastore, root: args.datastoreRoot }), args.contextOnStdin ? readGivenContext(args) : undefined]);
  const ref: TaskRef = { flow: args.flow, run: args.run, step: args.step, task: args.task };
  const content = new ContentStore(backend, layout.contentPrefix(args.flow));
  const spec = given?.runSpec ?? (await readRunSpec(backend, args.flow, args.run));
  const node = spec.graph.nodes[args.step];
  if (!node) throw new WeftError("NOT_FOUND", `Flow ${args.flow} has no step "${args.step}".`, { hint: `Steps: ${spec.graph.steps.join(", ")}.` });
  const positions = positionsOf(spec.graph);
  let position: number[];
  try {
    position = positionOf(args.task, args.step, positions.frames[args.step] ?? []);
  } catch (error) {
    throw new WeftError("USAGE", `Task ${pathspecOf(ref)}: ${(error as Error).message}.`, { hint: "See docs/task-contract.md for how task ids are derived." });
  }
  return { args, ref, backend, content, store: new TaskDatastore(backend, content, ref), spec, node, positions, position, readers: new Map(), finished: given?.finished ?? {} };
}

/**
 * The finished parent tasks, in join order, derived from this task's id: the graph says
 * which steps precede it, a foreach join reads from its split how many items it had,
 * and after a switch or a loop the done markers say which step ran (task-identity.ts).
 */
export async function readParents(ctx: TaskContext): Promise<Parent[]> {
  let refs;
  try {
    refs = await parentsOf(ctx.positions, ctx.args.step, ctx.position, {
      done: async (step, task) => {
        const reader = await readerOf(ctx, step, task).catch(absentIfNotFound);
        return reader && { next: reader.data.next, ...(reader.data.foreach ? { numSplits: reader.data.foreach.numSplits } : {}) };
      },
      list: async (step) => (await ctx.backend.list(layout.step(ctx.args.flow, ctx.args.run, step))).filter((k) => k.endsWith("/")).map((k) => k.slice(0, -1).split("/").pop()!),
    });
  } catch (error) {
    if (isWeftError(error)) throw error;
    throw new WeftError("NOT_FOUND", `Task ${ctx.store.pathspec} cannot find its parents: ${(error as Error).message}.`, { hint: "Run the tasks before it first; see docs/task-contract.md for how a task finds its parents." });
  }
  return Promise.all(refs.map(async ({ step, task }) => ({ step, task, reader: await readerOf(ctx, step, task) })));
}

export function readerOf(ctx: TaskContext, step: string, task: string): Promise<ArtifactReader> {
  const key = `${step}/${task}`;
  let reader = ctx.readers.get(key);
  if (!reader) {
    const store = new TaskDatastore(ctx.backend, ctx.content, { ...ctx.ref, step, task });
    const given = ctx.finished[key];
    reader = given ? Promise.resolve(store.readerFor(given)) : store.readDone(ctx.args.parentsFirstAttempt === true);
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
      splitIndex: lastForeachIndex(ctx),
    });
  } catch (error) {
    throw new WeftError("USAGE", `Task ${ctx.store.pathspec}: ${(error as Error).message}.`);
  }
}

/** This task's index in the innermost foreach that encloses it. */
function lastForeachIndex(ctx: TaskContext): number | undefined {
  const frames = ctx.positions.frames[ctx.args.step] ?? [];
  const at = frames.map((f) => f.kind).lastIndexOf("foreach");
  return at < 0 ? undefined : ctx.position[at];
}
