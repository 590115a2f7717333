import { hostname } from "node:os";
import type { WeftConfig } from "../config/resolve.ts";
import { layout } from "../datastore/layout.ts";
import type { StorageBackend } from "../datastore/types.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { LoadedFlow } from "../flow/load/load-flow.ts";
import type { MetadataProvider, RunRecord, RunState } from "../metadata/types.ts";
import { planSecrets, providerSettings } from "../secrets/plan.ts";
import { weftPackage } from "./package-root.ts";
import { projectOf, projectTags, type BranchChoice } from "../flow/project.ts";
import { readIncludedFiles, storeIncludedFiles } from "./included-files.ts";
import { runSpecBytes, type IncludedFile, type RunSpec } from "./run-spec.ts";
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
  const user = config.values.user;
  // Secret ids and the branch are checked before anything is written.
  const secrets = planSecrets(flow.decorators, config);
  const project = projectOf(flow.name, flow.project, user, request.branch ?? {});
  if (!flow.configValues) throw new Error(`createRun: flow ${flow.name} is not bound to config values (bindFlow)`);
  const configs = flow.configs.length ? flow.configValues : undefined;
  const read = await readIncludedFiles(flow.includeFiles, request.files ?? {}, request.includedFiles);
  const codeKey = layout.codePackage(flow.name, flow.codePackage.sha);
  await backend.putBytes([
    { key: `${codeKey}.map`, data: Buffer.from(flow.codePackage.map), durable: true },
    { key: codeKey, data: Buffer.from(flow.codePackage.code), durable: true },
  ]);
  const kept = Object.fromEntries(Object.entries(request.includedFiles ?? {}).filter(([field]) => flow.includeFiles.some((f) => f.field === field)));
  const includedFiles = { ...kept, ...(await storeIncludedFiles(backend, flow.name, read)) };
  const init = {
    flow: flow.name,
    user,
    tags: request.tags,
    systemTags: [`user:${user}`, `weft_version:${weftPackage().version}`, `runtime:node${process.versions.node}`, `host:${hostname()}`, ...projectTags(project)],
    ...(request.originRun ? { originRun: request.originRun } : {}),
    ...(request.runId ? { run: request.runId } : {}),
  };
  // The run spec is created exclusively: two metadata providers (or orchestrators) sharing a
  // datastore each number their runs, and a run must never take over another's files. An
  // allocated id that is taken in the datastore is recorded as skipped, and the next one tried.
  for (;;) {
    const record = await metadata.createRun(init);
    const spec: RunSpec = {
      flow: flow.name,
      run: record.run,
      user,
      tags: record.tags,
      systemTags: record.systemTags,
      codePackage: { sha: flow.codePackage.sha, key: codeKey, startsProcesses: flow.codePackage.code.includes("child_process") },
      graph: flow.graph,
      decorators: flow.decorators,
      params: request.params,
      ...(configs ? { configs } : {}),
      ...(Object.keys(includedFiles).length ? { includedFiles } : {}),
      maxNumSplits: request.maxNumSplits,
      ...(request.originRun ? { originRun: request.originRun } : {}),
      ...(project ? { project } : {}),
      ...(Object.keys(secrets).length ? { secrets, secretSettings: providerSettings(config) } : {}),
    };
    if (await backend.createExclusive(layout.runSpec(flow.name, record.run), runSpecBytes(spec))) {
      await metadata.recordRunOutline?.(flow.name, record.run, { graph: spec.graph, params: spec.params, datastore: { kind: backend.kind, root: datastoreRoot(config) } });
      await metadata.setRunState(flow.name, record.run, { status: "running", ...(request.runner ? { runner: request.runner } : {}) });
      return { record, spec };
    }
    const taken = `Run ${flow.name}/${record.run} already has a run spec in the datastore at ${backend.root}, written by another metadata provider or orchestrator`;
    if (request.runId) throw new WeftError("USAGE", `${taken}.`, { hint: "Give this run another id, or use one metadata provider per datastore root." });
    await metadata.setRunState(flow.name, record.run, { status: "failed", finishedAt: new Date().toISOString(), reason: `${taken}; this id was skipped and the run took the next one.` });
  }
}
