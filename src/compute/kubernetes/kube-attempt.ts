import { constants } from "node:os";
import type { CoreV1Event, V1Job, V1Pod } from "@kubernetes/client-node";
import type { AttemptOutcome, AttemptRequest, LaunchedAttempt } from "../types.ts";
import type { KubeApi, WatchEvent } from "./kube-api.ts";
import { failedCreate, jobDeadlineExceeded, type KubeFailure, oomFailure, podProgress, unschedulableFailure } from "./pod-state.ts";
import type { JobListener, RunWatch } from "./run-watch.ts";
import { failedLaunch } from "./launch-failure.ts";

export interface KubeAttemptOptions {
  api: KubeApi;
  watch: RunWatch;
  namespace: string;
  /** The Job to create, one per attempt (backoffLimit 0: a retry is a new Job). */
  job: V1Job;
  /** How long a pod may stay unschedulable before the attempt fails; 0 fails at once. */
  schedulingTimeoutMs: number;
  request: AttemptRequest;
}

const KUBERNETES_HINT_NO_WEFT = "The image has no `weft` on its PATH (exit code 127): build it FROM the Weft runtime image (docs/runtime-image.md), or install weft in it.";

/**
 * One attempt as a Kubernetes Job: creates it, follows its pod through the run's shared
 * watch (phases shown live, the container's log streamed to the terminal), and settles
 * `done` with how it ended — `weft step`'s exit code, or a KubeFailure naming the pod, the
 * reason and the fix when it never ran or was killed. `kill()` deletes the Job and its pod.
 */
export class KubeAttempt implements LaunchedAttempt, JobListener {
  readonly pid = undefined;
  readonly handle: string;
  readonly done: Promise<AttemptOutcome>;
  /** The pod's log merges stdout and stderr: lines reach `onLine` as stdout. */
  readonly combinedOutput = true;
  private settle: (outcome: AttemptOutcome) => void = () => {};
  private finished = false;
  private killed = false;
  /** The pod was deleted before its container ended. */
  private podGone = false;
  /** How the container ended, once it has. */
  private podEnd: AttemptOutcome | undefined;
  /** The Job's terminal condition, once it has one. */
  private jobEnd: "complete" | "failed" | "deadline" | undefined;
  private lastStatus = "";
  private following: Promise<void> | undefined;
  private unschedulableTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly name: string;

  constructor(private readonly options: KubeAttemptOptions) {
    this.name = options.job.metadata!.name!;
    this.handle = `job ${options.namespace}/${this.name}`;
    this.done = new Promise((resolve) => (this.settle = resolve));
    void this.start();
  }

  kill(): void {
    if (this.finished || this.killed) return;
    this.killed = true;
    const { api, namespace } = this.options;
    void api
      .deleteJob(namespace, this.name)
      .catch((error: Error) => this.status(`could not delete Job ${this.name}: ${error.message}; delete it with \`kubectl delete job -n ${namespace} ${this.name}\``))
      .finally(() => this.end({ exitCode: null, signal: "SIGKILL", timedOut: false }));
  }

  job(type: WatchEvent, job: V1Job): void {
    if (type === "DELETED") {
      if (!this.killed) this.fail({ type: "JobDeleted", message: `Job ${this.name} was deleted while its attempt ran (kubectl delete, or something else cleaning up).`, retryable: true }, false);
      return;
    }
    const conditions = (job.status?.conditions ?? []).filter((c) => c.status === "True");
    if (jobDeadlineExceeded(job)) this.jobEnd = "deadline";
    else if (conditions.some((c) => c.type === "Complete")) this.jobEnd = "complete";
    else if (conditions.some((c) => c.type === "Failed")) this.jobEnd = "failed";
    this.maybeEnd();
  }

  pod(type: WatchEvent, pod: V1Pod): void {
    if (this.killed || this.finished) return;
    if (type === "DELETED") {
      this.podGone = true;
      this.status(`pod ${pod.metadata?.name} was deleted`);
      return this.maybeEnd();
    }
    const progress = podProgress(pod);
    if (progress.state !== "pending") this.clearUnschedulable();
    switch (progress.state) {
      case "pending":
        this.status(progress.detail);
        if (progress.unschedulable !== undefined) this.whileUnschedulable(pod, progress.unschedulable);
        return;
      case "running":
        this.status(`running on node ${progress.node ?? "?"}`);
        this.follow(pod);
        return;
      case "exited":
        this.follow(pod);
        // A container that ended on its pod's graceful deletion was stopped from outside, not by its own failure.
        this.podEnd ??= pod.metadata?.deletionTimestamp && progress.exitCode !== 0 ? { exitCode: null, signal: null, timedOut: false, failure: this.podDeletedFailure() } : exitOutcome(pod, progress.exitCode, progress.reason);
        return this.maybeEnd();
      case "deadline":
        this.podEnd = { exitCode: null, signal: null, timedOut: true };
        return this.maybeEnd();
      case "failed":
        this.fail(progress.failure);
    }
  }

