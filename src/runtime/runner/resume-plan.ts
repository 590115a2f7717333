import { ContentStore } from "../../datastore/content-store.ts";
import { layout } from "../../datastore/layout.ts";
import { TaskDatastore } from "../../datastore/task-datastore.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { absentIfNotFound, WeftError } from "../../errors/weft-error.ts";
import { readFileSync } from "node:fs";
import { resolveConfigs, type ResolvedConfigs } from "../../flow/configs.ts";
import type { FlowGraph } from "../../flow/graph/graph.ts";
import type { LoadedFlow } from "../../flow/load/load-flow.ts";
import type { MetadataProvider, RunRecord } from "../../metadata/types.ts";
import { taskKey } from "../foreach-stack.ts";
import { positionOf, positionsOf, type ParentRef } from "../task-identity.ts";
import { runnerIsLive } from "../runner-liveness.ts";
import { readRunSpec, type IncludedFile, type RunSpec } from "../run-spec.ts";
import type { CloneSource, OriginTask } from "./scheduler.ts";

export interface ResumeRequest {
  backend: StorageBackend;
  metadata: MetadataProvider;
  flow: LoadedFlow;
  user: string;
  /** Default: the user's latest run of the flow. */
  originRunId?: string;
  /** Run this step and everything after it again. Default: the steps that did not finish. */
  step?: string;
}

export interface ResumePlan {
  origin: RunRecord;
  clone: CloneSource;
  /** The origin's parameter values, with defaults for parameters added since. */
  params: Record<string, unknown>;
  /** The origin's config values, with defaults for configs added since: a resumed run sees what its origin saw. */
  configs: ResolvedConfigs;
  /** The origin's included files, already stored: not read again, so the files need not exist any more. */
  includedFiles: Record<string, IncludedFile>;
}

/** Decides what a resumed run reuses from its origin and what it runs again. */
export async function planResume(request: ResumeRequest): Promise<ResumePlan> {
  const { flow, metadata, backend } = request;
  const origin = await originRun(request);
  const state = await metadata.getRunState(flow.name, origin.run);
  if (runnerIsLive(state)) {
    throw new WeftError("USAGE", `Run ${flow.name}/${origin.run} is still running (pid ${state!.runner!.pid}).`, { hint: "Wait for it to end or stop it with Ctrl-C, then resume." });
  }
  const spec = origin.spec;
  const { tasks, unfinished } = await indexOrigin(backend, flow.name, origin.run, spec.graph.steps);
  const unfinishedSteps = [...new Set(unfinished.map((t) => t.step))];
  let rerun: Set<string>;
  let keep: Set<string> | undefined;
  if (request.step) {
    if (!flow.graph.nodes[request.step]) {
      throw new WeftError("USAGE", `Flow ${flow.name} has no step "${request.step}" to resume from.`, { hint: `Steps: ${flow.graph.steps.join(", ")}.` });
    }
    rerun = withDescendants(flow.graph, [request.step]);
  } else {
    if (state?.status === "succeeded") {
      throw new WeftError("USAGE", `Run ${flow.name}/${origin.run} succeeded; there is nothing to resume.`, { hint: `Name a step to run again from it: weft resume ${flow.file} <step> --origin-run-id ${origin.run}` });
    }
    rerun = withDescendants(flow.graph, unfinishedSteps.filter((s) => flow.graph.nodes[s]));
    keep = earlierIterations(spec.graph, tasks, unfinished);
  }
  const params: Record<string, unknown> = {};
  for (const p of flow.params) {
    if (Object.hasOwn(spec.params, p.field)) params[p.field] = spec.params[p.field];
    else if (p.defaultValue !== undefined) params[p.field] = p.defaultValue;
    else throw new WeftError("PARAMETER", `Parameter --${p.flag} is required but run ${flow.name}/${origin.run} has no value for it.`, { hint: "Start a new run with weft run instead." });
  }
  return { origin, clone: { run: origin.run, tasks, rerun, ...(keep?.size ? { keep } : {}) }, params, configs: originConfigs(flow, spec), includedFiles: spec.includedFiles ?? {} };
}

/**
 * The config values of the origin run for the configs the flow still declares, and
 * for a config declared since, its default (a config the origin had and the flow no
 * longer declares is dropped).
 */
