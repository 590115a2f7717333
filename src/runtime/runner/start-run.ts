import { hostname } from "node:os";
import { join } from "node:path";
import { datastoreRoot, openStores } from "../../client/stores.ts";
import type { WeftConfig } from "../../config/resolve.ts";
import { layout } from "../../datastore/layout.ts";
import { loadFlow, type LoadedFlow } from "../../flow/load/load-flow.ts";
import { resolveParamValues } from "../../flow/params.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { taskEnvironment } from "../../config/task-environment.ts";
import { HEARTBEAT_INTERVAL_MS, type MetadataProvider, type RunRecord } from "../../metadata/types.ts";
import { planSecrets, providerSettings } from "../../secrets/plan.ts";
import { weftPackage } from "../package-root.ts";
import { writeRunSpec, type RunSpec } from "../run-spec.ts";
import type { ResumePlan } from "./resume-plan.ts";
import { Reporter } from "./reporter.ts";
import { Scheduler, type RunResult } from "./scheduler.ts";

export interface RunOptions {
  config: WeftConfig;
  flow: LoadedFlow;
  /** Parameter values given on the command line, by field. */
  params: Record<string, unknown>;
  maxWorkers: number;
  maxNumSplits: number;
  tags: string[];
  /** Set by `weft resume`: decides the origin, the parameters and what is cloned. */
  resume?: (stores: { backend: StorageBackend; metadata: MetadataProvider }) => Promise<ResumePlan>;
}

/** Loads a flow for `weft run`, with the code package cache under WEFT_HOME. */
export function loadFlowForRun(file: string, config: WeftConfig): Promise<LoadedFlow> {
  return loadFlow(file, { cacheDir: join(config.values.home, "cache") });
}

/**
 * Starts a run of a loaded flow and runs it to the end on this machine. Ctrl-C stops
 * it: running tasks are killed, finished ones stay, and the run can be resumed.
 */
export async function startRun(options: RunOptions): Promise<{ run: RunRecord; result: RunResult }> {
  const { config, flow } = options;
  const values = config.values;
  // Secret ids are checked before anything is written.
  const secrets = planSecrets(flow.decorators, config);
  const { backend, metadata } = await openStores(config);
  const plan = await options.resume?.({ backend, metadata });
  const params = plan?.params ?? resolveParamValues(flow.params, options.params);
  const run = await metadata.createRun({
    flow: flow.name,
    user: values.user,
    tags: options.tags,
    systemTags: [`user:${values.user}`, `weft_version:${weftPackage().version}`, `runtime:node${process.versions.node}`, `host:${hostname()}`],
    ...(plan ? { originRun: plan.origin.run } : {}),
  });
  const codeKey = layout.codePackage(flow.name, flow.codePackage.sha);
  await backend.putBytes([
    { key: `${codeKey}.map`, data: Buffer.from(flow.codePackage.map), durable: true },
    { key: codeKey, data: Buffer.from(flow.codePackage.code), durable: true },
  ]);
  const spec: RunSpec = {
    flow: flow.name,
    run: run.run,
    user: values.user,
    tags: [...run.systemTags, ...run.tags],
    codePackage: { sha: flow.codePackage.sha, key: codeKey },
    graph: flow.graph,
    decorators: flow.decorators,
    params,
    maxNumSplits: options.maxNumSplits,
    ...(plan ? { originRun: plan.origin.run } : {}),
    ...(Object.keys(secrets).length ? { secrets, secretSettings: providerSettings(config) } : {}),
  };
  await writeRunSpec(backend, spec);
  await metadata.setRunState(flow.name, run.run, { status: "running", runner: { host: hostname(), pid: process.pid } });

  const reporter = new Reporter(flow.graph.steps);
  reporter.message(`Run ${flow.name}/${run.run} started${plan ? `, resuming run ${plan.origin.run}` : ""} (user ${values.user}, datastore ${backend.root}).`);
  const scheduler = new Scheduler({
    spec,
    backend,
    metadata,
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
  const beating = setInterval(() => metadata.heartbeat({ flow: flow.name, run: run.run }).catch(() => {}), HEARTBEAT_INTERVAL_MS).unref();
  const result = await scheduler.run().finally(() => {
    clearInterval(beating);
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