  /**
   * Ends the attempt once both the pod and the Job have had their say: the Job's deadline
   * (@timeout) turns a killed container into a timeout, and a pod that vanished before
   * its container ended was deleted from outside. The log stream is drained first.
   */
  private maybeEnd(): void {
    if (this.finished || this.killed || !this.jobEnd) return;
    let outcome: AttemptOutcome | undefined;
    if (this.jobEnd === "deadline") outcome = { exitCode: null, signal: null, timedOut: true };
    else if (this.podEnd) outcome = this.podEnd;
    else if (this.podGone) return this.podDeleted();
    if (outcome) void this.afterLogs().then(() => this.end(outcome));
  }

  event(event: CoreV1Event): void {
    if (event.reason !== "FailedCreate" || this.finished) return;
    const failure = failedCreate(this.name, this.options.namespace, event.message ?? "");
    if (failure) this.fail(failure);
    else this.status(`waiting: ${event.message}`);
  }

  lost(error: Error): void {
    this.fail({ type: "KubernetesUnavailable", message: `Lost track of Job ${this.name}: ${error.message}`, retryable: true });
  }

  private async start(): Promise<void> {
    const { api, watch, namespace, job } = this.options;
    try {
      this.unsubscribe = await watch.subscribe(this.name, this);
      await api.createJob(namespace, job);
      // Killed while the Job was being created: kill() found nothing to delete, so delete it now.
      if (this.killed) return void (await api.deleteJob(namespace, this.name).catch(() => undefined));
      this.status(`Job ${this.name} created in namespace ${namespace}`);
    } catch (error) {
      this.end(await failedLaunch(error as Error).done);
    }
  }

  private podDeleted(): void {
    this.fail(this.podDeletedFailure(), false);
  }

  private podDeletedFailure(): KubeFailure {
    return { type: "PodDeleted", message: `The pod of Job ${this.name} was deleted while it ran (kubectl delete pod, a node drain, or a node that went away).`, retryable: true };
  }

  /** An unschedulable pod gets the configured time for the cluster autoscaler to add a node. */
  private whileUnschedulable(pod: V1Pod, message: string): void {
    if (this.unschedulableTimer) return;
    const timeout = this.options.schedulingTimeoutMs;
    if (timeout === 0) return this.fail(unschedulableFailure(pod, message));
    this.unschedulableTimer = setTimeout(() => this.fail(unschedulableFailure(pod, message)), timeout);
  }

  private clearUnschedulable(): void {
    clearTimeout(this.unschedulableTimer);
    this.unschedulableTimer = undefined;
  }

  /** Streams the container's log to `onLine`, once per pod, line by line. */
  private follow(pod: V1Pod): void {
    if (this.following) return;
    const { api, namespace, request } = this.options;
    let partial = "";
    this.following = api
      .followLog(namespace, pod.metadata!.name!, pod.spec!.containers[0]!.name, (text) => {
        const lines = (partial + text).split("\n");
        partial = lines.pop()!;
        for (const line of lines) request.onLine("stdout", line);
      })
      .then(
        () => {
          if (partial) request.onLine("stdout", partial);
        },
        (error: Error) => this.status(`could not stream the pod's log (the task saves its own logs; see weft logs): ${error.message}`),
      );
  }

  private afterLogs(): Promise<void> {
    return this.following ?? Promise.resolve();
  }

  /** Ends the attempt with a failure; the Job is deleted first unless it is already gone. */
  private fail(failure: KubeFailure, deleteJob = true): void {
    if (this.finished || this.killed) return;
    this.killed = true;
    const outcome: AttemptOutcome = { exitCode: null, signal: null, timedOut: false, failure };
    if (!deleteJob) return this.end(outcome);
    void this.options.api
      .deleteJob(this.options.namespace, this.name)
      .catch((error: Error) => this.status(`could not delete Job ${this.name}: ${error.message}`))
      .finally(() => this.end(outcome));
  }

  private end(outcome: AttemptOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.clearUnschedulable();
    this.unsubscribe?.();
    this.settle(outcome);
  }

  private status(text: string): void {
    if (text === this.lastStatus || this.finished) return;
    this.lastStatus = text;
    this.options.request.onStatus?.(text);
  }
}

/** How a terminated container ended, as an outcome: an exit code of `weft step`, a signal, or the OOM killer. */
function exitOutcome(pod: V1Pod, exitCode: number, reason: string | undefined): AttemptOutcome {
  if (reason === "OOMKilled") return { exitCode: null, signal: "SIGKILL", timedOut: false, failure: oomFailure(pod) };
  if (exitCode === 127) return { exitCode, signal: null, timedOut: false, failure: { type: "CommandNotFound", message: `Pod ${pod.metadata?.name}: ${KUBERNETES_HINT_NO_WEFT}`, retryable: false } };
  if (exitCode > 128) {
    const signal = Object.entries(constants.signals).find(([, n]) => n === exitCode - 128)?.[0] as NodeJS.Signals | undefined;
    if (signal) return { exitCode: null, signal, timedOut: false };
  }
  return { exitCode, signal: null, timedOut: false };
}
