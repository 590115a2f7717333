import { hostname } from "node:os";
import { isLastAttempt, taskPolicy } from "../../compute/policy.ts";
import type { TaskData } from "../../datastore/task-datastore.ts";
import type { ForeachFrame } from "../../flow/current.ts";
import { openMetadata } from "../../metadata/registry.ts";
import { HEARTBEAT_INTERVAL_MS, type ErrorInfo, type MetadataProvider } from "../../metadata/types.ts";
import { artifactMetadata, attemptFacts, recordReports } from "../attempt-records.ts";
import type { LostFacts } from "./args.ts";
import { lostAttemptEnds } from "./lost-attempts.ts";
import type { TaskContext } from "./task-context.ts";

/**
 * Records one attempt in the metadata provider. With `--recorder task` (no runner
 * watching, e.g. in a pod) the attempt accounts for itself: it registers the task,
 * records its start with where it runs and where its logs go, beats while it runs,
 * records its end with its artifacts, and ends the run when it is the `end` step or
 * its failure is final. With `--recorder runner` the runner does all that, and the
 * attempt records only its own failure, which only it can explain.
 */
export class AttemptRecorder {
  private metadata: Promise<MetadataProvider> | undefined;
  private beating: NodeJS.Timeout | undefined;
  private beatFailing = false;

  constructor(
    private readonly ctx: TaskContext,
    private readonly startedAt: string,
  ) {
    // Opened at once so that it overlaps reading the parents and importing the code.
    if (this.selfRecording) this.metadata = this.open();
  }

  private get selfRecording(): boolean {
    return this.ctx.args.recorder === "task";
  }

  /** Registers the task and the attempt's start; from then on the task beats. Throws when the provider cannot record. */
  async started(foreachStack: ForeachFrame[]): Promise<void> {
    if (!this.metadata) return;
    const metadata = await this.metadata;
    const { ref, args, spec } = this.ctx;
    // A retry of a task whose first attempt never got as far as registering registers it.
    const register = args.attempt === 0 || !(await metadata.getTask(ref)) ? { task: { ...ref, createdAt: this.startedAt, foreachStack } } : {};
    // The whole start: a pod that runs this attempt again records the same facts.
    const info = { host: hostname(), pid: process.pid, decorators: spec.decorators[args.step] ?? {} };
    await metadata.startAttempt(ref, { attempt: args.attempt, startedAt: this.startedAt, info }, attemptFacts(spec, ref, args.attempt, process.pid), { whole: true, ...register });
    await metadata.heartbeat(ref);
    this.beating = setInterval(() => void this.beat(metadata), HEARTBEAT_INTERVAL_MS).unref();
  }

  /** Records the attempt's end with its artifacts; the `end` step also ends the run. */
  async succeeded(data: TaskData): Promise<void> {
    this.stopBeating();
    if (!this.metadata) return;
    const metadata = await this.metadata;
    const { ref, args, content } = this.ctx;
    const finishedAt = new Date().toISOString();
    await Promise.all([
      metadata.finishAttempt(ref, { attempt: args.attempt, startedAt: this.startedAt, finishedAt, ok: true }, artifactMetadata(content, data), { whole: true }),
      recordReports(metadata, content, ref, args.attempt, data),
    ]);
    if (args.step === "end") await metadata.setRunState(args.flow, args.run, { status: "succeeded", finishedAt });
  }

  /** Records the failure; when no attempt follows it (by the step's policy), the run fails too. */
  async failed(exception: ErrorInfo, exitCode: number): Promise<void> {
    this.stopBeating();
    const metadata = await (this.metadata ?? this.open());
    const { ref, args, spec } = this.ctx;
    const finishedAt = new Date().toISOString();
    await metadata.finishAttempt(ref, { attempt: args.attempt, startedAt: this.startedAt, finishedAt, ok: false, exception });
    if (this.selfRecording && isLastAttempt(taskPolicy(spec.decorators[args.step] ?? {}), args.attempt, exitCode)) {
      await metadata.setRunState(args.flow, args.run, { status: "failed", finishedAt, reason: `Task ${this.ctx.store.pathspec} failed (attempt ${args.attempt}, exit code ${exitCode}): ${exception.type}: ${exception.message.split("\n")[0]}` });
    }
  }

  /**
   * For @catchError's fallback: records the end of every earlier attempt that has none
   * (on Argo no runner saw them end; `lost` is what Argo reported of the last one), and
   * returns the exception of the attempt just before this one, as recorded.
   */
  async recordLostAttempts(lost: LostFacts): Promise<ErrorInfo | undefined> {
    const metadata = await (this.metadata ?? this.open());
    const { ref, args, spec, store } = this.ctx;
    const attempts = await metadata.listAttempts(ref);
    const ends = lostAttemptEnds({ pathspec: store.pathspec, attempts, fallbackAttempt: args.attempt, policy: taskPolicy(spec.decorators[args.step] ?? {}), facts: lost, now: new Date().toISOString() });
    await Promise.all(ends.map((end) => metadata.finishAttempt(ref, end)));
    const previous = args.attempt - 1;
    return (ends.find((e) => e.attempt === previous) ?? attempts.find((a) => a.attempt === previous))?.exception;
  }

  stopBeating(): void {
    clearInterval(this.beating);
    this.beating = undefined;
  }

  private open(): Promise<MetadataProvider> {
    return openMetadata({ kind: this.ctx.args.metadata, backend: this.ctx.backend });
  }

  /** A failed beat is reported once, and its recovery too: readers take a task silent for long as lost. */
  private async beat(metadata: MetadataProvider): Promise<void> {
    try {
      await metadata.heartbeat(this.ctx.ref);
      if (this.beatFailing) process.stderr.write(`weft step: heartbeats to ${metadata.location} work again.\n`);
      this.beatFailing = false;
    } catch (error) {
      if (!this.beatFailing) process.stderr.write(`weft step: a heartbeat to ${metadata.location} failed (${(error as Error).message}); the task goes on, but readers show the run as lost if none gets through for a minute.\n`);
      this.beatFailing = true;
    }
  }
}
