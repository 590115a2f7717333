// A workflow's pods, as Argo's controller makes and follows them: the container template
// substituted and turned into a pod (its pod-level fields, the workflow's service account
// and image pull secrets, then its podSpecPatch merged in) created through the fake API
// server, whose kubelet runs the exact command and args with only the template's
// environment in an empty folder. Output parameters are read from the files their
// `valueFrom.path` names once the container has exited, as Argo's executor reads them;
// succeeded pods are collected (podGC OnPodSuccess). `parallelism` bounds the pods
// running at once, `suspend` holds back new ones, a shutdown deletes the running ones.
//
// Deviations: no `init`/`wait` containers and no `argoexec emissary` wrapper (the
// kubelet runs the main container's command itself), and no ARGO_* variables.
import type { IPod } from "kubernetes-models/v1/Pod";
import type { ArgoTemplate, Workflow } from "../../src/compute/argo/types.ts";
import type { ApiCore } from "../kube/api-core.ts";
import type { FakeKubelet } from "../kube/kubelet.ts";
import { mergePatch } from "../kube/patch.ts";
import { KubeApiError } from "../kube/status.ts";
import type { ArgoNode, NodePhase, NodeTable } from "./nodes.ts";
import { podName } from "./nodes.ts";
import { type Scope, substituteAll, UnresolvedVariable } from "./variables.ts";

export interface PodOutcome {
  phase: NodePhase;
  outputs?: Record<string, string>;
  message?: string;
}

export interface PodContext {
  api: ApiCore;
  kubelet: FakeKubelet;
  /** Calls `handler` with the pod after every change (undefined once deleted); returns the unsubscribe function. */
  watchPod(namespace: string, name: string, handler: (pod: IPod | undefined) => void): () => void;
}

/** Template fields that are fields of the pod's spec. */
const POD_FIELDS = ["activeDeadlineSeconds", "serviceAccountName", "nodeSelector", "tolerations", "securityContext", "priorityClassName", "affinity", "schedulerName", "hostAliases", "volumes"];

/** The pods of one workflow. */
export class PodRunner {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly live = new Set<string>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private suspended = false;
  private stopped = false;
  /** Pods started, and of those succeeded: the workflow's `progress`. */
  readonly progress = { total: 0, succeeded: 0 };

  constructor(
    private readonly ctx: PodContext,
    private readonly workflow: Workflow,
    private readonly spec: Workflow["spec"],
    private readonly nodes: NodeTable,
  ) {}

  /** `spec.suspend`: while true no new pod starts; running ones go on. */
  setSuspended(suspended: boolean): void {
    this.suspended = suspended;
    this.pump();
  }

  /** A shutdown: no new pod starts, running ones are deleted (their containers get SIGTERM), backoffs end. */
  shutdown(): void {
    this.stopped = true;
    for (const name of this.live) this.deletePod(name, undefined);
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.pump();
  }

