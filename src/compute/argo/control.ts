// Deployed runs through the Kubernetes API: trigger a Workflow from the template, list
// a deployment's workflows, a workflow's progress per step, and terminate, suspend,
// resume. A run's Weft state follows: terminate records it killed, and `status` records
// the end of a workflow whose exit handler never ran (deleted, or its pod lost).
import { WeftError } from "../../errors/weft-error.ts";
import type { MetadataProvider } from "../../metadata/types.ts";
import { labelValue } from "../kubernetes/names.ts";
import { ARGO_KINDS, type ArgoApi } from "./argo-api.ts";
import { FALLBACK_ANNOTATION } from "./fallback.ts";
import { argoRunId, DEPLOYMENT_LABEL } from "./names.ts";
import type { NodeStatus, Workflow, WorkflowTemplate } from "./types.ts";
import { podProblemFix, type PodProblem } from "./pod-problems.ts";
import { workflowNodes } from "./workflow-nodes.ts";
import { DEPLOYMENT_ANNOTATIONS, RESUME_PARAMETER } from "./workflow-template.ts";


/** The workflow of a Weft run id (`argo-<workflow>`); a USAGE WeftError for an id Argo did not start. */
export function workflowOfRun(run: string): string {
  if (!run.startsWith("argo-") || run.length <= 5) throw new WeftError("USAGE", `Run "${run}" is not a run Argo Workflows started: those are named argo-<workflow>, e.g. argo-irisflow-x7k2p.`, { hint: "List them with `weft argo-workflows list-runs FLOW`." });
  return run.slice("argo-".length);
}

/** The Workflow `trigger` submits: the template by reference, and the parameters given (the others keep their defaults). */
export function workflowFromTemplate(template: WorkflowTemplate, params: Record<string, string>): Workflow {
  const name = template.metadata.name!;
  const given = Object.entries(params).map(([field, value]) => ({ name: field, value }));
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: { generateName: `${name}-`, namespace: template.metadata.namespace!, labels: { ...template.spec.workflowMetadata?.labels, [DEPLOYMENT_LABEL]: labelValue(name) }, annotations: { ...template.spec.workflowMetadata?.annotations } },
    spec: { workflowTemplateRef: { name }, ...(given.length ? { arguments: { parameters: given } } : {}) },
  };
}

/** Submits a run of a deployment; resolves to its Weft run id. */
export async function trigger(api: ArgoApi, name: string, params: Record<string, string>): Promise<string> {
  const template = await api.get<WorkflowTemplate>(ARGO_KINDS.workflowTemplate, name);
  if (!template) throw notDeployed(name, api.namespace);
  const created = await api.create(ARGO_KINDS.workflow, workflowFromTemplate(template, params));
  return argoRunId(created.metadata.name!);
}

/** What a resumed run reuses: the origin run, the steps that run again, and tasks of those steps kept anyway (task keys). */
export interface ResumeOnArgo {
  origin: string;
  rerun: string[];
  keep: string[];
}

/**
 * Submits a run of a deployment that resumes `resume.origin` (`weft resume --on-argo`):
 * the template's `weft-resume` parameter tells the run's creation, whose run spec then
 * tells each task to clone itself from the origin unless its step runs again.
 * `params` are the origin's values, as a user types them. Resolves to the new run id.
 */
export function triggerResume(api: ArgoApi, name: string, params: Record<string, string>, resume: ResumeOnArgo): Promise<string> {
  const value = JSON.stringify({ origin: resume.origin, rerun: resume.rerun, ...(resume.keep.length ? { keep: resume.keep } : {}) });
  return trigger(api, name, { ...params, [RESUME_PARAMETER]: value });
}

/** One workflow of a deployment, as `list-runs` prints it. */
export interface RunSummary {
  run: string;
  phase: string;
  startedAt?: string;
  finishedAt?: string;
}

