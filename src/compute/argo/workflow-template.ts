// The WorkflowTemplate of a deployed flow: a pure function of the flow, its validated
// decorators and the configuration, tested without a cluster. Its shape:
//   entry DAG "weft": create-run → start → … → end (foreach bodies and loops as DAG templates),
//     with a fallback task beside each @catchError step (fallback.ts)
//   onExit "finish-run": records the run's end however the workflow ended
// Every template runs `weft step` (docs/task-contract.md) in the step's image.
import type { WeftConfig } from "../../config/resolve.ts";
import { WeftError } from "../../errors/weft-error.ts";
import type { StepDecorators } from "../../flow/decorators/specs.ts";
import type { FlowGraph } from "../../flow/graph/graph.ts";
import type { ParamSpec } from "../../flow/params.ts";
import type { ProjectInfo } from "../../flow/project.ts";
import { datastoreRoot } from "../../runtime/stores.ts";
import { taskArgv } from "../../runtime/task/args.ts";
import { TASK_EXIT } from "../../runtime/task/exit-codes.ts";
import { taskPolicy } from "../policy.ts";
import { WEFT_LABELS, WORKLOAD_IDENTITY_LABEL } from "../kubernetes/labels.ts";
import { labelValue } from "../kubernetes/names.ts";
import { resolveKubernetesOptions, type KubernetesTaskOptions } from "../kubernetes/options.ts";
import { podEnvironment } from "../kubernetes/pod-environment.ts";
import { frameTemplate, inlineOneStepBodies, layoutFlow, TASK_PARAMETER } from "./dag.ts";
import { FALLBACK_ANNOTATION, fallbackSteps, fallbackTemplateName, LOST_PARAMETERS, withFallbacks } from "./fallback.ts";
import { NEXT_TASK_OUTPUT } from "./loop-layout.ts";
import { DEPLOYMENT_LABEL, foreachTaskName, loopTaskName, RUN_ID_EXPRESSION, stepTemplateName } from "./names.ts";
import { finishedEvent } from "./sensor.ts";
import { containerTemplate } from "./step-template.ts";
import type { ArgoParameter, ArgoTemplate, RetryStrategy, WorkflowTemplate } from "./types.ts";

/** Where a step's pod writes the files its output parameters are read from (an emptyDir). */
export const OUTPUTS_DIR = "/weft/outputs";
export const ENTRY_TEMPLATE = "weft";
export const CREATE_RUN_TEMPLATE = "create-run";
export const FINISH_RUN_TEMPLATE = "finish-run";
/**
 * The workflow parameter a resumed run is started with (`weft resume --on-argo`): JSON
 * naming the origin run and the steps that run again, passed to `--create-run --resume`;
 * empty (its default) for a new run. Its `-` keeps it apart from the flow's parameters.
 */
export const RESUME_PARAMETER = "weft-resume";
/** Annotations of a deployment: what `trigger`, `status` and `resume` read back. */
export const DEPLOYMENT_ANNOTATIONS = { flow: "weft/flow", deployment: "weft/deployment", projectFlowName: "weft/project-flow-name", user: "weft/user", version: "weft/version" } as const;

export interface CompileRequest {
  /** The deployment's name (names.ts deploymentName). */
  name: string;
  flowName: string;
  graph: FlowGraph;
  /** Validated decorators per step, `--with` included. */
  decorators: Record<string, StepDecorators>;
  params: ParamSpec[];
  project?: ProjectInfo;
  /** The SHA-256 of the stored deployment (runtime/run-blueprint.ts) the first template creates runs from. */
  deployment: string;
  config: WeftConfig;
  version: string;
  /** `--max-workers`: pods of one workflow running at once. */
  maxWorkers?: number;
  /** The service account carries a workload identity: pods get `azure.workload.identity/use`. */
  workloadIdentity: boolean;
}

