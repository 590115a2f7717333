// A task of a run an orchestrator resumes clones itself (docs/task-contract.md, "Tasks
// that clone themselves"): with no runner to decide, the run spec says which steps run
// again (`resume.rerun`) and which origin run the others come from, and the task takes
// the origin's result at its own position when the origin finished it, as the local
// scheduler's clone does: the artifact index is copied, the artifact bytes are not.
import { TaskDatastore, type TaskData } from "../../datastore/task-datastore.ts";
import { openMetadata } from "../../metadata/registry.ts";
import { artifactMetadata, recordReports } from "../attempt-records.ts";
import { taskKey } from "../foreach-stack.ts";
import type { TaskContext } from "./task-context.ts";

/** Whether this task's step is one the resumed run takes from its origin. */
export function clonesFromOrigin(ctx: TaskContext): boolean {
  const { spec, args } = ctx;
  if (!spec.resume || spec.originRun === undefined) return false;
  return !spec.resume.rerun.includes(args.step) || (spec.resume.keep ?? []).includes(taskKey(args.step, args.task));
}

/**
 * Clones the origin's task at this position when it finished: writes this attempt's done
 * marker with the origin's artifact index and records the task (`origin`), the attempt
 * (`clonedFrom`) and its end with the artifacts, cards and metrics. Resolves to the
 * cloned result, or undefined when the origin has no finished task here (it then runs).
 */
export async function cloneFromOrigin(ctx: TaskContext): Promise<TaskData | undefined> {
  const { args, spec, backend, content, ref } = ctx;
  const origin = new TaskDatastore(backend, content, { ...ref, run: spec.originRun! });
  const attempt = await origin.doneAttempt();
  if (attempt === undefined) return undefined;
  const data = await origin.readData(attempt);
  await ctx.store.finishAttempt(args.attempt, data);
  if (args.recorder !== "task") return data;
  const metadata = await openMetadata({ kind: args.metadata, backend });
  const originPath = `${args.flow}/${spec.originRun}/${args.step}/${args.task}`;
  const now = new Date().toISOString();
  const register = args.attempt === 0 || !(await metadata.getTask(ref)) ? { task: { ...ref, createdAt: now, foreachStack: data.foreachStack, origin: originPath } } : {};
  await metadata.startAttempt(ref, { attempt: args.attempt, startedAt: now, info: { clonedFrom: originPath } }, [], { whole: true, ...register });
  await Promise.all([
    metadata.finishAttempt(ref, { attempt: args.attempt, startedAt: now, finishedAt: now, ok: true }, artifactMetadata(content, data), { whole: true }),
    recordReports(metadata, content, ref, args.attempt, data),
  ]);
  return data;
}