/** The workflows of a deployment, newest first. */
export async function listRuns(api: ArgoApi, name: string): Promise<RunSummary[]> {
  const workflows = await api.list<Workflow>(ARGO_KINDS.workflow, `${DEPLOYMENT_LABEL}=${labelValue(name)}`);
  return workflows
    .map((w) => ({ run: argoRunId(w.metadata.name!), phase: w.status?.phase ?? "Pending", ...(w.status?.startedAt ? { startedAt: w.status.startedAt } : {}), ...(w.status?.finishedAt ? { finishedAt: w.status.finishedAt } : {}) }))
    .sort((a, b) => (b.startedAt ?? "\uffff").localeCompare(a.startedAt ?? "\uffff"));
}

/** A step's tasks by phase. */
export interface StepProgress {
  step: string;
  succeeded: number;
  running: number;
  failed: number;
  other: number;
}

export interface WorkflowReport {
  run: string;
  flow: string | undefined;
  phase: string;
  message?: string;
  steps: StepProgress[];
  /** The controller offloaded the nodes to its database: no per-step progress here. */
  offloaded?: boolean;
  /** Pods waiting on something (a pull, a node) or failed, with their message and fix. */
  problems: PodProblem[];
}

/**
 * A workflow's phase and, per step, its tasks by phase: a task is a node of one of the
 * step's templates that is not one attempt of a retried node (Argo's Retry node holds
 * those). Steps in the template's order.
 */
export function progressOf(workflow: Workflow, template: WorkflowTemplate | undefined): WorkflowReport {
  const templates = template?.spec.templates ?? [];
  const stepOf = new Map(templates.flatMap((t) => (t.metadata?.annotations?.["weft/step"] ? [[t.name, t.metadata.annotations["weft/step"]] as const] : [])));
  const fallbacks = new Set(templates.filter((t) => t.metadata?.annotations?.[FALLBACK_ANNOTATION]).map((t) => t.name));
  const found = workflowNodes(workflow.status);
  const nodes = found === "offloaded" ? [] : found;
  const retried = new Set(nodes.filter((n) => n.type === "Retry").flatMap((n) => n.children ?? []));
  // A lost task whose fallback ran counts once, as the fallback's outcome.
  const superseded = new Set(nodes.filter((n) => n.type === "Pod" && fallbacks.has(n.templateName ?? "")).map((n) => n.name.replace(/-fallback$/, "")));
  const steps = new Map<string, StepProgress>([...new Set(stepOf.values())].map((step) => [step, { step, succeeded: 0, running: 0, failed: 0, other: 0 }]));
  // A failed attempt a later one, or a fallback, made good is no problem any more.
  const recovered = new Set(nodes.filter((n) => n.type === "Retry" && n.phase === "Succeeded").flatMap((n) => n.children ?? []));
  for (const node of nodes) if (superseded.has(node.name)) for (const id of [node.id, ...(node.children ?? [])]) recovered.add(id);
  const problems: PodProblem[] = [];
  for (const node of nodes) {
    const where = bucket(node);
    // Every pod with something to say, the run's own (create-run, finish-run) too; each attempt's pod has its own message.
    if (node.type === "Pod" && node.message && (where === "failed" || where === "other") && !recovered.has(node.id)) {
      const fix = podProblemFix(node.message);
      problems.push({ node: node.name, phase: node.phase ?? "Pending", message: node.message, ...(fix ? { fix } : {}) });
    }
    const step = node.templateName && stepOf.get(node.templateName);
    if (!step || retried.has(node.id) || superseded.has(node.name) || (node.type !== "Pod" && node.type !== "Retry")) continue;
    steps.get(step)![where] += 1;
  }
  return {
    run: argoRunId(workflow.metadata.name!),
    flow: workflow.metadata.annotations?.[DEPLOYMENT_ANNOTATIONS.flow],
    phase: workflow.status?.phase ?? "Pending",
    ...(workflow.status?.message ? { message: workflow.status.message } : {}),
    steps: [...steps.values()],
    ...(found === "offloaded" ? { offloaded: true } : {}),
    problems,
  };
}

function bucket(node: NodeStatus): "succeeded" | "running" | "failed" | "other" {
  if (node.phase === "Succeeded") return "succeeded";
  if (node.phase === "Running") return "running";
  if (node.phase === "Failed" || node.phase === "Error") return "failed";
  return "other";
}

/**
 * The report of a run's workflow; when the workflow has ended (or is gone) and the Weft
 * run still reads as running, its end is recorded, since no exit handler will.
 */
