import { hostname } from "node:os";
import type { WeftConfig } from "../config/resolve.ts";
import { layout } from "../datastore/layout.ts";
import type { StorageBackend } from "../datastore/types.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { LoadedFlow } from "../flow/load/load-flow.ts";
import type { MetadataProvider, OrchestratorRef, RunRecord, RunState } from "../metadata/types.ts";
import { planSecrets, providerSettings } from "../secrets/plan.ts";
import { weftPackage } from "./package-root.ts";
import { projectOf, projectTags, type BranchChoice } from "../flow/project.ts";
import { readIncludedFiles, storeIncludedFiles } from "./included-files.ts";
import type { RunBlueprint } from "./run-blueprint.ts";
import { runSpecBytes, type IncludedFile, type ResumePlanSpec, type RunSpec } from "./run-spec.ts";
import { datastoreRoot } from "./stores.ts";

export interface CreateRunRequest {
  backend: StorageBackend;
  metadata: MetadataProvider;
  config: WeftConfig;
  /** The loaded flow, bound to its config values, with any --with decorators applied. */
  flow: LoadedFlow;
  /** Parameter values by field, resolved and validated. */
  params: Record<string, unknown>;
  /** `@includeFile` paths given on the command line (absolute), by field; the others are read from their defaults. */
  files?: Record<string, string>;
  /** `@includeFile` contents already stored (a resumed run's origin's), by field: not read again. */
  includedFiles?: Record<string, IncludedFile>;
  tags: string[];
  maxNumSplits: number;
  /** The id an orchestrator chose (e.g. `argo-train-x7k2p`); default: the provider allocates a number. */
  runId?: string;
  /** For a resumed run. */
  originRun?: string;
  /** The process that will schedule the run on this machine, when there is one. */
  runner?: RunState["runner"];
  /** `--branch` / `--production`, for a flow with @project. */
  branch?: BranchChoice;
}

export interface CreatedRun {
  record: RunRecord;
  spec: RunSpec;
}

/**
 * Creates a run without scheduling any of it: records it, stores the code package
 * under its hash, writes the run spec every task reads, and marks it running. What
 * runs the tasks (this machine's scheduler, a shell script, Kubernetes, Argo) is
 * another matter: each task needs only this and the task contract.
 */
export async function createRun(request: CreateRunRequest): Promise<CreatedRun> {
  const { backend, metadata, config, flow } = request;
  const blueprint = await storeBlueprint({
    backend,
    config,
    flow,
    maxNumSplits: request.maxNumSplits,
    ...(request.branch ? { branch: request.branch } : {}),
    ...(request.files ? { files: request.files } : {}),
    ...(request.includedFiles ? { includedFiles: request.includedFiles } : {}),
  });
  return recordRun({
    backend,
    metadata,
    blueprint,
    params: request.params,
    tags: request.tags,
    ...(request.runId ? { runId: request.runId } : {}),
    ...(request.originRun ? { originRun: request.originRun } : {}),
    ...(request.runner ? { runner: request.runner } : {}),
    datastoreRoot: datastoreRoot(config),
  });
}

export interface BlueprintRequest {
  backend: StorageBackend;
  config: WeftConfig;
  /** Bound to its config values (bindFlow). */
  flow: LoadedFlow;
  maxNumSplits: number;
  branch?: BranchChoice;
  /** `@includeFile` paths given on the command line (absolute), by field; the others are read from their defaults. */
  files?: Record<string, string>;
  /** `@includeFile` contents already stored (a resumed run's origin's), by field: not read again. */
  includedFiles?: Record<string, IncludedFile>;
}

/**
 * What every run of this version of the flow shares, with its code package and its
 * included files stored in the datastore under their hashes. Secret ids, the branch and
 * the included files are checked and read before anything is written.
 */
export async function storeBlueprint(request: BlueprintRequest): Promise<RunBlueprint> {
  const blueprint = blueprintOf(request.flow, request.config, request.maxNumSplits, request.branch);
  const { flow, backend } = request;
  const read = await readIncludedFiles(flow.includeFiles, request.files ?? {}, request.includedFiles);
  await backend.putBytes([
    { key: `${blueprint.codePackage.key}.map`, data: Buffer.from(flow.codePackage.map), durable: true },
    { key: blueprint.codePackage.key, data: Buffer.from(flow.codePackage.code), durable: true },
  ]);
  const kept = Object.fromEntries(Object.entries(request.includedFiles ?? {}).filter(([field]) => flow.includeFiles.some((f) => f.field === field)));
  const includedFiles = { ...kept, ...(await storeIncludedFiles(backend, flow.name, read)) };
  return Object.keys(includedFiles).length ? { ...blueprint, includedFiles } : blueprint;
}