/** Compiles a flow into its WorkflowTemplate. Throws a WeftError for what Argo cannot run or the options refuse. */
export function compileWorkflowTemplate(request: CompileRequest): WorkflowTemplate {
  const { graph, config } = request;
  const options = Object.fromEntries(graph.steps.map((step) => [step, resolveKubernetesOptions({ decorators: request.decorators[step] ?? {}, config, version: request.version, where: `step "${step}"` })]));
  const first = options.start!;
  const namespace = sharedNamespace(options, first.namespace);
  const stepTemplate = stepTemplateName;
  const names = { stepTemplate, foreachTemplate: foreachTaskName, loopTemplate: loopTaskName, firstTask: CREATE_RUN_TEMPLATE };
  const steps = layoutFlow(graph, names);
  const fallbacks = fallbackSteps(steps, request.decorators);
  // Inlined after the fallbacks: a foreach body with a fallback task is two tasks, so it stays a DAG.
  const withFallback = withFallbacks(steps, fallbacks);
  const layout = { ...withFallback, dags: inlineOneStepBodies(withFallback.dags, names) };
  const common = commonArgs(request);
  const env = podEnvironment(config);
  const labels = (step?: string) => ({
    [WEFT_LABELS.name]: "weft",
    [WEFT_LABELS.managedBy]: "weft",
    [WEFT_LABELS.version]: labelValue(request.version),
    [WEFT_LABELS.flow]: labelValue(request.flowName),
    ...(step ? { [WEFT_LABELS.step]: labelValue(step) } : {}),
    [WEFT_LABELS.user]: labelValue(config.values.user),
  });
  const podLabels = (taskOptions: KubernetesTaskOptions, step?: string) => ({
    ...taskOptions.labels,
    ...labels(step),
    ...(request.workloadIdentity && taskOptions.serviceAccount ? { [WORKLOAD_IDENTITY_LABEL]: "true" } : {}),
  });
  const annotations = (taskOptions: KubernetesTaskOptions, step?: string) => ({ ...taskOptions.annotations, [WEFT_LABELS.flow]: request.flowName, ...(step ? { [WEFT_LABELS.step]: step } : {}), [WEFT_LABELS.run]: RUN_ID_EXPRESSION });

  const taskId = `{{inputs.parameters.${TASK_PARAMETER}}}`;
  const stepTemplates = Object.keys(layout.outputs).map((step) => {
    const policy = taskPolicy(request.decorators[step] ?? {});
    const outputs = layout.outputs[step]!;
    const files = {
      ...(outputs.splits ? { splits: `${OUTPUTS_DIR}/splits.json` } : {}),
      ...(outputs.case ? { case: `${OUTPUTS_DIR}/case` } : {}),
      ...(outputs.nextTask ? { [NEXT_TASK_OUTPUT]: `${OUTPUTS_DIR}/next-task` } : {}),
    };
    const argv = taskArgv({
      ...common,
      step,
      task: taskId,
      attempt: 0,
      recorder: "task",
      ...(files.splits ? { splitsFile: files.splits } : {}),
      ...(files.case ? { caseFile: files.case } : {}),
      ...(outputs.nextTask ? { nextTaskFile: files[NEXT_TASK_OUTPUT] } : {}),
    });
    // Argo numbers a node's retries: the attempt is {{retries}} wherever a step may retry.
    if (policy.retries > 0) argv[argv.indexOf("--attempt") + 1] = "{{retries}}";
    const template = containerTemplate({
      name: stepTemplate(step),
      where: `step "${step}"`,
      argv,
      env,
      options: options[step]!,
      ...(policy.timeoutSeconds ? { timeoutSeconds: policy.timeoutSeconds } : {}),
      labels: podLabels(options[step]!, step),
      annotations: annotations(options[step]!, step),
      outputs: files,
      ...(Object.keys(files).length ? { outputsDir: OUTPUTS_DIR } : {}),
    });
    return {
      ...template,
      inputs: { parameters: [{ name: TASK_PARAMETER }] },
      ...(policy.retries > 0 ? { retryStrategy: retryStrategy(policy.retries, policy.secondsBetweenRetries) } : {}),
    };
  });
  // The fallback runs no step code: the step's pod without its deadline, never retried (its attempt number is fixed).
  const fallbackTemplates = fallbacks.map((step) => {
    const attempt = taskPolicy(request.decorators[step] ?? {}).retries + 1;
    const argv = taskArgv({ ...common, step, task: taskId, attempt, recorder: "task", fallback: true });
    argv.push("--lost-exit-code", `{{inputs.parameters.${LOST_PARAMETERS.exitCode}}}`, "--lost-finished-at", `{{inputs.parameters.${LOST_PARAMETERS.finishedAt}}}`);
    const template = containerTemplate({ name: fallbackTemplateName(step), where: `step "${step}"`, argv, env, options: options[step]!, labels: podLabels(options[step]!, step), annotations: { ...annotations(options[step]!, step), [FALLBACK_ANNOTATION]: "true" } });
    return { ...template, inputs: { parameters: [TASK_PARAMETER, LOST_PARAMETERS.exitCode, LOST_PARAMETERS.finishedAt].map((name) => ({ name })) } };
  });
  const dagTemplates: ArgoTemplate[] = layout.dags.map((dag) =>
    dag.frame === undefined
      ? { name: ENTRY_TEMPLATE, dag: { tasks: [{ name: CREATE_RUN_TEMPLATE, template: CREATE_RUN_TEMPLATE }, ...dag.tasks] } }
      : { name: frameTemplate(names, dag.frame), inputs: { parameters: [{ name: TASK_PARAMETER }] }, dag: { tasks: dag.tasks } },
  );
  const runControl = (name: string, argv: string[]) => ({
    ...containerTemplate({ name, where: "the run's creation", argv, env, options: { ...first, podSpecPatch: undefined }, labels: podLabels(first), annotations: annotations(first) }),
    // Only storage or the service failing (exit 3) is worth another try.
    retryStrategy: { limit: "3", retryPolicy: "Always", expression: `lastRetry.exitCode == '${TASK_EXIT.transient}'`, backoff: { duration: "10s", factor: "2" } } satisfies RetryStrategy,
  });
  const storeArgs = ["--flow", request.flowName, "--run", RUN_ID_EXPRESSION, "--datastore", common.datastore, "--datastore-root", common.datastoreRoot, "--metadata", common.metadata];
  const createArgv = ["step", "--create-run", ...storeArgs, "--deployment", request.deployment, "--orchestrator", "argo-workflows:{{workflow.namespace}}/{{workflow.name}}"];
  for (const param of request.params) createArgv.push("--param", `${param.field}={{workflow.parameters.${param.field}}}`);
  createArgv.push("--resume", `{{workflow.parameters.${RESUME_PARAMETER}}}`);
  const finishArgv = ["step", "--finish-run", ...storeArgs, "--workflow-status", "{{workflow.status}}", "--failures", "{{workflow.failures}}"];
  // A run that succeeds tells Argo Events, for the flows that follow it (@triggerOnFinish).
  const webhook = config.values.argoEventsWebhookUrl;
  if (webhook) finishArgv.push("--publish-event", webhook, "--event", finishedEvent(request.flowName, request.project));
  const pullSecrets = [...new Set(Object.values(options).flatMap((o) => o.imagePullSecrets))];
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "WorkflowTemplate",
    metadata: {
      name: request.name,
      namespace,
      labels: labels(),
      annotations: {
        [DEPLOYMENT_ANNOTATIONS.flow]: request.flowName,
        [DEPLOYMENT_ANNOTATIONS.deployment]: request.deployment,
        [DEPLOYMENT_ANNOTATIONS.user]: config.values.user,
        [DEPLOYMENT_ANNOTATIONS.version]: request.version,
        ...(request.project ? { [DEPLOYMENT_ANNOTATIONS.projectFlowName]: request.project.flowName } : {}),
      },
    },
    spec: {
      entrypoint: ENTRY_TEMPLATE,
      onExit: FINISH_RUN_TEMPLATE,
      arguments: { parameters: [...request.params.map(workflowParameter), { name: RESUME_PARAMETER, value: "" }] },
      ...(request.maxWorkers ? { parallelism: request.maxWorkers } : {}),
      ...(first.serviceAccount ? { serviceAccountName: first.serviceAccount } : {}),
      ...(pullSecrets.length ? { imagePullSecrets: pullSecrets.map((name) => ({ name })) } : {}),
      // Failed pods stay for `kubectl logs` until the workflow goes; finished workflows go after the Job TTL.
      podGC: { strategy: "OnPodSuccess" },
      ttlStrategy: { secondsAfterCompletion: first.ttlSecondsAfterFinished },
      workflowMetadata: { labels: { ...labels(), [DEPLOYMENT_LABEL]: labelValue(request.name) }, annotations: { [DEPLOYMENT_ANNOTATIONS.flow]: request.flowName } },
      templates: [...dagTemplates, runControl(CREATE_RUN_TEMPLATE, createArgv), ...stepTemplates, ...fallbackTemplates, runControl(FINISH_RUN_TEMPLATE, finishArgv)],
    },
  };
}

