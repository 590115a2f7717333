import { hostname } from "node:os";
import { ContentStore } from "../../datastore/content-store.ts";
import { layout, pathspecOf, type TaskRef } from "../../datastore/layout.ts";
import { TaskDatastore, type TaskData } from "../../datastore/task-datastore.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import type { ForeachFrame } from "../../flow/current.ts";
import type { MetadataProvider, RunStatus } from "../../metadata/types.ts";
import { artifactMetadata, attemptFacts, recordReports } from "../attempt-records.ts";
import { foreachStackOf, taskKey } from "../foreach-stack.ts";
import { branchOf } from "../../flow/graph/graph.ts";
import type { RunSpec } from "../run-spec.ts";
import type { TaskArgs } from "../task/args.ts";
import type { Reporter } from "./reporter.ts";
import { needsFallback, shouldRetry, taskPolicy } from "../../compute/policy.ts";
import type { AttemptOutcome, ComputeBackend, LaunchedAttempt } from "../../compute/types.ts";
import { absentIfNotFound } from "../../errors/weft-error.ts";
import { TASK_EXIT } from "../task/exit-codes.ts";
import { childPosition, positionsOf, taskIdOf, type Positions } from "../task-identity.ts";
import { timerDelay } from "../long-timeout.ts";
import { givenContextBytes, handedBack } from "../task/runner-pipes.ts";
import { SeenOutput } from "./lost-output.ts";

interface QueuedTask {
  step: string;
  /** Derived from the position (task-identity.ts): the task finds its parents from it. */
  task: string;
  /** Its foreach items and loop iterations, which its id is written from. */
  position: number[];
  /** Its foreach path, known before it runs; with the step, it identifies the task across runs. */
  stack: ForeachFrame[];
  attempt: number;
  /** Epoch ms before which a retry must not start. */
  notBefore: number;
  /** @catchError's fallback attempt after a lost one: it stores the error instead of running the step. */
  fallback?: boolean;
  /** The done marker of the task that queued this one, by step/task: handed to the task with the run spec. */
  finished?: Record<string, TaskData>;
}

/** A finished task of the run being resumed. */
export interface OriginTask {
  task: string;
  data: TaskData;
}

/** What `weft resume` hands the scheduler: the origin's finished tasks and the steps to run again. */
export interface CloneSource {
  run: string;
  /** By taskKey(step, task id). */
  tasks: Map<string, OriginTask>;
  /** Steps whose tasks run again even where the origin finished them. */
  rerun: ReadonlySet<string>;
  /** Tasks (by taskKey) cloned even though their step is in `rerun`: loop iterations before the one that failed. */
  keep?: ReadonlySet<string>;
}

export interface SchedulerOptions {
  spec: RunSpec;
  backend: StorageBackend;
  metadata: MetadataProvider;
  /** Where a step's attempts run; @catchError's fallback attempt (which runs no step code) is asked for with `fallback`. */
  compute: (step: string, fallback: boolean) => ComputeBackend;
  /** The datastore and metadata settings every task is started with. */
  taskSettings: Pick<TaskArgs, "datastore" | "datastoreRoot" | "metadata">;
  maxWorkers: number;
  reporter: Reporter;
  env: NodeJS.ProcessEnv;
  /** Set when resuming: finished tasks of the origin are cloned instead of run. */
  clone?: CloneSource;
}

export interface RunResult {
  status: RunStatus;
  reason?: string;
  /** For a resumed run: how many tasks were reused, and the time from the first clone to the last. */
  cloned?: { count: number; seconds: number };
}

/**
 * Runs the tasks of one run on this machine, each attempt in its own process, at
 * most `maxWorkers` at once. A task's successors are queued when it finishes; a join
 * is queued when every task it waits for (one per branch, or one per foreach item in
 * the same foreach context) has finished.
 */
export class Scheduler {
  private readonly queue: QueuedTask[] = [];
  private readonly running = new Map<string, LaunchedAttempt>();
  /** Tasks being run or cloned, by step/task. */
  private readonly pending = new Set<string>();
  private readonly arrivals = new Map<string, Set<string | number>>();
  private readonly content: ContentStore;
  private readonly positions: Positions;
  /** The run spec as every task is handed it. */
  private readonly runSpecJson: string;
  private writes = 0;
  /** Set once an attempt of the run did not succeed: from then on a task may have a later attempt than its first. */
  private retried = false;
  private readonly clones = { count: 0, first: 0, last: 0 };
  private stopped: RunResult | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private settle: (result: RunResult) => void = () => {};

