import { absentIfNotFound, WeftError } from "../errors/weft-error.ts";
import type { RunRecord, RunState, RunStatus } from "../metadata/types.ts";
import { readRunSpec } from "../runtime/run-spec.ts";
import { runnerIsGone } from "../runtime/runner-liveness.ts";
import { AsyncList } from "./async-list.ts";
import { clientContext, type ClientContext } from "./context.ts";
import { parsePathspec } from "./pathspec.ts";
import { Step } from "./step.ts";
import { loadTask } from "./task.ts";
import { addTags, removeTags } from "./tags.ts";
import type { MetricsQuery, TaskMetricSeries } from "../metadata/types.ts";
import { projectFromTags, type ProjectInfo } from "../flow/project.ts";
import type { ArtifactName, ArtifactValue } from "./types.ts";
import { visibleRun } from "./visibility.ts";

/** One run of a flow. */
export class Run<F = unknown> {
  readonly flowName: string;
  readonly id: string;
  readonly pathspec: string;
  readonly user: string;
  readonly createdAt: Date;
  /** Tags set by Weft (`user:…`, `weft_version:…`); cannot be removed. */
  readonly systemTags: string[];
  /** Tags users add and remove. */
  readonly userTags: string[];
  /** The run this one resumed, if any. */
  readonly originRunId: string | undefined;
  /**
   * For a flow with `@project`: the project, the run's branch and `<project>.<branch>.<Flow>`,
   * read from its `project:` and `project_branch:` system tags; undefined otherwise.
   */
  readonly project: ProjectInfo | undefined;
  /** Why the run failed or was stopped. */
  readonly reason: string | undefined;
  readonly status: RunStatus;
  readonly finishedAt: Date | undefined;

  /** @internal */
  constructor(
    private readonly ctx: ClientContext,
    record: RunRecord,
    state: RunState | undefined,
    /** Parameter values, by field. */
    readonly parameters: Record<string, unknown>,
    /** Step names in graph order, from the run spec. */
    private readonly stepOrder: string[] = [],
  ) {
    this.flowName = record.flow;
    this.id = record.run;
    this.pathspec = `${record.flow}/${record.run}`;
    this.user = record.user;
    this.createdAt = new Date(record.createdAt);
    this.systemTags = record.systemTags;
    this.userTags = record.tags;
    this.originRunId = record.originRun;
    this.project = projectFromTags(record.flow, record.systemTags);
    const effective = effectiveState(state);
    this.status = effective.status;
    this.reason = effective.reason;
    this.finishedAt = effective.finishedAt ? new Date(effective.finishedAt) : undefined;
  }

  /** `Run.get("TrainFlow/12")`. */
  static async get<F = unknown>(pathspec: string): Promise<Run<F>> {
    const path = parsePathspec(pathspec, 2, 2);
    const ctx = await clientContext();
    return loadRun<F>(ctx, await visibleRun(ctx, path.flow, path.run!));
  }

  /** Every tag, system tags first. */
  get tags(): string[] {
    return [...this.systemTags, ...this.userTags];
  }

  /** Adds user tags (validated; system tags are refused) and updates `userTags`; returns them. */
  async addTags(...tags: string[]): Promise<string[]> {
    return ((this as { userTags: string[] }).userTags = await addTags(this, tags));
  }

  /** Removes user tags, all or nothing (each must be on the run) and updates `userTags`; returns them. */
  async removeTags(...tags: string[]): Promise<string[]> {
    return ((this as { userTags: string[] }).userTags = await removeTags(this, tags));
  }

  /** The run has ended: succeeded, failed or was killed. */
  get finished(): boolean {
    return this.status !== "running";
  }

  /** Only a run whose end step finished is successful. */
  get successful(): boolean {
    return this.status === "succeeded";
  }

  /** The steps that have tasks, in the order of the flow's graph. */
  steps(): AsyncList<Step<F>> {
    return new AsyncList(async () => {
      const names = await this.ctx.metadata.listSteps(this.flowName, this.id);
      const rank = (step: string) => (this.stepOrder.includes(step) ? this.stepOrder.indexOf(step) : this.stepOrder.length);
      return names.sort((a, b) => rank(a) - rank(b)).map((name) => new Step<F>(this.ctx, this.flowName, this.id, name));
    });
  }

  /** A step of the run; whether it exists is checked when its tasks are read. */
  step(name: string): Step<F> {
    return new Step<F>(this.ctx, this.flowName, this.id, name);
  }

  /**
   * The metrics of the run's finished tasks, one series per task and name (each task's
   * latest attempt), by step in graph order, then task. `maxPoints` as in Task.metrics;
   * 0 gives each series' count and last point only.
   */
  async metrics(query: MetricsQuery = {}): Promise<TaskMetricSeries[]> {
    const all = await this.ctx.metadata.listRunMetrics(this.flowName, this.id, query);
    const latest = new Map<string, number>();
    for (const s of all) latest.set(`${s.stepName}/${s.task}`, Math.max(latest.get(`${s.stepName}/${s.task}`) ?? 0, s.attempt));
    const rank = (step: string) => (this.stepOrder.includes(step) ? this.stepOrder.indexOf(step) : this.stepOrder.length);
    return all.filter((s) => s.attempt === latest.get(`${s.stepName}/${s.task}`)).sort((a, b) => rank(a.stepName) - rank(b.stepName));
  }

  /** An artifact of the end step: the run's result. */
  async data<K extends ArtifactName<F>>(name: K): Promise<ArtifactValue<F, K>> {
    const [record] = await this.ctx.metadata.listTasks(this.flowName, this.id, "end");
    const end = record && (await loadTask<F>(this.ctx, record, record));
    if (!end?.successful) {
      throw new WeftError("NOT_FOUND", `Run ${this.pathspec} has no finished end step (status: ${this.status}).`, {
        hint: `Read the artifact from the task that made it: (await run.step("<step>").task()).data("${name}").`,
      });
    }
    return end.data(name);
  }
}

/** @internal */
export async function loadRun<F>(ctx: ClientContext, record: RunRecord): Promise<Run<F>> {
  const [state, spec] = await Promise.all([ctx.metadata.getRunState(record.flow, record.run), readRunSpec(ctx.backend, record.flow, record.run).catch(absentIfNotFound)]);
  return new Run<F>(ctx, record, state, spec?.params ?? {}, spec?.graph.steps ?? []);
}

/**
 * A run recorded as running whose runner is gone (on this machine) is reported failed,
 * and so is a run that never recorded a state: neither will ever finish.
 */
function effectiveState(state: RunState | undefined): RunState {
  if (!state) return { status: "failed", reason: "the run stopped before it started any task" };
  if (runnerIsGone(state)) {
    return { status: "failed", reason: `its runner (pid ${state.runner!.pid}) stopped without finishing it` };
  }
  return state;
}