  /** Waits `ms` between retries; a shutdown ends the wait at once. */
  backoff(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => {
        this.timers.delete(entry);
        resolve();
      }, ms), resolve };
      this.timers.add(entry);
    });
  }

  /** Runs `template` as the pod of `node`, with `scope` substituted; resolves when the pod has ended. */
  async run(template: ArgoTemplate, node: ArgoNode, scope: Scope, shutdownMessage: () => string | undefined): Promise<PodOutcome> {
    let resolved: ArgoTemplate;
    try {
      resolved = substituteAll(template, scope);
    } catch (error) {
      if (!(error instanceof UnresolvedVariable)) throw error;
      return this.end(node, { phase: "Error", message: error.message });
    }
    await this.slot();
    try {
      if (this.stopped) return this.end(node, { phase: "Failed", message: shutdownMessage() ?? "workflow shutdown" });
      return await this.runPod(resolved, node, shutdownMessage);
    } finally {
      this.running -= 1;
      this.pump();
    }
  }

  private async runPod(template: ArgoTemplate, node: ArgoNode, shutdownMessage: () => string | undefined): Promise<PodOutcome> {
    const namespace = this.workflow.metadata.namespace!;
    const name = podName(this.workflow.metadata.name!, template.name, node.name);
    let unwatch = () => {};
    const ended = new Promise<IPod | undefined>((resolve) => {
      unwatch = this.ctx.watchPod(namespace, name, (pod) => {
        if (!pod) return resolve(undefined);
        const phase = pod.status?.phase;
        if (phase === "Succeeded" || phase === "Failed") return resolve(pod);
        const change: Partial<ArgoNode> = {};
        if (phase === "Running" && node.phase !== "Running") change.phase = "Running";
        if (pod.spec?.nodeName && !node.hostNodeName) change.hostNodeName = pod.spec.nodeName;
        const pending = pendingReason(pod);
        if (pending && pending !== node.message) change.message = pending;
        if (Object.keys(change).length) this.nodes.update(node, change);
      });
    });
    try {
      this.ctx.api.create(this.ctx.api.kind("pods"), namespace, this.podOf(template, node, name));
    } catch (error) {
      unwatch();
      if (!(error instanceof KubeApiError)) throw error;
      return this.end(node, { phase: "Error", message: error.message });
    }
    this.live.add(name);
    this.progress.total += 1;
    const pod = await ended;
    unwatch();
    this.live.delete(name);
    const state = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    const exitCode = state?.exitCode;
    if (this.stopped && pod?.status?.phase !== "Succeeded") return this.end(node, { phase: "Failed", message: shutdownMessage() ?? "workflow shutdown" }, exitCode);
    if (!pod) return this.end(node, { phase: "Error", message: "pod deleted" });
    if (pod.status?.phase === "Failed") {
      const message = pod.status.reason ? pod.status.message ?? pod.status.reason : `${state?.reason === "OOMKilled" ? "OOMKilled" : "Error"} (exit code ${exitCode ?? "unknown"})`;
      return this.end(node, { phase: "Failed", message }, exitCode);
    }
    const outputs: Record<string, string> = {};
    for (const p of template.outputs?.parameters ?? []) {
      if (!p.valueFrom?.path) continue;
      const text = this.ctx.kubelet.readFile(namespace, name, p.valueFrom.path);
      if (text === undefined) return this.end(node, { phase: "Error", message: `open ${p.valueFrom.path}: no such file or directory` }, exitCode);
      outputs[p.name] = text;
    }
    this.progress.succeeded += 1;
    if (["OnPodSuccess", "OnPodCompletion"].includes(this.spec.podGC?.strategy ?? "")) this.deletePod(name, 0);
    return this.end(node, { phase: "Succeeded", ...(Object.keys(outputs).length ? { outputs } : {}) }, exitCode);
  }

  /** Records the node's end, with its exit code and output parameters as Argo shows them. */
  private end(node: ArgoNode, outcome: PodOutcome, exitCode?: number): PodOutcome {
    const seconds = node.startedAt ? Math.max(1, Math.round((Date.now() - Date.parse(node.startedAt)) / 1000)) : 1;
    const parameters = Object.entries(outcome.outputs ?? {}).map(([name, value]) => ({ name, value }));
    this.nodes.update(node, {
      phase: outcome.phase,
      progress: outcome.phase === "Succeeded" ? "1/1" : "0/1",
      resourcesDuration: { cpu: seconds, memory: seconds * 4 },
      ...(outcome.message ? { message: outcome.message } : {}),
      ...(exitCode !== undefined || parameters.length ? { outputs: { ...(parameters.length ? { parameters } : {}), ...(exitCode !== undefined ? { exitCode: String(exitCode) } : {}) } } : {}),
    });
    return outcome;
  }

  /** The pod of a container template (Argo's pod of its main container). */
  private podOf(template: ArgoTemplate, node: ArgoNode, name: string) {
    const fields = Object.fromEntries(POD_FIELDS.filter((f) => template[f] !== undefined).map((f) => [f, template[f]]));
    const serviceAccountName = (fields.serviceAccountName as string | undefined) ?? this.spec.serviceAccountName;
    const base = {
      ...fields,
      containers: [template.container],
      restartPolicy: "Never",
      ...(serviceAccountName ? { serviceAccountName } : {}),
      ...(this.spec.imagePullSecrets ? { imagePullSecrets: this.spec.imagePullSecrets } : {}),
    };
    const spec = template.podSpecPatch ? mergePatch(base, JSON.parse(template.podSpecPatch)) : base;
    const workflow = this.workflow.metadata as { name: string; uid?: string };
    return {
      metadata: {
        name,
        namespace: this.workflow.metadata.namespace!,
        labels: { ...template.metadata?.labels, "workflows.argoproj.io/workflow": workflow.name, "workflows.argoproj.io/completed": "false" },
        annotations: { ...template.metadata?.annotations, "workflows.argoproj.io/node-name": node.name, "workflows.argoproj.io/node-id": node.id },
        ownerReferences: [{ apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", name: workflow.name, uid: workflow.uid ?? "", controller: true, blockOwnerDeletion: true }],
      },
      spec: spec as Record<string, unknown>,
    };
  }

  private deletePod(name: string, gracePeriodSeconds: number | undefined): void {
    try {
      this.ctx.api.delete(this.ctx.api.kind("pods"), this.workflow.metadata.namespace, name, gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds });
    } catch {
      // Gone already.
    }
  }

  private slot(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(() => {
        this.running += 1;
        resolve();
      });
      this.pump();
    });
  }

  /** Grants slots while parallelism allows and the workflow is not suspended; all at once on shutdown (they then end). */
  private pump(): void {
    const limit = this.spec.parallelism ?? Infinity;
    while (this.waiting.length && (this.stopped || (!this.suspended && this.running < limit))) this.waiting.shift()!();
  }
}

/**
 * Why a pod is not running yet, as Argo's controller words it for the node's message
 * (getPendingReason): a waiting container's reason and message, else the scheduler's
 * Unschedulable condition. ContainerCreating is only the normal wait.
 */
function pendingReason(pod: IPod): string | undefined {
  const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
  if (waiting?.reason && waiting.reason !== "ContainerCreating") return waiting.message ? `${waiting.reason}: ${waiting.message}` : waiting.reason;
  const unschedulable = pod.status?.conditions?.find((c) => c.reason === "Unschedulable");
  if (unschedulable) return unschedulable.message ? `Unschedulable: ${unschedulable.message}` : "Unschedulable";
  return undefined;
}
