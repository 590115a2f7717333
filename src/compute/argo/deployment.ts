// `weft argo-workflows create`: a flow becomes a deployment — a blueprint stored in the
// datastore, a WorkflowTemplate, and a CronWorkflow and a Sensor when the flow has
// @schedule or @trigger — planned by pure functions, then applied idempotently.
import type { WeftConfig } from "../../config/resolve.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { WeftError } from "../../errors/weft-error.ts";
import type { StepDecorators } from "../../flow/decorators/specs.ts";
import type { LoadedFlow } from "../../flow/load/load-flow.ts";
import type { BranchChoice } from "../../flow/project.ts";
import { blueprintOf } from "../../runtime/create-run.ts";
import { deploymentBytes, storeDeployment, type RunBlueprint } from "../../runtime/run-blueprint.ts";
import { layout } from "../../datastore/layout.ts";
import { ARGO_KINDS, type ArgoApi } from "./argo-api.ts";
import { deploymentName } from "./names.ts";
import { cronWorkflow } from "./schedule.ts";
import { DEFAULT_EVENT_SOURCE, DEFAULT_SENSOR_SERVICE_ACCOUNT, sensorOf } from "./sensor.ts";
import type { CronWorkflow, Sensor, WorkflowTemplate } from "./types.ts";
import { compileWorkflowTemplate, DEPLOYMENT_ANNOTATIONS } from "./workflow-template.ts";

export interface PlanRequest {
  /** The loaded flow; `decorators` are its validated decorators with `--with` applied. */
  flow: LoadedFlow;
  decorators: Record<string, StepDecorators>;
  config: WeftConfig;
  version: string;
  branch?: BranchChoice;
  maxWorkers?: number;
  maxNumSplits: number;
  workloadIdentity: boolean;
}

/** Everything one deployment consists of, before anything is written anywhere. */
export interface DeploymentPlan {
  name: string;
  namespace: string;
  blueprint: RunBlueprint;
  /** The SHA-256 of the blueprint's bytes: the deployment's id in the datastore. */
  sha: string;
  template: WorkflowTemplate;
  cron?: CronWorkflow;
  sensor?: Sensor;
}

/** Plans a deployment: a pure function of the flow and the configuration. */
export function planDeployment(request: PlanRequest): DeploymentPlan {
  const { flow, config } = request;
  const blueprint = { ...blueprintOf({ ...flow, decorators: request.decorators }, config, request.maxNumSplits, request.branch) };
  const { sha } = deploymentBytes(blueprint);
  const name = deploymentName(flow.name, blueprint.project);
  const template = compileWorkflowTemplate({
    name,
    flowName: flow.name,
    graph: flow.graph,
    decorators: request.decorators,
    params: flow.params,
    ...(blueprint.project ? { project: blueprint.project } : {}),
    deployment: sha,
    config,
    version: request.version,
    ...(request.maxWorkers ? { maxWorkers: request.maxWorkers } : {}),
    workloadIdentity: request.workloadIdentity,
  });
  const { schedule, trigger, triggerOnFinish } = flow.classDecorators;
  const sensor =
    trigger || triggerOnFinish
      ? sensorOf({
          template,
          ...(trigger ? { trigger } : {}),
          ...(triggerOnFinish ? { triggerOnFinish } : {}),
          ...(blueprint.project ? { project: blueprint.project } : {}),
          eventSource: config.values.argoEventsSource ?? DEFAULT_EVENT_SOURCE,
          serviceAccount: config.values.argoEventsServiceAccount ?? DEFAULT_SENSOR_SERVICE_ACCOUNT,
        })
      : undefined;
  return { name, namespace: template.metadata.namespace!, blueprint, sha, template, ...(schedule ? { cron: cronWorkflow(template, schedule) } : {}), ...(sensor ? { sensor } : {}) };
}

/** What `create` did to each object. */
export interface Applied {
  template: "created" | "updated";
  cron?: "created" | "updated" | "deleted";
  sensor?: "created" | "updated" | "deleted";
}

/**
 * Stores the code package and the blueprint, then creates or updates the template and
 * its CronWorkflow and Sensor; a schedule or trigger removed from the flow is deleted.
 * Refuses to take over a template of that name deployed from another flow.
 */
export async function applyDeployment(plan: DeploymentPlan, flow: LoadedFlow, backend: StorageBackend, api: ArgoApi): Promise<Applied> {
  await backend.putBytes([
    { key: `${plan.blueprint.codePackage.key}.map`, data: Buffer.from(flow.codePackage.map), durable: true },
    { key: layout.codePackage(flow.name, flow.codePackage.sha), data: Buffer.from(flow.codePackage.code), durable: true },
  ]);
  await storeDeployment(backend, plan.blueprint);
  const owned = (existing: { metadata: { annotations?: Record<string, string> } }) => {
    const other = existing.metadata.annotations?.[DEPLOYMENT_ANNOTATIONS.flow];
    if (other !== plan.blueprint.flow) {
      throw new WeftError("USAGE", `Namespace ${plan.namespace} already has a deployment named ${plan.name}, of ${other ? `flow ${other}` : "something other than Weft"}.`, {
        hint: "Deploy this flow under @project with a branch (`--branch NAME`), or to another namespace (WEFT_KUBERNETES_NAMESPACE).",
      });
    }
  };
  const applied: Applied = { template: await api.apply(ARGO_KINDS.workflowTemplate, plan.template, owned) };
  if (plan.cron) applied.cron = await api.apply(ARGO_KINDS.cronWorkflow, plan.cron, owned);
  else if (await api.delete(ARGO_KINDS.cronWorkflow, plan.name)) applied.cron = "deleted";
  if (plan.sensor) applied.sensor = await api.apply(ARGO_KINDS.sensor, plan.sensor, owned);
  else if (await api.delete(ARGO_KINDS.sensor, plan.name).catch(absentKind)) applied.sensor = "deleted";
  return applied;
}

/** Without Argo Events installed there is no Sensor to delete. */
function absentKind(error: unknown): false {
  if (error instanceof WeftError && /Argo Events is not installed/.test(error.message)) return false;
  throw error;
}
