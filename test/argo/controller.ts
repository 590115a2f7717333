// A fake Argo Workflows controller on the fake cluster (test/kube/): it watches Workflow
// objects in the fake API server, as `weft argo-workflows trigger` creates them, resolves
// their workflowTemplateRef, runs them (workflow-run.ts: the DAG, `when`, `withParam`,
// retries, the exit handler; pod-runner.ts: each container template as a pod the fake
// kubelet runs as a local process) and writes `status` back: phase, startedAt,
// finishedAt, message, progress and every node. `spec.suspend` and `spec.shutdown`
// (what `suspend`, `resume` and `terminate` patch) act as they do in Argo: no new pod
// while suspended; Terminate deletes the running pods and skips the exit handler, Stop
// runs it. The workflow's `activeDeadlineSeconds` stops it, with the exit handler.
//
//   const argo = startFakeArgoController(world.kube, world.kubelet);
//   after(() => argo.stop());
//   // weft argo-workflows create flow.ts; weft argo-workflows trigger flow.ts → argo-<workflow>
//   await argo.finished("weft", workflowName);   // the Workflow object once it has ended
//
// Status writes are coalesced (at most one per `flushMs`), as the real controller writes
// once per reconciliation, so a 10,000-node status is not copied per node change. A
// status past MAX_WORKFLOW_SIZE is written as Argo writes it (compression.ts).
import type { IPod } from "kubernetes-models/v1/Pod";
import type { Workflow, WorkflowTemplate } from "../../src/compute/argo/types.ts";
import type { FakeKubeApi } from "../kube/api-server.ts";
import type { FakeKubelet } from "../kube/kubelet.ts";
import { now, type StoreEvent } from "../kube/types.ts";
import { compressIfLarge, MAX_WORKFLOW_SIZE } from "./compression.ts";
import { resolvedSpec, WorkflowRun } from "./workflow-run.ts";

const WORKFLOWS = "workflows.argoproj.io";

export interface FakeArgoControllerOptions {
  /** Least time between two status writes of one workflow. Default 50 ms. */
  flushMs?: number;
  /** The controller's MAX_WORKFLOW_SIZE: past it the nodes are written compressed. Default 1 MiB, as Argo's. */
  maxWorkflowSize?: number;
}

export interface FakeArgoController {
  /** Resolves with the workflow once its phase is final and its status written; rejects after `timeoutMs` (default 10 min). */
  finished(namespace: string, name: string, timeoutMs?: number): Promise<Workflow>;
  /** Stops watching; running pods are left to the kubelet's stop. */
  stop(): void;
}

interface Tracked {
  run: WorkflowRun;
  phase: string;
  message?: string;
  finishedAt?: string;
  timer?: NodeJS.Timeout;
  deadline?: NodeJS.Timeout;
  template?: WorkflowTemplate;
}

const finalPhase = (wf: Workflow | undefined) => ["Succeeded", "Failed", "Error"].includes(wf?.status?.phase ?? "") && Boolean(wf?.status?.finishedAt);

