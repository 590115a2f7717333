// One workflow as Argo's controller runs it: its template resolved (workflowTemplateRef,
// arguments merged by name), the entry DAG walked task by task (`depends`, `when`,
// `withParam`), each container template run as a pod through the fake API server with
// its retryStrategy, the onExit handler last, and everything written back to
// `status` (see controller.ts for the watch that drives it, and pod-runner.ts for pods).
import type { ArgoParameter, ArgoTemplate, DagTask, RetryStrategy, Workflow, WorkflowTemplate } from "../../src/compute/argo/types.ts";
import { now } from "../kube/types.ts";
import { failedBranch } from "./dag-phase.ts";
import { dependsTasks, evaluate, ExpressionError, splitResult, type Value } from "./expression.ts";
import { type ArgoNode, type NodePhase, NodeTable } from "./nodes.ts";
import { type PodContext, type PodOutcome, PodRunner } from "./pod-runner.ts";
import { type Scope, substitute, UnresolvedVariable } from "./variables.ts";

/** What a node ended with: its phase, and a pod's outputs. */
export interface Outcome {
  phase: NodePhase;
  node?: ArgoNode;
  outputs?: Record<string, string>;
  message?: string;
  /** A task group's children's phases (for AnySucceeded / AllFailed). */
  children?: NodePhase[];
}

const FAILED: NodePhase[] = ["Failed", "Error"];

/**
 * Argo's controller counts the templates it is inside while it runs one (its
 * `maxAllowedStackDepth`): from 100 on, the template's node errors with this message,
 * unless the controller runs with DISABLE_MAX_RECURSION=true (docs/scaling.md). A
 * recursive template meets it after about a hundred rounds.
 */
const MAX_STACK_DEPTH = 100;
export const MAX_DEPTH_MESSAGE = "Maximum recursion depth exceeded. See https://argo-workflows.readthedocs.io/en/latest/scaling/#maximum-recursion-depth";

/** `spec` of the workflow with its template's spec under it; a workflow parameter without a value throws. */
export function resolvedSpec(workflow: Workflow, template: WorkflowTemplate | undefined): Workflow["spec"] & WorkflowTemplate["spec"] {
  const { workflowTemplateRef, ...own } = workflow.spec as Workflow["spec"] & { workflowTemplateRef?: { name: string } };
  if (workflowTemplateRef && !template) throw new Error(`workflowtemplates.argoproj.io "${workflowTemplateRef.name}" not found`);
  const given = new Map((own.arguments?.parameters ?? []).map((p) => [p.name, p]));
  const declared = template?.spec.arguments?.parameters ?? [];
  const parameters = [...declared.map((p) => given.get(p.name) ?? p), ...[...given.values()].filter((p) => !declared.some((d) => d.name === p.name))];
  for (const p of parameters) if (p.value === undefined) throw new Error(`spec.arguments.parameters.${p.name}.value is required`);
  return { ...template?.spec, ...own, ...(parameters.length ? { arguments: { parameters } } : {}) } as Workflow["spec"] & WorkflowTemplate["spec"];
}

/** Runs one workflow to its end; `shutdown` and `suspend` come from its spec as it changes. */
export class WorkflowRun {
  readonly nodes: NodeTable;
  readonly pods: PodRunner;
  private readonly templates: Map<string, ArgoTemplate>;
  private readonly global: Scope;
  /** How many templates deep each DAG node's template runs (the entry DAG and the exit handler: 1). */
  private readonly depths = new Map<string, number>();
  /** `spec.shutdown` once set: "Terminate" (no exit handler) or "Stop". */
  shutdown: string | undefined;
  shutdownMessage: string | undefined;

