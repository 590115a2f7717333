import type { TaskRef } from "../datastore/layout.ts";
import type { ForeachFrame } from "../flow/current.ts";
import type { FlowGraph } from "../flow/graph/graph.ts";
import type { MetricSeries, MetricsFile } from "./metrics.ts";

/**
 * What createRun records. `run` is an id the caller chose (an orchestrator's, e.g.
 * `argo-train-x7k2p`; see src/metadata/ids.ts); without it the provider allocates the
 * flow's next number.
 */
export type RunInit = Omit<RunRecord, "run" | "createdAt"> & { run?: string };

/** A run, by flow and id. */
export interface RunRef {
  flow: string;
  run: string;
}

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
  /**
   * A run scheduled by an orchestrator (Argo Workflows), which owns its liveness: such a
   * run is never read as lost for want of heartbeats (its pods may wait in a queue for
   * long), and the orchestrator's exit handler records its end, however it ended.
   */
  orchestrator?: OrchestratorRef;
}

/** The orchestrator of a run and its object there: `argo-workflows`, namespace and workflow name. */
export interface OrchestratorRef {
  kind: "argo-workflows";
  namespace: string;
  name: string;
}

/**
 * What a reader (the web UI) needs of a run's spec without opening the datastore: the
 * flow's graph, the parameter values, and which datastore holds the run's bytes.
 */
export interface RunOutline {
  graph: FlowGraph;
  /** Parameter values by field; JSON-safe. */
  params: Record<string, unknown>;
  /** The datastore's registry key (`local`, `azure`) and root as the run was configured. */
  datastore: { kind: string; root: string };
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

/** An artifact's metadata (never its bytes): what the service and the UI list. */
export interface ArtifactMetadata {
  attempt: number;
  name: string;
  /** SHA-256 of the serialized bytes. */
  sha: string;
  type: string;
  /** Serialized size in bytes. */
  size: number;
  /** The datastore key of the bytes. */
  location: string;
}

/** One fact about a task attempt (host, pid, log locations…), as Metaflow's task metadata. */
export interface MetadataEntry {
  attempt: number;
  field: string;
  value: string;
  /** What kind of fact it is, e.g. `runtime`, `log`. */
  type: string;
}

/** Where a card an attempt rendered is (never its HTML): what the service and the UI list. */
export interface CardMetadata {
  attempt: number;
  /** The @card id, else its type. */
  id: string;
  type: string;
  /** SHA-256 of the HTML; the card is in the content store under it. */
  sha: string;
  size: number;
  /** The datastore key of the HTML. */
  location: string;
  /** What could not be rendered (shown on the card as error boxes). */
  errors?: string[];
}

/** One metric of one task of a run. */
export interface TaskMetricSeries extends MetricSeries {
  stepName: string;
  task: string;
}

/** How many points a metrics read returns per series: all by default, at most `maxPoints` (downsampled, first and last kept), or none (0: the summary only). */
export interface MetricsQuery {
  maxPoints?: number;
}

/** Artifacts and facts as an attempt reports them, its number implied. */
export type ArtifactInfo = Omit<ArtifactMetadata, "attempt">;
export type TaskFact = Omit<MetadataEntry, "attempt">;
export type CardInfo = Omit<CardMetadata, "attempt">;

/** What the caller of startAttempt or finishAttempt knows that lets a provider write less. */
export interface AttemptWriteOptions {
  /**
   * This call holds all there is to record of the attempt's start (or end): its facts
   * (or artifacts) are all of them, as when a runner records an attempt it launched. A
   * provider that merges a repeated call into what is on record may then write without
   * reading it first; what an earlier call recorded for this attempt may be replaced.
   */
  whole?: boolean;
}

export interface StartOptions extends AttemptWriteOptions {
  /** The task's record, for the attempt that registers it (registerTask). */
  task?: TaskRecord;
}

/** What removeTags did: the run's user tags after it, and the asked-for tags it did not have (then nothing was removed). */
export interface TagRemoval {
  tags: string[];
  missing: string[];
}

/** How long a running run may go without a heartbeat before it is shown as failed. */
export const HEARTBEAT_TIMEOUT_MS = 60_000;
/** How often runners and tasks send heartbeats: well inside the timeout. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/** The state shown for a run whose heartbeats stopped at `lastSeen`. */
export function lostRunState(lastSeen: string, timeoutMs: number): RunState {
  return {
    status: "failed",
    finishedAt: lastSeen,
    reason: `The run stopped sending heartbeats at ${lastSeen} (none for ${Math.round(timeoutMs / 1000)} s): its runner was lost, e.g. its machine or pod went away.`,
  };
}

/**
 * Where runs, tasks and attempts are recorded, and read back by the client. The local
 * provider writes files; the service provider (SPEC §7) talks to the metadata service.
 * Methods are idempotent where a retry could repeat them.
 */
export interface MetadataProvider {
  readonly kind: string;
  /** Where the records live, for messages: a datastore root or the service's URL. */
  readonly location: string;
  /**
   * Records a new run. Without `init.run`, allocates the flow's next number (1, 2, 3…,
   * one past the highest allocated). With it, records the run under that id, or throws
   * a USAGE WeftError if the flow already has a run with that id (ids are unique per
   * flow; an existing run is never overwritten), or if a caller may not choose it
   * (checkChosenRunId: invalid, all digits, or a reserved name). Not idempotent:
   * calling again makes another run, or fails for a chosen id.
   */
  createRun(init: RunInit): Promise<RunRecord>;
  setRunState(flow: string, run: string, state: RunState): Promise<void>;
  registerTask(task: TaskRecord): Promise<void>;
  /**
   * Records an attempt's start and, with it (atomically where the store allows), facts
   * about it; a repeated field replaces its value. With `options.task`, registers the
   * task too (as registerTask), in the same write where the store allows.
   */
  startAttempt(ref: TaskRef, attempt: AttemptRecord, facts?: TaskFact[], options?: StartOptions): Promise<void>;
  /** Records an attempt's end and, with it, the artifacts it saved; a repeated name replaces the artifact. */
  finishAttempt(ref: TaskRef, attempt: AttemptRecord, artifacts?: ArtifactInfo[], options?: AttemptWriteOptions): Promise<void>;