/** Starts the controller against `kube`, whose pods `kubelet` runs. */
export function startFakeArgoController(kube: FakeKubeApi, kubelet: FakeKubelet, options: FakeArgoControllerOptions = {}): FakeArgoController {
  const api = kube.core;
  const flushMs = options.flushMs ?? 50;
  const maxWorkflowSize = options.maxWorkflowSize ?? MAX_WORKFLOW_SIZE;
  const runs = new Map<string, Tracked>();
  const podWatchers = new Map<string, Set<(pod: IPod | undefined) => void>>();
  let stopped = false;
  const context = {
    api,
    kubelet,
    watchPod(namespace: string, name: string, handler: (pod: IPod | undefined) => void) {
      const key = `${namespace}/${name}`;
      const set = podWatchers.get(key) ?? new Set();
      podWatchers.set(key, set.add(handler));
      return () => {
        set.delete(handler);
        if (!set.size) podWatchers.delete(key);
      };
    },
  };

  const write = (namespace: string, name: string, tracked: Tracked) => {
    const { run } = tracked;
    run.nodes.dirty = false;
    try {
      api.mutate(api.kind("workflows"), namespace, name, (o) => {
        const done = tracked.finishedAt !== undefined;
        o.metadata.labels = { ...o.metadata.labels, "workflows.argoproj.io/phase": tracked.phase, ...(done ? { "workflows.argoproj.io/completed": "true" } : {}) };
        o.status = {
          phase: tracked.phase,
          startedAt: (o.status as Workflow["status"])?.startedAt ?? now(),
          ...(tracked.finishedAt ? { finishedAt: tracked.finishedAt } : {}),
          ...(tracked.message ? { message: tracked.message } : {}),
          progress: `${run.pods.progress.succeeded}/${run.pods.progress.total}`,
          nodes: run.nodes.toStatus(),
          ...(tracked.template ? { storedWorkflowTemplateSpec: tracked.template.spec } : {}),
          conditions: [{ type: "PodRunning", status: done ? "False" : "True" }, ...(done ? [{ type: "Completed", status: "True" }] : [])],
        };
        const tooLarge = compressIfLarge(o as unknown as Workflow, maxWorkflowSize);
        if (tooLarge && !done) {
          // Argo marks the workflow Error and stops it; its next write (uncompressed nodes, the error) must still fit.
          Object.assign(tracked, { phase: "Error", message: tooLarge });
          shutdown(tracked, "Stop", tooLarge);
        }
      });
    } catch {
      // The workflow was deleted: nothing to report on.
    }
  };
  const scheduleFlush = (namespace: string, name: string, tracked: Tracked) => {
    if (tracked.timer || stopped) return;
    tracked.timer = setTimeout(() => {
      tracked.timer = undefined;
      if (tracked.run.nodes.dirty && !tracked.finishedAt) write(namespace, name, tracked);
      if (!tracked.finishedAt) scheduleFlush(namespace, name, tracked);
    }, flushMs);
  };

  const fail = (namespace: string, name: string, message: string) => {
    api.mutate(api.kind("workflows"), namespace, name, (o) => {
      o.status = { phase: "Error", startedAt: now(), finishedAt: now(), message };
    });
  };

  const start = async (workflow: Workflow) => {
    const { namespace, name } = workflow.metadata as { namespace: string; name: string };
    const ref = workflow.spec.workflowTemplateRef?.name;
    const template = ref ? api.store.get<WorkflowTemplate>("workflowtemplates.argoproj.io", namespace, ref) : undefined;
    let spec: ReturnType<typeof resolvedSpec>;
    try {
      spec = resolvedSpec(workflow, template);
    } catch (error) {
      return fail(namespace, name, (error as Error).message);
    }
    const tracked: Tracked = { run: new WorkflowRun(workflow, spec, context), phase: "Running", ...(template ? { template } : {}) };
    runs.set(`${namespace}/${name}`, tracked);
    applySpec(tracked, workflow);
    const deadline = (spec as { activeDeadlineSeconds?: number }).activeDeadlineSeconds;
    if (deadline) tracked.deadline = setTimeout(() => shutdown(tracked, "Stop", "Max duration limit exceeded"), deadline * 1000);
    write(namespace, name, tracked);
    scheduleFlush(namespace, name, tracked);
    let result: { phase: string; message?: string };
    try {
      result = await tracked.run.run();
    } catch (error) {
      result = { phase: "Error", message: (error as Error).message };
    }
    clearTimeout(tracked.deadline);
    clearTimeout(tracked.timer);
    Object.assign(tracked, { phase: result.phase, finishedAt: now() }, result.message ? { message: result.message } : {});
    if (!stopped) write(namespace, name, tracked);
  };

  const shutdown = (tracked: Tracked, strategy: string, message: string) => {
    if (tracked.run.shutdown) return;
    tracked.run.shutdown = strategy;
    tracked.run.shutdownMessage = message;
    tracked.run.pods.shutdown();
  };
  const applySpec = (tracked: Tracked, workflow: Workflow) => {
    tracked.run.pods.setSuspended(workflow.spec.suspend === true);
    if (workflow.spec.shutdown) shutdown(tracked, workflow.spec.shutdown, `Stopped with strategy '${workflow.spec.shutdown}'`);
  };

  const onEvent = (e: StoreEvent) => {
    if (e.resource === "pods") {
      const key = `${e.object.metadata.namespace}/${e.object.metadata.name}`;
      for (const handler of [...(podWatchers.get(key) ?? [])]) handler(e.type === "DELETED" ? undefined : (e.object as unknown as IPod));
      return;
    }
    if (e.resource !== WORKFLOWS) return;
    const workflow = e.object as unknown as Workflow;
    const key = `${workflow.metadata.namespace}/${workflow.metadata.name}`;
    const tracked = runs.get(key);
    if (e.type === "ADDED" && !tracked && !workflow.status?.phase) setImmediate(() => !stopped && void start(workflow));
    else if (e.type === "MODIFIED" && tracked && !tracked.finishedAt) setImmediate(() => applySpec(tracked, workflow));
    else if (e.type === "DELETED" && tracked) {
      runs.delete(key);
      shutdown(tracked, "Terminate", "workflow deleted");
    }
  };
  const unsubscribe = api.store.subscribe(onEvent);
  for (const workflow of api.store.list<Workflow>(WORKFLOWS)) if (!workflow.status?.phase) setImmediate(() => void start(workflow));

  return {
    finished: (namespace, name, timeoutMs = 600_000) => kube.waitFor<Workflow>("workflows", namespace, name, finalPhase, timeoutMs) as Promise<Workflow>,
    stop() {
      stopped = true;
      unsubscribe();
      for (const tracked of runs.values()) {
        clearTimeout(tracked.timer);
        clearTimeout(tracked.deadline);
        tracked.run.pods.shutdown();
      }
    },
  };
}
