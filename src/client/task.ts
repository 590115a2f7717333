import { ContentStore } from "../datastore/content-store.ts";
import { layout, pathspecOf, type TaskRef } from "../datastore/layout.ts";
import { TaskDatastore, type ArtifactReader } from "../datastore/task-datastore.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { ForeachFrame } from "../flow/current.ts";
import type { AttemptRecord, ErrorInfo, MetadataEntry, TaskRecord } from "../metadata/types.ts";
import { readRunSpec } from "../runtime/run-spec.ts";
import { childPosition, parentsOf, positionOf, positionsOf, taskIdOf, type ParentRef, type Positions, type RunTasks } from "../runtime/task-identity.ts";
import { absentIfNotFound, isWeftError } from "../errors/weft-error.ts";
import { Artifact } from "./artifact.ts";
import { AsyncList } from "./async-list.ts";
import { clientContext, type ClientContext } from "./context.ts";
import { parsePathspec } from "./pathspec.ts";
import { locateCards, readCard, taskMetrics, type CardEntry } from "./reports.ts";
import type { MetricSeries } from "../metadata/metrics.ts";
import type { MetricsQuery } from "../metadata/types.ts";
import type { ArtifactName, ArtifactValue } from "./types.ts";
import { visibleRun } from "./visibility.ts";

/** One task of a run: its state, its artifacts and its logs. */
export class Task<F = unknown> {
  readonly flowName: string;
  readonly runId: string;
  readonly stepName: string;
  readonly id: string;
  readonly pathspec: string;
  readonly createdAt: Date;
  readonly foreachStack: ForeachFrame[];
  /** The pathspec of the task this one was cloned from by `weft resume`. */
  readonly origin: string | undefined;
  private reader: Promise<ArtifactReader> | undefined;

  /** @internal */
  constructor(
    private readonly ctx: ClientContext,
    record: TaskRecord,
    private readonly attempts: AttemptRecord[],
  ) {
    this.flowName = record.flow;
    this.runId = record.run;
    this.stepName = record.step;
    this.id = record.task;
    this.pathspec = pathspecOf(record);
    this.createdAt = new Date(record.createdAt);
    this.foreachStack = record.foreachStack;
    this.origin = record.origin;
  }

  /** `Task.get("TrainFlow/12/train/3")`. */
  static async get<F = unknown>(pathspec: string): Promise<Task<F>> {
    const path = parsePathspec(pathspec, 4, 4);
    const ctx = await clientContext();
    await visibleRun(ctx, path.flow, path.run!);
    const ref: TaskRef = { flow: path.flow, run: path.run!, step: path.step!, task: path.task! };
    const task = await loadTask<F>(ctx, ref);
    if (task) return task;
    const siblings = (await ctx.metadata.listTasks(ref.flow, ref.run, ref.step)).map((t) => t.task);
    if (siblings.length === 0) {
      const steps = await ctx.metadata.listSteps(ref.flow, ref.run);
      throw new WeftError("NOT_FOUND", `Run ${ref.flow}/${ref.run} has no step "${ref.step}".`, { hint: `Steps: ${steps.join(", ") || "(none yet)"}.` });
    }
    throw new WeftError("NOT_FOUND", `Step ${ref.flow}/${ref.run}/${ref.step} has no task "${ref.task}".`, { hint: `Tasks: ${summarize(siblings)}.` });
  }

  private get last(): AttemptRecord | undefined {
    return this.attempts[this.attempts.length - 1];
  }

  /** The task's latest attempt finished and saved everything. */
  get successful(): boolean {
    return this.last?.ok === true;
  }

  /** The latest attempt has ended, well or badly. */
  get finished(): boolean {
    return this.last?.ok !== undefined;
  }

  get finishedAt(): Date | undefined {
    return this.last?.finishedAt ? new Date(this.last.finishedAt) : undefined;
  }

  /** The latest attempt's number: 0 when it ran once. */
  get retryCount(): number {
    return this.last?.attempt ?? 0;
  }