  constructor(private readonly options: SchedulerOptions) {
    this.content = new ContentStore(options.backend, layout.contentPrefix(options.spec.flow));
    this.positions = positionsOf(options.spec.graph);
    this.runSpecJson = JSON.stringify(options.spec);
  }

  run(): Promise<RunResult> {
    const result = new Promise<RunResult>((resolve) => (this.settle = resolve));
    this.enqueue("start", [], []);
    this.pump();
    return result;
  }

  /** Stops the run: kills running attempts, starts nothing more. */
  stop(result: RunResult): void {
    if (this.stopped) return;
    this.stopped = result;
    clearTimeout(this.wakeTimer);
    for (const attempt of this.running.values()) attempt.kill();
    this.finishIfIdle();
  }

  private enqueue(step: string, stack: ForeachFrame[], position: number[], finished?: Record<string, TaskData>): void {
    this.queue.push({ step, task: taskIdOf(position, this.positions.frames[step]), position, stack, attempt: 0, notBefore: 0, ...(finished ? { finished } : {}) });
  }

  private pump(): void {
    if (this.stopped) return this.finishIfIdle();
    for (let at = this.queue.findIndex((t) => this.originOf(t)); at >= 0; at = this.queue.findIndex((t) => this.originOf(t))) {
      const task = this.queue.splice(at, 1)[0]!;
      this.track(task, this.cloneTask(task, this.originOf(task)!));
    }
    const now = Date.now();
    while (this.running.size < this.options.maxWorkers) {
      const at = this.queue.findIndex((t) => t.notBefore <= now);
      if (at < 0) break;
      this.launch(this.queue.splice(at, 1)[0]!);
    }
    if (this.queue.length && this.running.size < this.options.maxWorkers) {
      const wait = Math.min(...this.queue.map((t) => t.notBefore)) - now;
      clearTimeout(this.wakeTimer);
      // Clamped: a retry delay past 24.8 days (or Infinity) would overflow to 1 ms and spin; pump() re-arms.
      this.wakeTimer = setTimeout(() => this.pump(), Math.max(timerDelay(wait), 10));
    }
    this.finishIfIdle();
  }

  private finishIfIdle(): void {
    if (this.pending.size > 0) return;
    const cloned = this.clones.count ? { cloned: { count: this.clones.count, seconds: (this.clones.last - this.clones.first) / 1000 } } : {};
    if (this.stopped) return this.settle({ ...this.stopped, ...cloned });
    if (this.queue.length === 0) this.settle({ status: "succeeded", ...cloned });
  }

  private launch(task: QueuedTask): void {
    const { spec, reporter } = this.options;
    const ref: TaskRef = { flow: spec.flow, run: spec.run, step: task.step, task: task.task };
    const pathspec = pathspecOf(ref);
    const decorators = spec.decorators[task.step] ?? {};
    const startedAt = new Date().toISOString();
    const compute = this.options.compute(task.step, task.fallback === true);
    reporter.started(task.step, pathspec, task.attempt);
    const seen = new SeenOutput();
    const attempt = compute.launch({
      args: {
        ...this.options.taskSettings,
        ...ref,
        attempt: task.attempt,
        recorder: compute.recorder,
        ...(task.fallback ? { fallback: true } : {}),
        // Every task so far finished on its first attempt, so its parents have no other to look for.
        ...(this.retried ? {} : { parentsFirstAttempt: true }),
      },
      env: this.taskEnv(task.step, decorators.environment?.vars),
      context: () => givenContextBytes(this.runSpecJson, task.finished ?? {}),
      // The fallback runs no step code: the step's @timeout is not its deadline (as on Argo), or a loaded machine's start-up could lose it too.
      policy: task.fallback ? { ...taskPolicy(decorators), timeoutSeconds: undefined } : taskPolicy(decorators),
      decorators,
      onLine: (stream, line) => {
        if (attempt.combinedOutput) seen.addCombined(line);
        else seen.add(stream, line);
        reporter.output(pathspec, stream, line);
      },
      onStatus: (text) => reporter.output(pathspec, "stderr", `[${compute.kind}] ${text}`),
    });
    this.running.set(pathspec, attempt);
    const recorded = compute.recorder === "runner";
    if (recorded) this.recordStart(task, ref, startedAt, attempt.pid);
    this.track(
      task,
      attempt.done.then((outcome) => {
        // The slot is the process: the next queued task starts while this one's result is read.
        this.running.delete(pathspec);
        this.pump();
        return this.onExit(task, ref, outcome, startedAt, seen, recorded);
      }),
    );
  }