/** The blueprint of a loaded flow, without storing anything; throws for bad secret ids or a bad branch. */
export function blueprintOf(flow: LoadedFlow, config: WeftConfig, maxNumSplits: number, branch?: BranchChoice): RunBlueprint {
  const user = config.values.user;
  const secrets = planSecrets(flow.decorators, config);
  const project = projectOf(flow.name, flow.project, user, branch ?? {});
  if (!flow.configValues) throw new Error(`blueprintOf: flow ${flow.name} is not bound to config values (bindFlow)`);
  return {
    flow: flow.name,
    user,
    codePackage: { sha: flow.codePackage.sha, key: layout.codePackage(flow.name, flow.codePackage.sha), startsProcesses: flow.codePackage.code.includes("child_process") },
    graph: flow.graph,
    decorators: flow.decorators,
    params: flow.params,
    ...(flow.configs.length ? { configs: flow.configValues } : {}),
    maxNumSplits,
    ...(project ? { project } : {}),
    ...(Object.keys(secrets).length ? { secrets, secretSettings: providerSettings(config) } : {}),
  };
}

export interface RecordRunRequest {
  backend: StorageBackend;
  metadata: MetadataProvider;
  blueprint: RunBlueprint;
  /** Parameter values by field, resolved and validated. */
  params: Record<string, unknown>;
  tags: string[];
  runId?: string;
  originRun?: string;
  /** For a run an orchestrator resumes: the steps that run again (RunSpec.resume). */
  resume?: ResumePlanSpec;
  runner?: RunState["runner"];
  /** The orchestrator that schedules the run and owns its liveness (see RunState). */
  orchestrator?: OrchestratorRef;
  /** System tags beyond Weft's own, e.g. the Argo workflow's name. */
  systemTags?: string[];
  /** The datastore root as configured (`container/prefix`), recorded in the run's outline for readers such as the UI. */
  datastoreRoot: string;
}

/** Records a run of a blueprint and writes its run spec exclusively; the run is then running. */
export async function recordRun(request: RecordRunRequest): Promise<CreatedRun> {
  const { backend, metadata, blueprint } = request;
  const { user, project } = blueprint;
  const init = {
    flow: blueprint.flow,
    user,
    tags: request.tags,
    systemTags: [
      `user:${user}`,
      `weft_version:${weftPackage().version}`,
      `runtime:node${process.versions.node}`,
      `host:${hostname()}`,
      ...projectTags(project),
      ...(request.systemTags ?? []),
    ],
    ...(request.originRun ? { originRun: request.originRun } : {}),
    ...(request.runId ? { run: request.runId } : {}),
  };
  // The run spec is created exclusively: two metadata providers (or orchestrators) sharing a
  // datastore each number their runs, and a run must never take over another's files. An
  // allocated id that is taken in the datastore is recorded as skipped, and the next one tried.
  for (;;) {
    const record = await metadata.createRun(init);
    const spec: RunSpec = {
      flow: blueprint.flow,
      run: record.run,
      user,
      tags: record.tags,
      systemTags: record.systemTags,
      codePackage: blueprint.codePackage,
      graph: blueprint.graph,
      decorators: blueprint.decorators,
      params: request.params,
      ...(blueprint.configs ? { configs: blueprint.configs } : {}),
      ...(blueprint.includedFiles ? { includedFiles: blueprint.includedFiles } : {}),
      maxNumSplits: blueprint.maxNumSplits,
      ...(request.originRun ? { originRun: request.originRun } : {}),
      ...(request.resume ? { resume: request.resume } : {}),
      ...(project ? { project } : {}),
      ...(blueprint.secrets ? { secrets: blueprint.secrets, secretSettings: blueprint.secretSettings ?? {} } : {}),
    };
    if (await backend.createExclusive(layout.runSpec(blueprint.flow, record.run), runSpecBytes(spec))) {
      await metadata.recordRunOutline?.(blueprint.flow, record.run, { graph: spec.graph, params: spec.params, datastore: { kind: backend.kind, root: request.datastoreRoot } });
      await metadata.setRunState(blueprint.flow, record.run, {
        status: "running",
        ...(request.runner ? { runner: request.runner } : {}),
        ...(request.orchestrator ? { orchestrator: request.orchestrator } : {}),
      });
      return { record, spec };
    }
    const taken = `Run ${blueprint.flow}/${record.run} already has a run spec in the datastore at ${backend.root}, written by another metadata provider or orchestrator`;
    if (request.runId) throw new WeftError("USAGE", `${taken}.`, { hint: "Give this run another id, or use one metadata provider per datastore root." });
    await metadata.setRunState(blueprint.flow, record.run, { status: "failed", finishedAt: new Date().toISOString(), reason: `${taken}; this id was skipped and the run took the next one.` });
  }
}
