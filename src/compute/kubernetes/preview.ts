// The Jobs a run would create, without a cluster or a run: what `weft kubernetes render` shows.
import type { V1Job } from "@kubernetes/client-node";
import type { WeftConfig } from "../../config/resolve.ts";
import type { StepDecorators } from "../../flow/decorators/specs.ts";
import type { FlowGraph } from "../../flow/graph/graph.ts";
import { datastoreRoot } from "../../runtime/stores.ts";
import { taskArgv } from "../../runtime/task/args.ts";
import { enclosingForeaches, taskIdOf } from "../../runtime/task-identity.ts";
import { taskPolicy } from "../policy.ts";
import { jobManifest } from "./job-manifest.ts";
import { resolveKubernetesOptions } from "./options.ts";
import { podEnvironment } from "./pod-environment.ts";

/** The run id shown in a preview, where a run would put its own. */
export const PREVIEW_RUN = "<run>";

export interface PreviewOptions {
  flowName: string;
  graph: FlowGraph;
  /** Validated decorators per step, `--with` included. */
  decorators: Record<string, StepDecorators>;
  config: WeftConfig;
  version: string;
  /** Assume the service account has a workload identity (the run reads its annotation). */
  workloadIdentity: boolean;
}

/** A step's preview: its Job, or undefined when the step runs locally. */
export interface StepPreview {
  step: string;
  job: V1Job | undefined;
}

/**
 * The Job of the first task (attempt 0) of each of `steps` that has @kubernetes, with
 * run id `<run>`, the configured datastore and metadata, and the environment a run gives
 * its pods (podEnvironment: no secret is ever copied into a pod spec).
 */
export function previewJobs(options: PreviewOptions, steps: readonly string[]): StepPreview[] {
  const depth = enclosingForeaches(options.graph);
  const values = options.config.values;
  const env = podEnvironment(options.config);
  return steps.map((step) => {
    const decorators = options.decorators[step] ?? {};
    if (!decorators.kubernetes) return { step, job: undefined };
    const taskOptions = resolveKubernetesOptions({ decorators, config: options.config, version: options.version, where: `step "${step}"` });
    const task = taskIdOf((depth[step] ?? []).map(() => 0));
    const argv = taskArgv({
      flow: options.flowName,
      run: PREVIEW_RUN,
      step,
      task,
      attempt: 0,
      datastore: values.datastore,
      datastoreRoot: datastoreRoot(options.config),
      metadata: values.metadata,
      recorder: "task",
    });
    const timeoutSeconds = taskPolicy(decorators).timeoutSeconds;
    const job = jobManifest({
      ref: { flow: options.flowName, run: PREVIEW_RUN, step, task },
      attempt: 0,
      argv,
      env,
      options: taskOptions,
      ...(timeoutSeconds ? { timeoutSeconds } : {}),
      workloadIdentity: options.workloadIdentity && taskOptions.serviceAccount !== undefined,
      user: values.user,
      weftVersion: options.version,
    });
    return { step, job };
  });
}