  /**
   * The runner records each attempt it launches, over its one warm connection, so a
   * task process spends nothing on metadata unless it fails (then it records why). The
   * start, its facts and the first attempt's task are one record, and the whole of it.
   */
  private recordStart(task: QueuedTask, ref: TaskRef, startedAt: string, pid: number | undefined): void {
    const { metadata, spec } = this.options;
    const info = { host: hostname(), ...(pid === undefined ? {} : { pid }), decorators: spec.decorators[task.step] ?? {} };
    const register = task.attempt === 0 ? { task: { ...ref, createdAt: startedAt, foreachStack: task.stack } } : {};
    this.record(ref, metadata.startAttempt(ref, { attempt: task.attempt, startedAt, info }, attemptFacts(spec, ref, task.attempt, pid), { whole: true, ...register }));
  }

  /**
   * Records the end of an attempt whose process could not: killed, timed out, or gone
   * without a result. An attempt that records itself may never have started (its pod
   * could not pull its image): its task and start are recorded first where missing.
   */
  private recordLoss(ref: TaskRef, task: QueuedTask, startedAt: string, type: string, message: string, recorded: boolean): Promise<void> {
    const { metadata } = this.options;
    const end = { attempt: task.attempt, startedAt, finishedAt: new Date().toISOString(), ok: false, exception: { type, message } };
    if (recorded) return this.record(ref, metadata.finishAttempt(ref, end));
    const write = metadata.listAttempts(ref).then(async (attempts) => {
      if (!attempts.some((a) => a.attempt === task.attempt)) {
        const register = attempts.length === 0 ? { task: { ...ref, createdAt: startedAt, foreachStack: task.stack } } : {};
        await metadata.startAttempt(ref, { attempt: task.attempt, startedAt, info: { host: hostname(), decorators: this.options.spec.decorators[task.step] ?? {} } }, [], register);
      }
      await metadata.finishAttempt(ref, end);
    });
    return this.record(ref, write);
  }

  /** Keeps the run open until `write` lands; a write that fails stops the run, saying why. Settles when it has. */
  private record(ref: TaskRef, write: Promise<unknown>): Promise<void> {
    const key = `metadata ${pathspecOf(ref)} #${this.writes++}`;
    this.pending.add(key);
    return write
      .then(() => undefined)
      .catch((error: unknown) => this.stop({ status: "failed", reason: `Could not record task ${pathspecOf(ref)} in ${this.options.metadata.location}: ${(error as Error).message}` }))
      .finally(() => {
        this.pending.delete(key);
        this.pump();
      });
  }