export async function status(api: ArgoApi, metadata: MetadataProvider | undefined, run: string): Promise<WorkflowReport> {
  const name = workflowOfRun(run);
  const workflow = await api.get<Workflow>(ARGO_KINDS.workflow, name);
  if (!workflow) throw new WeftError("NOT_FOUND", `Namespace ${api.namespace} has no workflow ${name} (run ${run}): it was deleted, or its TTL removed it.`, { hint: "Its Weft run is still readable: `weft dump FLOW/" + run + "`." });
  const templateName = workflow.spec.workflowTemplateRef?.name;
  const template = templateName ? await api.get<WorkflowTemplate>(ARGO_KINDS.workflowTemplate, templateName) : undefined;
  const report = progressOf(workflow, template);
  const ended = report.phase === "Failed" || report.phase === "Error";
  if (ended && metadata && report.flow) {
    const state = await metadata.getRunState(report.flow, run);
    if (state?.status === "running") {
      await metadata.setRunState(report.flow, run, { status: "failed", finishedAt: workflow.status?.finishedAt ?? new Date().toISOString(), reason: `The Argo workflow ended ${report.phase}${report.message ? `: ${report.message}` : ""}; its exit handler did not record it.` });
    }
  }
  return report;
}

/** Stops a run (`spec.shutdown: Terminate`): running pods are killed, no exit handler runs, so the Weft run is recorded killed here. */
export async function terminate(api: ArgoApi, metadata: MetadataProvider | undefined, run: string): Promise<void> {
  const name = workflowOfRun(run);
  const workflow = await api.patch<Workflow>(ARGO_KINDS.workflow, name, [{ op: "add", path: "/spec/shutdown", value: "Terminate" }]).catch((error: unknown) => {
    throw absent(error, name, run, api.namespace);
  });
  const flow = workflow.metadata.annotations?.[DEPLOYMENT_ANNOTATIONS.flow];
  if (!metadata || !flow) return;
  const state = await metadata.getRunState(flow, run);
  if (state?.status === "running") await metadata.setRunState(flow, run, { status: "killed", finishedAt: new Date().toISOString(), reason: "Terminated with `weft argo-workflows terminate`." });
}

/** Suspends (`true`) or resumes a run: no new pod starts while it is suspended; running ones go on. */
export async function suspend(api: ArgoApi, run: string, suspended: boolean): Promise<void> {
  const name = workflowOfRun(run);
  await api.patch<Workflow>(ARGO_KINDS.workflow, name, [{ op: "add", path: "/spec/suspend", value: suspended }]).catch((error: unknown) => {
    throw absent(error, name, run, api.namespace);
  });
}

/** Deletes a deployment's template, CronWorkflow and Sensor; its runs and their data stay. Resolves to what was deleted. */
export async function deleteDeployment(api: ArgoApi, name: string): Promise<string[]> {
  const deleted: string[] = [];
  for (const kind of [ARGO_KINDS.workflowTemplate, ARGO_KINDS.cronWorkflow, ARGO_KINDS.sensor]) {
    const gone = await api.delete(kind, name).catch((error: unknown) => {
      if (kind === ARGO_KINDS.sensor && error instanceof WeftError && /not installed/.test(error.message)) return false;
      throw error;
    });
    if (gone) deleted.push(kind.kind);
  }
  if (!deleted.includes("WorkflowTemplate")) throw notDeployed(name, api.namespace);
  return deleted;
}

function notDeployed(name: string, namespace: string): WeftError {
  return new WeftError("NOT_FOUND", `Namespace ${namespace} has no deployment ${name}.`, { hint: "Deploy the flow first: `weft argo-workflows create FLOW` (with the same --branch / --production, and WEFT_KUBERNETES_NAMESPACE)." });
}

function absent(error: unknown, name: string, run: string, namespace: string): unknown {
  const cause = (error as WeftError).cause as { code?: number } | undefined;
  return cause?.code === 404 ? new WeftError("NOT_FOUND", `Namespace ${namespace} has no workflow ${name} (run ${run}).`, { hint: "List the runs with `weft argo-workflows list-runs FLOW`.", cause: error }) : error;
}