  /**
   * Optional: records the run's outline for readers that cannot open its datastore
   * spec themselves (the metadata service's UI). A provider that keeps its records
   * beside the run spec (local) has no need of it. Replaces an earlier outline.
   */
  recordRunOutline?(flow: string, run: string, outline: RunOutline): Promise<void>;

  listFlows(): Promise<string[]>;
  /** Newest first: by creation time, runs of one instant by id (allocated numbers in numeric order). */
  listRuns(flow: string): Promise<RunRecord[]>;
  getRun(flow: string, run: string): Promise<RunRecord | undefined>;
  getRunState(flow: string, run: string): Promise<RunState | undefined>;
  listSteps(flow: string, run: string): Promise<string[]>;
  /** In natural id order (compareIds): `2-9` before `2-10`. */
  listTasks(flow: string, run: string, step: string): Promise<TaskRecord[]>;
  getTask(ref: TaskRef): Promise<TaskRecord | undefined>;
  /** Every attempt of a task, in order. */
  listAttempts(ref: TaskRef): Promise<AttemptRecord[]>;
  /**
   * Adds user tags to a run atomically: concurrent calls (from any process) all land,
   * none overwrites another's. Tags the run has are kept once, in their place; new
   * ones go at the end. Idempotent. Returns the user tags after the change, or
   * undefined if the run does not exist. System tags are untouched.
   */
  addTags(flow: string, run: string, tags: string[]): Promise<string[] | undefined>;
  /**
   * Removes user tags from a run atomically and all or nothing: if one of `tags` is
   * not on the run, nothing changes and `missing` lists those. Returns the user tags
   * after the call, or undefined if the run does not exist. Not idempotent in its
   * answer: a repeat reports the tags as missing.
   */
  removeTags(flow: string, run: string, tags: string[]): Promise<TagRemoval | undefined>;

  /** Every attempt's artifacts, by attempt then name. */
  listArtifacts(ref: TaskRef): Promise<ArtifactMetadata[]>;
  /** Every attempt's facts, by attempt then field. */
  listMetadata(ref: TaskRef): Promise<MetadataEntry[]>;

  /** Records where the cards an attempt stored are; replaces what was recorded for that attempt. Idempotent. */
  recordCards(ref: TaskRef, attempt: number, cards: CardInfo[]): Promise<void>;
  /** Every attempt's cards, by attempt then id. */
  listCards(ref: TaskRef): Promise<CardMetadata[]>;
  /** Records every point an attempt logged; replaces what was recorded for that attempt. Idempotent. */
  recordMetrics(ref: TaskRef, attempt: number, metrics: MetricsFile): Promise<void>;
  /** Every attempt's metrics, by attempt then name, each series in step order. */
  listMetrics(ref: TaskRef, query?: MetricsQuery): Promise<MetricSeries[]>;
  /** The metrics of every task of a run, by step, task, attempt and name. */
  listRunMetrics(flow: string, run: string, query?: MetricsQuery): Promise<TaskMetricSeries[]>;
  /**
   * Says the run (and, with a task, that task) is alive. A run recorded as running
   * with no heartbeat (or state change) for HEARTBEAT_TIMEOUT_MS is read back as failed.
   */
  heartbeat(target: RunRef | TaskRef): Promise<void>;
}