  /**
   * The environment of a task: the runner's, with @environment's variables. The
   * variables an `env` secret reads are withheld from tasks whose step does not declare
   * that secret: a secret reaches only the steps that ask for it.
   */
  private taskEnv(step: string, vars: Record<string, string> | undefined): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...this.options.env, ...(vars ?? {}) };
    const plans = this.options.spec.secrets ?? {};
    const declared = new Set((plans[step]?.sources ?? []).filter((s) => s.type === "env").map((s) => s.name));
    for (const plan of Object.values(plans)) for (const s of plan.sources) if (s.type === "env" && !declared.has(s.name)) delete env[s.name];
    return env;
  }

  /** Keeps the run alive until `work` settles, then schedules what it unblocked. */
  private track(task: QueuedTask, work: Promise<void>): void {
    const key = `${task.step}/${task.task}`;
    this.pending.add(key);
    work
      .catch((error: unknown) => this.stop({ status: "failed", reason: `internal error handling ${key}: ${(error as Error).stack ?? String(error)}` }))
      .finally(() => {
        this.pending.delete(key);
        this.pump();
      });
  }

  /** The origin's finished task that this one may reuse, when resuming. */
  private originOf(task: QueuedTask): OriginTask | undefined {
    const clone = this.options.clone;
    const key = taskKey(task.step, task.task);
    if (!clone || (clone.rerun.has(task.step) && !clone.keep?.has(key))) return undefined;
    return clone.tasks.get(key);
  }

  /**
   * Records the origin's result as this task's, by reference: the artifact index is
   * copied, the artifact bytes are not. The foreach stack is this run's, whose task ids
   * differ from the origin's.
   */
  private async cloneTask(task: QueuedTask, origin: OriginTask): Promise<void> {
    const { spec, metadata, reporter } = this.options;
    if (this.clones.count++ === 0) this.clones.first = Date.now();
    const ref: TaskRef = { flow: spec.flow, run: spec.run, step: task.step, task: task.task };
    const originPath = `${spec.flow}/${this.options.clone!.run}/${task.step}/${origin.task}`;
    const data: TaskData = { ...origin.data, foreachStack: task.stack };
    const now = new Date().toISOString();
    await new TaskDatastore(this.options.backend, this.content, ref).finishAttempt(0, data);
    // Independent records, sent together like a launched attempt's; the run waits for them, the successors need not.
    const registered = { task: { ...ref, createdAt: now, foreachStack: task.stack, origin: originPath } };
    this.record(ref, metadata.startAttempt(ref, { attempt: 0, startedAt: now, info: { clonedFrom: originPath } }, [], { whole: true, ...registered }));
    this.record(ref, metadata.finishAttempt(ref, { attempt: 0, startedAt: now, finishedAt: now, ok: true }, artifactMetadata(this.content, data), { whole: true }));
    // The clone's cards and metrics are the origin's blobs, indexed again under this task.
    this.record(ref, recordReports(metadata, this.content, ref, 0, data));
    this.clones.last = Date.now();
    reporter.cloned(task.step, pathspecOf(ref), originPath);
    this.queueSuccessors(task, data);
  }

  private async onExit(task: QueuedTask, ref: TaskRef, outcome: AttemptOutcome, startedAt: string, seen: SeenOutput, recorded: boolean): Promise<void> {
    const pathspec = pathspecOf(ref);
    if (this.stopped) {
      if (outcome.signal || outcome.timedOut) this.recordLoss(ref, task, startedAt, "Killed", `Task ${pathspec} was killed: the run is stopping.`, recorded);
      this.options.reporter.finished(task.step, pathspec, "killed", "the run is stopping");
      return;
    }
    const data = outcome.exitCode === 0 ? (handedBack(outcome.result) ?? (await this.readResult(ref, task.attempt))) : undefined;
    if (data) {
      // After the done marker, with the artifacts: a reader that sees the attempt ok finds both.
      // The whole end: a task the runner records records nothing itself when it succeeds.
      if (recorded) {
        this.record(ref, this.options.metadata.finishAttempt(ref, { attempt: task.attempt, startedAt, finishedAt: new Date().toISOString(), ok: true }, artifactMetadata(this.content, data), { whole: true }));
        this.record(ref, recordReports(this.options.metadata, this.content, ref, task.attempt, data));
      }
      this.options.reporter.finished(task.step, pathspec, "done");
      this.queueSuccessors(task, data);
      return;
    }
    this.retried = true;
    // A task that crashed hard lost the output it had not saved yet; the runner saw it.
    await this.saveLostOutput(ref, task.attempt, seen);
    const detail = describeOutcome(outcome);
    let loss: Promise<void> | undefined;
    if (outcome.failure) {
      loss = this.recordLoss(ref, task, startedAt, outcome.timedOut ? "Timeout" : outcome.failure.type, outcome.failure.message, recorded);
    } else if (outcome.timedOut || outcome.signal || outcome.exitCode === 0 || outcome.launchError) {
      // The process could not record its own end (or ended without a result); record it here.
      loss = this.recordLoss(ref, task, startedAt, outcome.timedOut ? "Timeout" : outcome.signal ? "Killed" : outcome.launchError ? "LaunchFailed" : "NoResult", `Task ${pathspec} ${detail}.`, recorded);
    } else if (EXIT_MEANINGS[outcome.exitCode ?? -1] === undefined) {
      // Weft's task exits 1–4 only after recording its failure; any other code means Node or the step's code exited around it.
      loss = this.recordLoss(ref, task, startedAt, "ExitedUnrecorded", `Task ${pathspec} ended with ${detail}, without recording why; see its stderr.`, recorded);
    }
    const decorators = this.options.spec.decorators[task.step] ?? {};
    const policy = taskPolicy(decorators);
    if (shouldRetry(policy, task.attempt, outcome)) {
      this.options.reporter.finished(task.step, pathspec, "retrying", `${detail}; retrying (attempt ${task.attempt + 2} of ${policy.retries + 1})`);
      this.queue.push({ ...task, attempt: task.attempt + 1, notBefore: Date.now() + policy.secondsBetweenRetries * 1000 });
      return;
    }
    if (needsFallback(decorators, task.fallback === true, outcome) && loss) {
      // The fallback reads the lost attempt's exception: it starts once that is recorded.
      await loss;
      if (this.stopped) return;
      this.options.reporter.finished(task.step, pathspec, "retrying", `${detail}; @catchError stores the error (attempt ${task.attempt + 2}, without running the step)`);
      this.queue.push({ ...task, attempt: task.attempt + 1, notBefore: 0, fallback: true });
      return;
    }
    const final = task.attempt < policy.retries ? `${detail}; not retried, a retry would fail the same way` : detail;
    this.options.reporter.finished(task.step, pathspec, "failed", final);
    this.stop({ status: "failed", reason: `Task ${pathspec} failed (${final}).` });
  }

  /** Saves the lines of an attempt without a result that its logs lack; a failure to is reported, not fatal. */
  private async saveLostOutput(ref: TaskRef, attempt: number, seen: SeenOutput): Promise<void> {
    try {
      await seen.saveMissing(this.options.backend, ref, attempt);
    } catch (error) {
      this.options.reporter.output(pathspecOf(ref), "stderr", `weft: could not save the output this attempt lost: ${(error as Error).message}`);
    }
  }

  /** The attempt's result; undefined only when it has none. A result that cannot be read stops the run, saying why. */
  private async readResult(ref: TaskRef, attempt: number): Promise<TaskData | undefined> {
    const store = new TaskDatastore(this.options.backend, this.content, ref);
    return store
      .readData(attempt)
      .catch(absentIfNotFound)
      .catch((error: unknown) => {
        throw new Error(`could not read the result of ${pathspecOf(ref)} attempt ${attempt}: ${(error as Error).message}`, { cause: error });
      });
  }

  /**
   * Queues what a finished task leads to, following the transition it recorded: for a
   * switch, the one case it took (a loop's next iteration when that case goes back).
   */
  private queueSuccessors(task: QueuedTask, data: TaskData): void {
    const { graph } = this.options.spec;
    const parent = { step: task.step, task: task.task, stack: data.foreachStack, numSplits: data.foreach?.numSplits };
    const to = (next: string, splitIndex?: number) => childPosition(this.positions, task.step, task.position, next, splitIndex);
    // The successor's parent, as it would read it; a join's several parents are read by the join.
    const finished = { [`${task.step}/${task.task}`]: data };
    if (data.foreach) {
      const body = graph.nodes[task.step]!.next[0]!;
      for (let i = 0; i < data.foreach.numSplits; i++) this.enqueue(body, foreachStackOf({ graph, step: body, parent, splitIndex: i }), to(body, i), finished);
      return;
    }
    const next = graph.nodes[task.step]!.switch ? data.next : graph.nodes[task.step]!.next;
    for (const step of next) {
      if (graph.nodes[step]!.isJoin) this.arrive(step, task.step, data.foreachStack, to(step));
      else this.enqueue(step, foreachStackOf({ graph, step, parent, splitIndex: undefined }), to(step), finished);
    }
  }

  /**
   * Records a task reaching a join; queues the join once all its inputs are in: one per
   * item of a foreach, or one per branch of a static split (where a switch chose between
   * steps of a branch, whichever ran). The join derives their ids itself.
   */
  private arrive(join: string, fromStep: string, stack: ForeachFrame[], position: number[]): void {
    const node = this.options.spec.graph.nodes[join]!;
    const isForeach = node.joins?.kind === "foreach";
    const context = isForeach ? stack.slice(0, -1) : stack;
    const key = `${join}/${taskIdOf(position, this.positions.frames[join])}`;
    const slots = this.arrivals.get(key) ?? new Set<string | number>();
    this.arrivals.set(key, slots);
    const frame = stack[stack.length - 1];
    slots.add(isForeach ? frame!.index : branchOf(node, fromStep));
    if (slots.size === (isForeach ? frame!.numSplits : new Set(node.prev.map((p) => branchOf(node, p))).size)) {
      this.arrivals.delete(key);
      this.enqueue(join, context, position);
    }
  }
}

/** What happened to an attempt that left no result, for messages. */
function describeOutcome(outcome: AttemptOutcome): string {
  if (outcome.timedOut) return "timed out";
  if (outcome.failure) return outcome.failure.message.replace(/\.$/, "");
  if (outcome.signal) return `killed by ${outcome.signal}`;
  if (outcome.launchError) return `could not start: ${outcome.launchError}`;
  if (outcome.exitCode === 0) return "exited without saving its result";
  const meaning = EXIT_MEANINGS[outcome.exitCode ?? -1];
  return `exit code ${outcome.exitCode}${meaning ? `: ${meaning}` : ""}`;
}

const EXIT_MEANINGS: Record<number, string> = {
  [TASK_EXIT.stepFailed]: "the step raised an exception",
  [TASK_EXIT.usage]: "weft step was called wrongly",
  [TASK_EXIT.transient]: "storage or the metadata service failed",
  [TASK_EXIT.invalid]: "the task cannot succeed as given",
};
