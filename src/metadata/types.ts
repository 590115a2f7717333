import type { TaskRef } from "../datastore/layout.ts";
import type { ForeachFrame } from "../flow/current.ts";

export type RunStatus = "running" | "succeeded" | "failed" | "killed";

export interface RunRecord {
  flow: string;
  run: string;
  user: string;
  createdAt: string;
  /** Tags users add and remove. */
  tags: string[];
  /** Tags set by Weft (`user:…`, `runtime:…`); cannot be removed. */
  systemTags: string[];
  /** Set for a resumed run. */
  originRun?: string;
}

export interface RunState {
  status: RunStatus;
  finishedAt?: string;
  /** Why the run failed or was stopped, for display. */
  reason?: string;
  /** While running: the runner process, so a reader can tell a crashed runner from a live one. */
  runner?: { host: string; pid: number };
}

export interface TaskRecord extends TaskRef {
  createdAt: string;
  foreachStack: ForeachFrame[];
  /** The pathspec of the task this one was cloned from by resume. */
  origin?: string;
}

export interface ErrorInfo {
  type: string;
  message: string;
  stack?: string;
}

export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  finishedAt?: string;
  ok?: boolean;
  exception?: ErrorInfo;
  /** Validated decorator settings and anything else compute backends want on record. */
  info?: Record<string, unknown>;
}

/**
 * Where runs, tasks and attempts are recorded, and read back by the client. The local
 * provider writes files; the service provider (SPEC §7) talks to the metadata service.
 * Methods are idempotent where a retry could repeat them.
 */
export interface MetadataProvider {
  readonly kind: string;
  /** Allocates the next run id of `flow` and records the run. */
  createRun(init: Omit<RunRecord, "run" | "createdAt">): Promise<RunRecord>;
  setRunState(flow: string, run: string, state: RunState): Promise<void>;
  registerTask(task: TaskRecord): Promise<void>;
  startAttempt(ref: TaskRef, attempt: AttemptRecord): Promise<void>;
  finishAttempt(ref: TaskRef, attempt: AttemptRecord): Promise<void>;

  listFlows(): Promise<string[]>;
  /** Newest first. */
  listRuns(flow: string): Promise<RunRecord[]>;
  getRun(flow: string, run: string): Promise<RunRecord | undefined>;
  getRunState(flow: string, run: string): Promise<RunState | undefined>;
  listSteps(flow: string, run: string): Promise<string[]>;
  listTasks(flow: string, run: string, step: string): Promise<TaskRecord[]>;
  getTask(ref: TaskRef): Promise<TaskRecord | undefined>;
  /** Every attempt of a task, in order. */
  listAttempts(ref: TaskRef): Promise<AttemptRecord[]>;
  /** Replaces the user tags of a run; system tags are untouched. */
  setTags(flow: string, run: string, tags: string[]): Promise<void>;
}
