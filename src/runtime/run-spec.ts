import type { ArtifactRecord } from "../datastore/task-datastore.ts";
import type { ResolvedConfigs } from "../flow/configs.ts";
import type { StepDecorators } from "../flow/decorators/specs.ts";
import type { FlowGraph } from "../flow/graph/graph.ts";
import type { StorageBackend } from "../datastore/types.ts";
import { layout } from "../datastore/layout.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { SecretsPlan } from "../secrets/inject.ts";
import type { ProjectInfo } from "../flow/project.ts";
import type { ProviderSettings } from "../secrets/types.ts";

/**
 * What every task of a run shares, written once by whoever starts the run and read
 * by each task from the datastore: the graph, the validated decorators, parameter
 * values and the code package.
 */
export interface RunSpec {
  flow: string;
  run: string;
  user: string;
  /** The run's user tags when it was created (`--tag`); what `current.tags` gives. */
  tags: string[];
  /**
   * The run's system tags (`user:`, `weft_version:`, `runtime:`, `host:`): `current.systemTags`.
   * Absent from run specs written before Weft kept the two apart, whose `tags` hold both.
   */
  systemTags?: string[];
  /**
   * The flow's bundle. `startsProcesses`: the code names node:child_process (external to
   * every bundle), so its tasks route child processes' output through their log capture.
   */
  codePackage: { sha: string; key: string; startsProcesses?: boolean };
  graph: FlowGraph;
  decorators: Record<string, StepDecorators>;
  /** Parameter values by field; JSON-safe. */
  params: Record<string, unknown>;
  /**
   * `@config` values by field, and where each came from, resolved when the run was
   * created; a resumed run has its origin's. Absent for a flow without configs.
   */
  configs?: ResolvedConfigs;
  /** `@includeFile` fields: the file each was read from and its stored content. Absent for a flow without any. */
  includedFiles?: Record<string, IncludedFile>;
  maxNumSplits: number;
  /** The run this one resumes. */
  originRun?: string;
  /**
   * Set when an orchestrator resumes `originRun` (`weft resume --on-argo`): there is no
   * runner to clone tasks, so each task of a step not in `rerun` (or whose key,
   * `step/task`, is in `keep`) clones itself from the origin when the origin finished it
   * (task/clone-origin.ts). Absent for a local resume, whose runner clones.
   */
  resume?: ResumePlanSpec;
  /** For a flow with @project: its project, the run's branch and the project flow name. */
  project?: ProjectInfo;
  /** @secrets of each step, resolved and validated when the run started. */
  secrets?: Record<string, SecretsPlan>;
  secretSettings?: ProviderSettings;
}

/** A file read when the run was created (`@includeFile`), stored by content hash. */
export interface IncludedFile {
  /** The absolute path it was read from, for reference: tasks read the stored bytes. */
  file: string;
  /** The file's size in bytes. */
  size: number;
  /** The artifact every task of the run carries under the field's name. */
  record: ArtifactRecord;
}

/** Which steps a resumed run runs again; see RunSpec.resume. */
export interface ResumePlanSpec {
  rerun: string[];
  keep?: string[];
}

export function runSpecBytes(spec: RunSpec): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(spec));
}

export async function readRunSpec(backend: StorageBackend, flow: string, run: string): Promise<RunSpec> {
  const [bytes] = await backend.getBytes([layout.runSpec(flow, run)]);
  if (!bytes) throw new WeftError("NOT_FOUND", `Run ${flow}/${run} has no run spec in the datastore at ${backend.root}.`, { hint: "Check the datastore settings match the ones the run was started with." });
  return JSON.parse(Buffer.from(bytes).toString("utf8")) as RunSpec;
}
