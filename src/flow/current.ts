import type { CardCollection } from "./card-api.ts";

/** One frame of the foreach path of a task: which split it came from and where. */
export interface ForeachFrame {
  /** The step that split, and its task id. */
  step: string;
  task: string;
  index: number;
  numSplits: number;
}

export interface CurrentTask {
  flowName: string;
  runId: string;
  stepName: string;
  taskId: string;
  pathspec: string;
  retryCount: number;
  /** The run a resumed task was cloned from. */
  origin: string | undefined;
  namespace: string;
  username: string;
  foreachStack: ForeachFrame[];
  /**
   * The field names of the flow's parameters (`@param`), in declaration order, then of its
   * included files (`@includeFile`, parameters in Metaflow too); not its configs.
   */
  parameterNames: string[];
  /**
   * The run's user tags as the run started (`weft run --tag`), as Metaflow's `current.tags`:
   * the same as the client's `Run.userTags` until tags are added or removed later.
   */
  tags: string[];
  /** The tags Weft set on the run (`user:…`, `weft_version:…`, `runtime:…`, `host:…`): the client's `Run.systemTags`. */
  systemTags: string[];
  /**
   * The task's cards (@card): `current.card.<id>.append(component)`, `refresh()`.
   * Without @card on the step, what is appended is ignored (said once on stderr).
   */
  card: CardCollection;
  /**
   * Records one point of a metric's time series for this task: `logMetric("loss", 0.31,
   * { step: epoch })`. Without `step`, the point follows the metric's previous one (0, 1,
   * 2…). Saved with the task (and in the metadata when it ends); read with
   * `task.metrics()`, `run.metrics()` and `weft metrics`.
   */
  logMetric(name: string, value: number, options?: MetricOptions): void;
  /** With `@project({ name })`: the project's name; undefined without @project. */
  projectName: string | undefined;
  /** With @project: the run's branch, `user.<name>`, `test.<branch>` (`--branch`) or `prod` (`--production`). */
  branchName: string | undefined;
  /** With @project: `<project>.<branch>.<Flow>`, what deployments of this branch are named after. */
  projectFlowName: string | undefined;
}

export interface MetricOptions {
  /** The point's position on the x axis: an epoch, an iteration. A whole number ≥ 0. */
  step?: number;
}

let active: CurrentTask | undefined;

/** Set once by the task executor before the step body runs. */
export function setCurrent(task: CurrentTask | undefined): void {
  active = task ? Object.freeze({ ...task, foreachStack: task.foreachStack.map((f) => Object.freeze({ ...f })), parameterNames: [...task.parameterNames], tags: [...task.tags], systemTags: [...task.systemTags] }) : undefined;
}

/** The running task. Reading it outside a task throws, naming the field. */
export const current: Readonly<CurrentTask> & { readonly isRunning: boolean } = new Proxy({} as never, {
  get(_target, key) {
    if (key === "isRunning") return active !== undefined;
    if (!active) throw new Error(`current.${String(key)} is only available inside a running step.`);
    return active[key as keyof CurrentTask];
  },
});