  constructor(
    readonly workflow: Workflow,
    readonly spec: ReturnType<typeof resolvedSpec>,
    context: PodContext,
  ) {
    const name = workflow.metadata.name!;
    this.nodes = new NodeTable(name);
    this.pods = new PodRunner(context, workflow, spec, this.nodes);
    this.templates = new Map((spec.templates ?? []).map((t) => [t.name, t]));
    this.global = {
      "workflow.name": name,
      "workflow.namespace": workflow.metadata.namespace!,
      "workflow.uid": (workflow.metadata as { uid?: string }).uid ?? "",
      "workflow.creationTimestamp": (workflow.metadata as { creationTimestamp?: string }).creationTimestamp ?? now(),
      ...(spec.serviceAccountName ? { "workflow.serviceAccountName": spec.serviceAccountName } : {}),
      ...Object.fromEntries((spec.arguments?.parameters ?? []).map((p) => [`workflow.parameters.${p.name}`, p.value ?? ""])),
    };
  }

  /** Runs the entrypoint, then the exit handler; resolves to the workflow's phase and message. */
  async run(): Promise<{ phase: "Succeeded" | "Failed" | "Error"; message?: string }> {
    const name = this.workflow.metadata.name!;
    const entry = await this.runTemplate(this.spec.entrypoint!, [], { name, displayName: name });
    let phase: "Succeeded" | "Failed" | "Error" = entry.phase === "Succeeded" ? "Succeeded" : entry.phase === "Error" ? "Error" : "Failed";
    let message = this.shutdownMessage ?? (phase === "Succeeded" ? undefined : entry.message ?? `child '${entry.node?.id ?? name}' failed`);
    if (this.spec.onExit && this.shutdown !== "Terminate") {
      const failures = this.nodes.all().filter((n) => FAILED.includes(n.phase) && n.type === "Pod").map((n) => ({ displayName: n.displayName, message: n.message ?? "", templateName: n.templateName, phase: n.phase, podName: n.id, finishedAt: n.finishedAt }));
      const exitScope = { "workflow.status": phase, "workflow.failures": JSON.stringify(failures) };
      const exit = await this.runTemplate(this.spec.onExit, [], { name: `${name}.onExit`, displayName: `${name}.onExit` }, undefined, exitScope);
      if (FAILED.includes(exit.phase) && phase === "Succeeded") {
        phase = "Failed";
        message = exit.message ?? "exit handler failed";
      }
    }
    return { phase, ...(message ? { message } : {}) };
  }

  /** Runs `templateName` as node `at`, with `args` bound to its inputs. */
  private async runTemplate(templateName: string, args: ArgoParameter[], at: { name: string; displayName: string }, parent?: ArgoNode, extra: Scope = {}): Promise<Outcome> {
    const template = this.templates.get(templateName);
    const boundary = parent && (parent.type === "DAG" ? parent.id : parent.boundaryID);
    const base = { ...at, templateName, ...(boundary ? { boundaryID: boundary } : {}) };
    const depth = boundary === undefined ? 1 : this.depths.get(boundary)! + 1;
    if (depth >= MAX_STACK_DEPTH) return this.errorNode(base, parent, MAX_DEPTH_MESSAGE);
    if (!template) return this.errorNode(base, parent, `templates.${templateName} not found`);
    const inputs: Scope = {};
    for (const declared of template.inputs?.parameters ?? []) {
      const value = args.find((a) => a.name === declared.name)?.value ?? declared.value;
      if (value === undefined) return this.errorNode(base, parent, `inputs.parameters.${declared.name} was not supplied`);
      inputs[`inputs.parameters.${declared.name}`] = value;
    }
    const scope = { ...this.global, ...extra, ...inputs };
    const nodeInputs = template.inputs?.parameters?.length ? { parameters: template.inputs.parameters.map((p) => ({ name: p.name, value: inputs[`inputs.parameters.${p.name}`] })) } : undefined;
    if (template.dag) {
      const node = this.nodes.add({ ...base, type: "DAG", phase: "Running", ...(nodeInputs ? { inputs: nodeInputs } : {}) }, parent);
      this.depths.set(node.id, depth);
      const outcome = await this.runDag(template.dag.tasks, node, scope);
      this.nodes.update(node, { phase: outcome.phase, ...(outcome.message ? { message: outcome.message } : {}) });
      return { ...outcome, node };
    }
    if (template.retryStrategy) return this.runRetried(template, template.retryStrategy, base, parent, scope, nodeInputs);
    const node = this.nodes.add({ ...base, type: "Pod", ...(nodeInputs ? { inputs: nodeInputs } : {}) }, parent);
    return this.runPod(template, node, scope);
  }