function originConfigs(flow: LoadedFlow, spec: RunSpec): ResolvedConfigs {
  const origin = spec.configs ?? { values: {}, origins: {} };
  const added = flow.configs.filter((c) => !Object.hasOwn(origin.values, c.field));
  const fresh = resolveConfigs(added, [], (path) => readFileSync(path, "utf8"));
  const kept = flow.configs.filter((c) => Object.hasOwn(origin.values, c.field)).map((c) => c.field);
  return {
    values: { ...Object.fromEntries(kept.map((f) => [f, origin.values[f]])), ...fresh.values },
    origins: { ...Object.fromEntries(kept.map((f) => [f, origin.origins[f]!])), ...fresh.origins },
  };
}

/**
 * The run to resume and its run spec. By default the user's newest run that got as far
 * as writing its run spec: a runner killed before that left nothing to resume.
 */
async function originRun({ metadata, backend, flow, user, originRunId }: ResumeRequest): Promise<RunRecord & { spec: RunSpec }> {
  const runs = await metadata.listRuns(flow.name);
  if (originRunId !== undefined) {
    const record = runs.find((r) => r.run === originRunId);
    if (!record) {
      throw new WeftError("NOT_FOUND", `Flow ${flow.name} has no run "${originRunId}" to resume.`, { hint: runs.length ? `Latest runs: ${runs.slice(0, 5).map((r) => r.run).join(", ")}.` : `Run it first: weft run ${flow.file}` });
    }
    return { ...record, spec: await readRunSpec(backend, flow.name, record.run) };
  }
  const mine = runs.filter((r) => r.systemTags.includes(`user:${user}`));
  for (const record of mine) {
    // Only a missing run spec means the run stopped before it began; any other failure is reported.
    const spec = await readRunSpec(backend, flow.name, record.run).catch(absentIfNotFound);
    if (spec) return { ...record, spec };
  }
  if (mine.length) {
    throw new WeftError("NOT_FOUND", `Your runs of ${flow.name} (${mine.map((r) => r.run).join(", ")}) stopped before any task ran: there is nothing to resume.`, { hint: `Start a new run: weft run ${flow.file}` });
  }
  throw new WeftError("NOT_FOUND", `No run of ${flow.name} by ${user} to resume.`, { hint: `Run it first: weft run ${flow.file}, or pass --origin-run-id.` });
}

/** The origin's finished tasks by key, and the tasks that never finished. */
async function indexOrigin(backend: StorageBackend, flow: string, run: string, steps: string[]): Promise<{ tasks: Map<string, OriginTask>; unfinished: ParentRef[] }> {
  const content = new ContentStore(backend, layout.contentPrefix(flow));
  const tasks = new Map<string, OriginTask>();
  const unfinished: ParentRef[] = [];
  await Promise.all(
    steps.map(async (step) => {
      const ids = (await backend.list(layout.step(flow, run, step))).filter((k) => k.endsWith("/")).map((k) => k.slice(0, -1).split("/").pop()!);
      await Promise.all(
        ids.map(async (task) => {
          const store = new TaskDatastore(backend, content, { flow, run, step, task });
          const attempt = await store.doneAttempt();
          if (attempt === undefined) return void unfinished.push({ step, task });
          const data = await store.readData(attempt);
          tasks.set(taskKey(step, task), { task, data });
        }),
      );
    }),
  );
  return { tasks, unfinished };
}

/**
 * The origin's finished tasks of loop iterations before one that failed, by task key:
 * those ran to the end of their iteration, so the resumed run clones them although their
 * steps run again from the failed iteration on (as Metaflow's resume of a recursive step).
 */
function earlierIterations(graph: FlowGraph, tasks: Map<string, OriginTask>, unfinished: ParentRef[]): Set<string> {
  const { frames } = positionsOf(graph);
  const keep = new Set<string>();
  const positionIn = (step: string, task: string) => {
    try {
      return positionOf(task, step, frames[step] ?? []);
    } catch {
      return undefined;
    }
  };
  for (const failed of unfinished) {
    const at = positionIn(failed.step, failed.task);
    const mine = frames[failed.step] ?? [];
    mine.forEach((frame, k) => {
      if (frame.kind !== "loop" || !at) return;
      for (const [key, origin] of tasks) {
        const step = key.slice(0, key.lastIndexOf("/"));
        const theirs = frames[step]?.[k];
        const position = positionIn(step, origin.task);
        if (theirs?.kind !== "loop" || theirs.header !== frame.header || !position) continue;
        if (position.slice(0, k).every((v, i) => v === at[i]) && position[k]! < at[k]!) keep.add(key);
      }
    });
  }
  return keep;
}

function withDescendants(graph: FlowGraph, roots: string[]): Set<string> {
  const found = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const step = stack.pop()!;
    if (found.has(step)) continue;
    found.add(step);
    stack.push(...(graph.nodes[step]?.next ?? []));
  }
  return found;
}