  /** Why the latest attempt failed, if it did. */
  get exception(): ErrorInfo | undefined {
    return this.last?.ok === false ? this.last.exception : undefined;
  }

  /** Every artifact of the task, without loading any value. */
  artifacts(): AsyncList<Artifact> {
    return new AsyncList(async () => {
      const reader = await this.artifactReader();
      return Object.entries(reader.data.artifacts).map(([name, record]) => new Artifact(name, this.pathspec, record, reader));
    });
  }

  /** One artifact, with its metadata; throws NOT_FOUND listing those that exist. */
  async artifact<K extends ArtifactName<F>>(name: K): Promise<Artifact<ArtifactValue<F, K>>> {
    const reader = await this.artifactReader();
    const record = reader.data.artifacts[name];
    if (!record) reader.loadSync(name);
    return new Artifact(name, this.pathspec, record!, reader);
  }

  /** The value of an artifact, verified against its hash. */
  async data<K extends ArtifactName<F>>(name: K): Promise<ArtifactValue<F, K>> {
    return (await (await this.artifactReader()).load(name)) as ArtifactValue<F, K>;
  }

  /**
   * The tasks this one started from, as the task itself derives them from its id, the
   * graph and the run's done markers: the one task before it (after a switch, the case
   * that ran; in a loop, the previous iteration), each branch of a static join, or every
   * item of the foreach a join closes. In join order; empty for `start`.
   */
  parentTasks(): AsyncList<Task<F>> {
    return new AsyncList(() => this.neighbours("prev"));
  }

  /**
   * The tasks that started from this one, following the transition it recorded: the next
   * step's task (for a switch, the case it took; the next iteration of a loop), each branch
   * of a static split, one task per item of a foreach split, or the join that closes the
   * foreach this task is an item of. Only tasks that exist (a failed run may have none
   * yet); empty for `end`.
   */
  childTasks(): AsyncList<Task<F>> {
    return new AsyncList(() => this.neighbours("next"));
  }

  private async neighbours(direction: "prev" | "next"): Promise<Task<F>[]> {
    const { graph } = await readRunSpec(this.ctx.backend, this.flowName, this.runId);
    if (!graph.nodes[this.stepName]) throw new WeftError("NOT_FOUND", `Run ${this.flowName}/${this.runId} has no step "${this.stepName}" in its graph.`, { hint: `Steps: ${graph.steps.join(", ")}.` });
    const positions = positionsOf(graph);
    let mine: number[];
    try {
      mine = positionOf(this.id, this.stepName, positions.frames[this.stepName] ?? []);
    } catch {
      return [];
    }
    const tasks = this.runTasks();
    // Parents that cannot be found (the run failed before them) are not listed; a storage failure is thrown.
    const unfound = (error: unknown): ParentRef[] => {
      if (isWeftError(error)) throw error;
      return [];
    };
    const refs = direction === "prev" ? (this.stepName === "start" ? [] : await parentsOf(positions, this.stepName, mine, tasks).catch(unfound)) : await this.children(positions, mine, tasks);
    const found = await Promise.all(refs.map((r) => loadTask<F>(this.ctx, { flow: this.flowName, run: this.runId, ...r })));
    return found.filter((t): t is Task<F> => t !== undefined);
  }

  private async children(positions: Positions, mine: number[], tasks: RunTasks): Promise<ParentRef[]> {
    const done = await tasks.done(this.stepName, this.id);
    if (!done) return [];
    const node = positions.graph.nodes[this.stepName]!;
    const next = node.switch ? done.next : node.next;
    const child = (step: string, splitIndex?: number): ParentRef => ({ step, task: taskIdOf(childPosition(positions, this.stepName, mine, step, splitIndex), positions.frames[step]) });
    if (node.split === "foreach") return Array.from({ length: done.numSplits ?? 0 }, (_, i) => child(next[0]!, i));
    return next.map((step) => child(step));
  }