  private errorNode(base: { name: string; displayName: string; templateName: string; boundaryID?: string }, parent: ArgoNode | undefined, message: string): Outcome {
    const node = this.nodes.add({ ...base, type: "Pod", phase: "Error", message }, parent);
    this.nodes.update(node, { phase: "Error" });
    return { phase: "Error", node, message };
  }

  /**
   * A DAG: a task starts once every task its `depends` (or `dependencies`) names has
   * completed and the expression holds, else it is Omitted; after a failure that no
   * `depends` handles nothing new starts (failFast). The DAG's phase is Argo's, from its
   * target tasks (dag-phase.ts).
   */
  private async runDag(tasks: DagTask[], node: ArgoNode, scope: Scope): Promise<Outcome> {
    const results = new Map<string, Outcome>();
    const running = new Map<string, Promise<void>>();
    const pending = new Map(tasks.map((t) => [t.name, t]));
    const handled = new Set(tasks.flatMap((t) => (t.depends ? dependsTasks(t.depends).filter((d) => new RegExp(`\\b${d}\\.(Failed|Errored|AllFailed|AnySucceeded)\\b`).test(t.depends!)) : [])));
    const unhandledFailure = () => [...results.entries()].some(([name, r]) => FAILED.includes(r.phase) && !handled.has(name));
    const lookup = (name: string): Value => {
      const { task, result } = splitResult(name);
      const r = results.get(task);
      if (!r) throw new Error(`depends names "${task}", which is not a task of this DAG`);
      switch (result) {
        case undefined: return ["Succeeded", "Skipped"].includes(r.phase);
        case "Errored": return r.phase === "Error";
        case "AnySucceeded": return (r.children ?? []).includes("Succeeded");
        case "AllFailed": return (r.children ?? []).length > 0 && r.children!.every((p) => FAILED.includes(p));
        default: return r.phase === result;
      }
    };
    const dependencies = (task: DagTask) => (task.depends ? dependsTasks(task.depends) : ((task as DagTask & { dependencies?: string[] }).dependencies ?? []));
    for (;;) {
      for (const [name, task] of pending) {
        const deps = dependencies(task);
        if (!deps.every((d) => results.has(d))) continue;
        pending.delete(name);
        if (unhandledFailure() || this.shutdown) continue;
        const at = { name: `${node.name}.${name}`, displayName: name };
        let ok: boolean;
        try {
          ok = task.depends ? evaluate(task.depends, lookup) === true : deps.every((d) => lookup(d) === true);
        } catch (error) {
          results.set(name, this.errorNode({ ...at, templateName: task.template, boundaryID: node.id }, node, (error as Error).message));
          continue;
        }
        if (!ok) {
          const omitted = this.nodes.add({ ...at, type: "Skipped", phase: "Omitted", templateName: task.template, boundaryID: node.id, message: "omitted: depends condition not met" }, node);
          results.set(name, { phase: "Omitted", node: omitted });
          continue;
        }
        running.set(name, this.runTask(task, at, node, { ...scope, ...tasksScope(results) }).then((outcome) => {
          results.set(name, outcome);
          running.delete(name);
        }));
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    const failed = failedBranch(tasks, dependencies, results);
    if (failed) return { phase: "Failed", message: failed.message ?? `child '${failed.node?.id}' failed` };
    if (this.shutdown) return { phase: "Failed", message: this.shutdownMessage };
    return { phase: "Succeeded" };
  }

  /** One DAG task: skipped when its `when` is false, fanned out over `withParam`, else its template. */
  private async runTask(task: DagTask, at: { name: string; displayName: string }, dag: ArgoNode, scope: Scope): Promise<Outcome> {
    const base = { ...at, templateName: task.template, boundaryID: dag.id };
    try {
      if (!task.withParam) {
        if (task.when && !whenHolds(task.when, scope)) return this.skipped(base, dag, task.when, scope);
        return await this.runTemplate(task.template, bind(task, scope), at, dag);
      }
      const items = JSON.parse(substitute(task.withParam, scope)) as unknown;
      if (!Array.isArray(items)) throw new ExpressionError(`withParam value could not be parsed as a JSON list: ${substitute(task.withParam, scope)}`);
      const group = this.nodes.add({ ...at, type: "TaskGroup", phase: items.length ? "Running" : "Skipped", boundaryID: dag.id, ...(items.length ? {} : { message: "Skipped, empty params" }) }, dag);
      if (!items.length) return { phase: "Skipped", node: group };
      const children = await Promise.all(items.map((item, i) => {
        const text = typeof item === "string" ? item : JSON.stringify(item);
        const child = { name: `${at.name}(${i}:${text})`, displayName: `${at.displayName}(${i}:${text})` };
        const itemScope = { ...scope, item: text };
        if (task.when && !whenHolds(task.when, itemScope)) return this.skipped({ ...base, ...child }, group, task.when, itemScope);
        return this.runTemplate(task.template, bind(task, itemScope), child, group);
      }));
      const phases = children.map((c) => c.phase);
      const failed = children.find((c) => FAILED.includes(c.phase));
      const phase: NodePhase = failed ? "Failed" : "Succeeded";
      this.nodes.update(group, { phase, ...(failed?.message ? { message: failed.message } : {}) });
      return { phase, node: group, children: phases, ...(failed?.message ? { message: failed.message } : {}) };
    } catch (error) {
      if (!(error instanceof UnresolvedVariable || error instanceof ExpressionError || error instanceof SyntaxError)) throw error;
      return this.errorNode(base, dag, (error as Error).message);
    }
  }

  private skipped(base: { name: string; displayName: string; templateName: string; boundaryID?: string }, parent: ArgoNode, when: string, scope: Scope): Outcome {
    const node = this.nodes.add({ ...base, type: "Skipped", phase: "Skipped", message: `when '${substitute(when, scope)}' evaluated false` }, parent);
    return { phase: "Skipped", node };
  }

  /**
   * A template with a retryStrategy: a Retry node whose children are its attempts,
   * `{{retries}}` each one's number. Another attempt follows a failed one while the
   * limit allows, the retryPolicy covers its phase and the expression holds over
   * `lastRetry`, after the backoff.
   */
  private async runRetried(template: ArgoTemplate, strategy: RetryStrategy, base: { name: string; displayName: string; templateName: string; boundaryID?: string }, parent: ArgoNode | undefined, scope: Scope, inputs: ArgoNode["inputs"]): Promise<Outcome> {
    const retry = this.nodes.add({ ...base, type: "Retry", phase: "Running", ...(inputs ? { inputs } : {}) }, parent);
    const limit = Number(substitute(String(strategy.limit ?? "0"), scope));
    const policy = strategy.retryPolicy ?? "OnFailure";
    for (let attempt = 0; ; attempt++) {
      const child = this.nodes.add({ name: `${base.name}(${attempt})`, displayName: `${base.displayName}(${attempt})`, type: "Pod", templateName: base.templateName, ...(base.boundaryID ? { boundaryID: base.boundaryID } : {}), ...(inputs ? { inputs } : {}) }, retry);
      const outcome = await this.runPod(template, child, { ...scope, retries: String(attempt) });
      const finish = (extra: Partial<ArgoNode> = {}) => {
        this.nodes.update(retry, { phase: outcome.phase, ...(outcome.message ? { message: outcome.message } : {}), ...(child.outputs ? { outputs: child.outputs } : {}), ...extra });
        return { ...outcome, node: retry };
      };
      if (outcome.phase === "Succeeded" || this.shutdown || attempt >= limit) return finish();
      const covered = policy === "Always" || (policy === "OnFailure" && outcome.phase === "Failed") || (policy === "OnError" && outcome.phase === "Error");
      if (!covered) return finish();
      if (strategy.expression) {
        const lastRetry: Record<string, string> = { "lastRetry.exitCode": child.outputs?.exitCode ?? "-1", "lastRetry.status": outcome.phase, "lastRetry.message": outcome.message ?? "", "lastRetry.duration": String(Math.round((Date.parse(child.finishedAt!) - Date.parse(child.startedAt!)) / 1000)) };
        const holds = evaluate(strategy.expression, (name) => {
          if (!(name in lastRetry)) throw new ExpressionError(`retryStrategy.expression names ${name}, which Argo does not define`);
          return lastRetry[name]!;
        });
        if (holds !== true) return finish({ message: `${outcome.message ?? ""} (retryStrategy.expression evaluated to false)`.trim() });
      }
      await this.pods.backoff(backoffMs(strategy.backoff, attempt));
    }
  }

  private async runPod(template: ArgoTemplate, node: ArgoNode, scope: Scope): Promise<Outcome> {
    const outcome: PodOutcome = await this.pods.run(template, node, { ...scope, "pod.name": node.id, "node.name": node.name }, () => this.shutdownMessage);
    return { phase: outcome.phase, node, ...(outcome.outputs ? { outputs: outcome.outputs } : {}), ...(outcome.message ? { message: outcome.message } : {}) };
  }
}

/** The task's `arguments.parameters` substituted in its DAG's scope. */
function bind(task: DagTask, scope: Scope): ArgoParameter[] {
  return (task.arguments?.parameters ?? []).map((p) => ({ name: p.name, ...(p.value !== undefined ? { value: substitute(p.value, scope) } : {}) }));
}

/** A `when` after substitution; anything but true or false is an error, as in Argo. */
function whenHolds(when: string, scope: Scope): boolean {
  const result = evaluate(substitute(when, scope), (name) => {
    throw new ExpressionError(`when '${substitute(when, scope)}' names ${name}: Argo cannot evaluate it`);
  });
  if (typeof result !== "boolean") throw new ExpressionError(`when '${substitute(when, scope)}' is not a boolean expression`);
  return result;
}

/**
 * What Argo's scope holds of the completed tasks: `tasks.<name>.status`, `.startedAt`,
 * `.finishedAt`, `.exitCode` and `.outputs.parameters.<p>`. A pod that ended without an
 * exit code (deleted, never started) leaves `{{tasks.<name>.exitCode}}` as written, as
 * Argo's substitution of a DAG task does (it allows unresolved variables there).
 */
function tasksScope(results: Map<string, Outcome>): Scope {
  const scope: Scope = {};
  for (const [name, r] of results) {
    const prefix = `tasks.${name}`;
    for (const [p, v] of Object.entries(r.outputs ?? {})) scope[`${prefix}.outputs.parameters.${p}`] = v;
    if (!r.node) continue;
    scope[`${prefix}.status`] = r.node.phase;
    if (r.node.startedAt) scope[`${prefix}.startedAt`] = r.node.startedAt;
    if (r.node.finishedAt) scope[`${prefix}.finishedAt`] = r.node.finishedAt;
    scope[`${prefix}.exitCode`] = r.node.outputs?.exitCode ?? `{{${prefix}.exitCode}}`;
  }
  return scope;
}

/** `duration` (a number of seconds or `10s` / `2m` / `1h`) times `factor` to the attempt's power. */
function backoffMs(backoff: RetryStrategy["backoff"], attempt: number): number {
  if (!backoff?.duration) return 0;
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(String(backoff.duration));
  if (!m) throw new Error(`retryStrategy.backoff.duration "${backoff.duration}" is not a duration`);
  const seconds = Number(m[1]) * (m[2] === "m" ? 60 : m[2] === "h" ? 3600 : 1);
  return seconds * 1000 * Number(backoff.factor ?? 1) ** attempt;
}
