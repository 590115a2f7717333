import type { StorageBackend } from "../../datastore/types.ts";
import type { TaskRef } from "../../datastore/layout.ts";
import type { ForeachFrame } from "../../flow/current.ts";
import type { MetricSeries } from "../../metadata/metrics.ts";
import type { ArtifactMetadata, AttemptRecord, CardMetadata, ErrorInfo, MetadataEntry, MetricsQuery, RunOutline, RunRecord, RunState, RunStatus, TagRemoval, TaskMetricSeries, TaskRecord } from "../../metadata/types.ts";

/** A run as the UI lists it: its record, its state (null until the runner reports) and its last heartbeat. */
export interface RunView extends RunRecord {
  state: RunState | null;
  heartbeatAt?: string;
}

/** Which runs to list, across flows; every filter given must hold. */
export interface RunsFilter {
  flow?: string;
  user?: string;
  /** Every one must be on the run (user or system tag). */
  tags?: string[];
  status?: RunStatus;
  /** Created at or after (ISO time). */
  since?: string;
  /** Created before (ISO time). */
  until?: string;
  /** The `next` of the previous page; opaque, and only meaningful to the source that made it. */
  cursor?: string;
  limit: number;
}

export interface RunsPage {
  runs: RunView[];
  /** The cursor of the following page; null on the last. */
  next: string | null;
}

/** How a task stands, from its latest attempt: pending (registered, no attempt yet), running, succeeded or failed. */
export type TaskStatus = "pending" | "running" | "succeeded" | "failed";

/** One attempt as the timeline draws it. */
export interface AttemptSpan {
  attempt: number;
  startedAt: string;
  finishedAt?: string;
  ok?: boolean;
}

/** A task with its attempts' spans and its latest attempt's status: one row of the run page. */
export interface TaskSummary {
  step: string;
  task: string;
  createdAt: string;
  foreachStack: ForeachFrame[];
  status: TaskStatus;
  attempts: AttemptSpan[];
  /** A foreach task's item (its `this.input`) as short text, when the parent's foreach artifact could be read. */
  input?: string;
  /** The latest attempt's failure, message cut to 500 characters (the task page has it whole). */
  exception?: Omit<ErrorInfo, "stack">;
}

/**
 * What the web UI reads, one interface with two implementations: the metadata
 * service's repositories (ServiceUiSource) and, for `weft ui` on a laptop, the local
 * metadata provider with its datastore (LocalUiSource). Both pass ui-source-contract.ts.
 * Reads of something missing answer undefined.
 */
export interface UiSource {
  readonly kind: "service" | "local";
  listFlows(): Promise<{ name: string; createdAt: string }[]>;
  /** Newest first across flows (creation time, then flow, then id). */
  listRuns(filter: RunsFilter): Promise<RunsPage>;
  getRun(flow: string, run: string): Promise<RunView | undefined>;
  /** Undefined when the run does not exist; null when it exists with no outline on record. */
  getOutline(flow: string, run: string): Promise<RunOutline | null | undefined>;
  /** Every task of the run (or of one step) with its attempts, in step then natural id order; undefined when the run does not exist. */
  listTaskSummaries(flow: string, run: string, step?: string): Promise<TaskSummary[] | undefined>;
  getTask(ref: TaskRef): Promise<TaskRecord | undefined>;
  listAttempts(ref: TaskRef): Promise<AttemptRecord[]>;
  listArtifacts(ref: TaskRef): Promise<ArtifactMetadata[]>;
  listMetadata(ref: TaskRef): Promise<MetadataEntry[]>;
  /** Where every finished attempt's cards are (never their HTML), by attempt then id. */
  listCards(ref: TaskRef): Promise<CardMetadata[]>;
  /** Every finished attempt's metrics, by attempt then name, each series in step order, at most `maxPoints` each. */
  listMetrics(ref: TaskRef, query: MetricsQuery): Promise<MetricSeries[]>;
  /** The metrics of every task of the run, by step, task, attempt and name. */
  listRunMetrics(flow: string, run: string, query: MetricsQuery): Promise<TaskMetricSeries[]>;
  addTags(flow: string, run: string, tags: string[]): Promise<string[] | undefined>;
  removeTags(flow: string, run: string, tags: string[]): Promise<TagRemoval | undefined>;
  /** The datastore that holds the run's logs and artifacts; undefined when the run's is not known. */
  datastoreOf(flow: string, run: string): Promise<StorageBackend | undefined>;
}

/** A task's status from its attempts (oldest first): the latest one decides. */
export function taskStatus(attempts: readonly AttemptSpan[]): TaskStatus {
  const latest = attempts.at(-1);
  if (!latest) return "pending";
  if (latest.finishedAt === undefined && latest.ok === undefined) return "running";
  return latest.ok ? "succeeded" : "failed";
}

/** A failure as the task list shows it: the message's first 500 characters. */
export const briefException = (e: ErrorInfo | undefined): TaskSummary["exception"] => e && { type: e.type, message: e.message.length > 500 ? `${e.message.slice(0, 500)}…` : e.message };