  /** The run's finished tasks as the task runtime reads them: done markers in the datastore. */
  private runTasks(): RunTasks {
    const { backend } = this.ctx;
    const content = new ContentStore(backend, layout.contentPrefix(this.flowName));
    return {
      done: async (step, task) => {
        const reader = await new TaskDatastore(backend, content, { flow: this.flowName, run: this.runId, step, task }).readDone().catch(absentIfNotFound);
        return reader && { next: reader.data.next, ...(reader.data.foreach ? { numSplits: reader.data.foreach.numSplits } : {}) };
      },
      list: async (step) => (await backend.list(layout.step(this.flowName, this.runId, step))).filter((k) => k.endsWith("/")).map((k) => k.slice(0, -1).split("/").pop()!),
    };
  }

  /** Facts recorded about each attempt (host, pid, log locations, code package), by attempt then field. */
  metadata(): Promise<MetadataEntry[]> {
    return this.ctx.metadata.listMetadata(this.ref);
  }

  /**
   * The task's cards (@card): the finished ones, else those its latest attempt wrote
   * while it ran. A task cloned by resume keeps its origin's.
   */
  async cards(): Promise<CardEntry[]> {
    return (await locateCards(this.ctx, this.ref, this.attemptNumbers)).map(({ read: _read, ...entry }) => entry);
  }

  /** One card as a self-contained HTML document: the one with `id`, or the task's only card. */
  async card(id?: string): Promise<string> {
    return (await readCard(this.ctx, this.ref, this.attemptNumbers, id)).html;
  }

  /**
   * The metrics the task logged (`current.logMetric`), one series per name in step
   * order, from its latest attempt that logged any; while the task runs, what it has
   * written so far. `maxPoints` downsamples each series for display (first and last
   * points and spikes kept); the stored series stay exact.
   */
  metrics(query: MetricsQuery = {}): Promise<MetricSeries[]> {
    return taskMetrics(this.ctx, this.ref, this.attemptNumbers, query);
  }

  private get attemptNumbers(): number[] {
    return this.attempts.map((a) => a.attempt);
  }

  /** The saved stdout of the latest attempt (or of `attempt`); for a cloned task, its origin's. */
  stdout(attempt?: number): Promise<string> {
    return this.log("stdout", attempt);
  }

  stderr(attempt?: number): Promise<string> {
    return this.log("stderr", attempt);
  }

  /** A task cloned by resume did not run: its output is the task it was cloned from. */
  private async log(stream: "stdout" | "stderr", attempt?: number): Promise<string> {
    const source = this.origin && attempt === undefined ? await loadTask(this.ctx, refOf(this.origin)) : undefined;
    if (source) return source.log(stream);
    const [bytes] = await this.ctx.backend.getBytes([layout.attemptFile(this.ref, attempt ?? this.retryCount, stream)]);
    return bytes ? Buffer.from(bytes).toString("utf8") : "";
  }

  private get ref(): TaskRef {
    return { flow: this.flowName, run: this.runId, step: this.stepName, task: this.id };
  }

  private artifactReader(): Promise<ArtifactReader> {
    this.reader ??= new TaskDatastore(this.ctx.backend, new ContentStore(this.ctx.backend, layout.contentPrefix(this.flowName)), this.ref).readDone();
    return this.reader;
  }
}

/** @internal Builds a Task from metadata, or undefined when there is no such task. */
export async function loadTask<F>(ctx: ClientContext, ref: TaskRef, known?: TaskRecord): Promise<Task<F> | undefined> {
  const [record, attempts] = await Promise.all([known ?? ctx.metadata.getTask(ref), ctx.metadata.listAttempts(ref)]);
  // A task whose attempt started but whose registration was lost (its runner killed in between): shown unfinished.
  const found = record ?? (attempts.length ? { ...ref, createdAt: attempts[0]!.startedAt || new Date(0).toISOString(), foreachStack: [] } : undefined);
  return found && new Task<F>(ctx, found, attempts);
}

function refOf(pathspec: string): TaskRef {
  const [flow = "", run = "", step = "", task = ""] = pathspec.split("/");
  return { flow, run, step, task };
}

export function summarize(ids: string[]): string {
  return ids.length > 10 ? `${ids.slice(0, 10).join(", ")}, … (${ids.length} in all)` : ids.join(", ");
}