/** The `weft step` arguments every template shares: where the run's data and records are. */
function commonArgs(request: CompileRequest) {
  const values = request.config.values;
  if (values.datastore === "local") {
    throw new WeftError("CONFIG", `The datastore is local (${values.datastoreSysrootLocal}), which Argo's pods cannot reach.`, {
      hint: "Deploy with WEFT_DEFAULT_DATASTORE=azure and WEFT_DATASTORE_SYSROOT_AZURE=container/prefix (docs/azure.md).",
    });
  }
  return { flow: request.flowName, run: RUN_ID_EXPRESSION, datastore: values.datastore, datastoreRoot: datastoreRoot(request.config), metadata: values.metadata };
}

/**
 * @retry as Argo's retryStrategy: as many retries, `minutesBetweenRetries` apart, and
 * none after exit code 2 or 4 (docs/task-contract.md: retrying is pointless). A pod
 * killed by a deadline or the OOM killer has no such code, and is retried, as Weft does
 * locally.
 */
export function retryStrategy(retries: number, secondsBetweenRetries: number): RetryStrategy {
  const final = [TASK_EXIT.usage, TASK_EXIT.invalid].map((c) => `'${c}'`).join(", ");
  return {
    limit: String(retries),
    retryPolicy: "Always",
    expression: `!(lastRetry.exitCode in [${final}])`,
    ...(secondsBetweenRetries > 0 ? { backoff: { duration: `${Math.ceil(secondsBetweenRetries)}s` } } : {}),
  };
}

/**
 * A parameter as a workflow argument: its default as a user would type it, or none when
 * it is required. (Argo's `description` is an AnyString its schema does not describe: the
 * help stays in the flow.)
 */
function workflowParameter(param: ParamSpec): ArgoParameter {
  const value = param.defaultValue === undefined ? undefined : param.type === "json" ? JSON.stringify(param.defaultValue) : String(param.defaultValue);
  return { name: param.field, ...(value !== undefined ? { value } : {}) };
}

/** Every step's pods run in the workflow's namespace: a step asking for another is refused. */
function sharedNamespace(options: Record<string, KubernetesTaskOptions>, namespace: string): string {
  const other = Object.entries(options).find(([, o]) => o.namespace !== namespace);
  if (other) {
    throw new WeftError("CONFIG", `Step "${other[0]}" asks for namespace ${other[1].namespace}, but an Argo workflow runs all its pods in one namespace, here ${namespace} (the start step's).`, {
      hint: "Drop namespace from @kubernetes and set WEFT_KUBERNETES_NAMESPACE, or give every step the same one.",
    });
  }
  return namespace;
}
