import { hostname } from "node:os";
import { join } from "node:path";
import type { WeftConfig } from "../../config/resolve.ts";
import { taskEnvironment } from "../../config/task-environment.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import type { DecoratorUse } from "../../flow/class-metadata.ts";
import type { ConfigSource } from "../../flow/configs.ts";
import { bindFlow } from "../../flow/load/bind-flow.ts";
import { loadFlow, type LoadedFlow } from "../../flow/load/load-flow.ts";
import { resolveParamValues } from "../../flow/params.ts";
import { HEARTBEAT_INTERVAL_MS, type MetadataProvider, type RunRecord } from "../../metadata/types.ts";
import { createRun, type CreatedRun } from "../create-run.ts";
import { datastoreRoot, openStores } from "../stores.ts";
import type { ResumePlan } from "./resume-plan.ts";
import type { BranchChoice } from "../../flow/project.ts";
import { Reporter } from "./reporter.ts";
import { Scheduler, type RunResult } from "./scheduler.ts";
import { checkRemoteSteps, computeKinds, openStepCompute } from "./step-compute.ts";

export interface RunOptions {
  config: WeftConfig;
  /** The flow, bound to its config values with --with applied; for a resume, loaded with `configs: "later"`. */
  flow: LoadedFlow;
  /** Parameter values given on the command line, by field. */
  params: Record<string, unknown>;
  /** `@includeFile` paths given on the command line (absolute), by field. */
  files?: Record<string, string>;
  /** `--with` decorators, for a resume, which binds the flow to its origin's configs. */
  extra?: DecoratorUse[];
  maxWorkers: number;
  maxNumSplits: number;
  tags: string[];
  /** The run id to use instead of the next number, e.g. one an orchestrator chose. */
  runId?: string;
  /** `--branch` / `--production`, for a flow with @project. */
  branch?: BranchChoice;
  /** Set by `weft resume`: decides the origin, the parameters and what is cloned. */
  resume?: (stores: { backend: StorageBackend; metadata: MetadataProvider }) => Promise<ResumePlan>;
}

/**
 * Loads a flow for `weft run`, with the code package cache under WEFT_HOME, bound to the
 * configs given (`"later"` for `weft resume`, which binds to its origin's).
 */
export function loadFlowForRun(file: string, config: WeftConfig, configs: ConfigSource[] | "later" = []): Promise<LoadedFlow> {
  return loadFlow(file, { cacheDir: join(config.values.home, "cache"), configs });
}

/** Creates a run of a loaded flow and schedules nothing (`weft run --create-only`). */
export async function createRunOnly(options: Omit<RunOptions, "maxWorkers" | "resume">): Promise<CreatedRun> {
  const { backend, metadata } = await openStores(options.config);
  return createRun({
    backend,
    metadata,
    config: options.config,
    flow: options.flow,
    params: resolveParamValues(options.flow.params, options.params),
    ...(options.files ? { files: options.files } : {}),
    tags: options.tags,
    maxNumSplits: options.maxNumSplits,
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.branch ? { branch: options.branch } : {}),
  });
}

/**
 * Starts a run of a loaded flow and runs it to the end on this machine. Ctrl-C stops
 * it: running tasks are killed, finished ones stay, and the run can be resumed.
 */
export async function startRun(options: RunOptions): Promise<{ run: RunRecord; result: RunResult }> {
  const { config } = options;
  const values = config.values;
  const { backend, metadata } = await openStores(config);
  const plan = await options.resume?.({ backend, metadata });
  // A resumed run takes its origin's config values, and its decorators are bound to them.
  const flow = plan ? bindFlow(options.flow, plan.configs, options.extra) : options.flow;
  const kinds = computeKinds(flow.decorators);
  checkRemoteSteps(kinds, flow.decorators, config);
  const compute = await openStepCompute(kinds, { config, user: values.user });
  const { record: run, spec } = await createRun({
    backend,
    metadata,
    config,
    flow,
    params: plan?.params ?? resolveParamValues(flow.params, options.params),
    ...(plan ? { includedFiles: plan.includedFiles } : options.files ? { files: options.files } : {}),
    tags: options.tags,
    maxNumSplits: options.maxNumSplits,
    runner: { host: hostname(), pid: process.pid },
    ...(plan ? { originRun: plan.origin.run } : {}),
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.branch ? { branch: options.branch } : {}),
  });

  const reporter = new Reporter(flow.graph.steps);
  reporter.message(`Run ${flow.name}/${run.run} started${plan ? `, resuming run ${plan.origin.run}` : ""} (user ${values.user}, datastore ${backend.root}).`);
  const scheduler = new Scheduler({
    spec,
    backend,
    metadata,
    compute: compute.forStep,
    taskSettings: { datastore: values.datastore, datastoreRoot: datastoreRoot(config), metadata: values.metadata },
    maxWorkers: options.maxWorkers,
    reporter,
    env: { ...process.env, ...taskEnvironment(config) },
    ...(plan ? { clone: plan.clone } : {}),
  });
  let interrupts = 0;
  const onInterrupt = () => {
    if (++interrupts > 1) process.exit(130);
    reporter.message("Stopping: killing running tasks (Ctrl-C again to exit at once)…");
    scheduler.stop({ status: "killed", reason: "stopped by Ctrl-C" });
  };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onInterrupt);
  // Tells readers on other machines (and the service) that this runner is alive.
  let beatFailing = false;
  const beat = () =>
    metadata.heartbeat({ flow: flow.name, run: run.run }).then(
      () => {
        if (beatFailing) reporter.message(`Heartbeats to ${metadata.location} work again.`);
        beatFailing = false;
      },
      (error: Error) => {
        if (!beatFailing) reporter.message(`Warning: a heartbeat to ${metadata.location} failed (${error.message}); the run goes on, but readers show it as lost if none gets through for a minute.`);
        beatFailing = true;
      },
    );
  const beating = setInterval(() => void beat(), HEARTBEAT_INTERVAL_MS).unref();
  const result = await scheduler.run().finally(() => {
    clearInterval(beating);
    compute.close();
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
    reporter.close();
  });
  await metadata.setRunState(flow.name, run.run, { status: result.status, finishedAt: new Date().toISOString(), ...(result.reason ? { reason: result.reason } : {}) });
  if (result.cloned) reporter.message(`Reused ${result.cloned.count} finished tasks of run ${plan!.origin.run} in ${result.cloned.seconds.toFixed(2)} s.`);
  if (result.status === "succeeded") reporter.message(`Run ${flow.name}/${run.run} succeeded.`);
  else reporter.message(`Run ${flow.name}/${run.run} ${result.status}: ${result.reason ?? ""}\n  Resume it with: weft resume ${flow.file} --origin-run-id ${run.run}`);
  return { run, result };
}
