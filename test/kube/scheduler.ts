// The default scheduler, reduced to the filters that decide whether a pod can run at all:
// nodeSelector and required node affinity, taints and tolerations, and resource requests
// against allocatable minus what bound pods request. A pod no node fits stays Pending with
// PodScheduled=False/Unschedulable and a FailedScheduling event worded like the real one.
import type { INode } from "kubernetes-models/v1/Node";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IIoK8sApiCoreV1NodeSelectorRequirement as Requirement } from "kubernetes-models/v1/NodeSelectorRequirement";
import type { ApiCore } from "./api-core.ts";
import type { EventRecorder } from "./events.ts";
import { addQuantities, parseQuantity } from "./quantity.ts";
import { now, type KubeObject } from "./types.ts";

const SOURCE = { component: "default-scheduler" };
const TERMINAL = new Set(["Succeeded", "Failed"]);

function podRequests(pod: IPod): Record<string, number> {
  const total: Record<string, number> = { pods: 1 };
  for (const c of pod.spec?.containers ?? []) addQuantities(total, { ...c.resources?.limits, ...c.resources?.requests } as Record<string, string>);
  return total;
}

function requirementHolds(req: Requirement, labels: Record<string, string>): boolean {
  const value = labels[req.key];
  const values = req.values ?? [];
  switch (req.operator) {
    case "In": return value !== undefined && values.includes(value);
    case "NotIn": return value === undefined || !values.includes(value);
    case "Exists": return value !== undefined;
    case "DoesNotExist": return value === undefined;
    case "Gt": return value !== undefined && Number(value) > Number(values[0]);
    case "Lt": return value !== undefined && Number(value) < Number(values[0]);
    default: return false;
  }
}

/** Why `node` cannot take `pod` (reasons as the scheduler words them), or [] if it can. */
function misfits(pod: IPod, node: INode, bound: IPod[]): string[] {
  const labels = node.metadata?.labels ?? {};
  if (node.spec?.unschedulable) return ["node(s) were unschedulable"];
  const selector = Object.entries(pod.spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const affinity = !terms || terms.some((t) => (t.matchExpressions ?? []).every((r) => requirementHolds(r, labels)));
  if (!selector || !affinity) return ["node(s) didn't match Pod's node affinity/selector"];
  const untolerated = (node.spec?.taints ?? []).find((taint) => taint.effect !== "PreferNoSchedule" && !(pod.spec?.tolerations ?? []).some((t) =>
    (t.operator === "Exists" && !t.key) || (t.key === taint.key && (t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "")) && (!t.effect || t.effect === taint.effect))));
  if (untolerated) return [`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ""}}`];
  const used: Record<string, number> = {};
  for (const p of bound) addQuantities(used, Object.fromEntries(Object.entries(podRequests(p)).map(([k, v]) => [k, String(v)])));
  const allocatable = node.status?.allocatable ?? {};
  const reasons: string[] = [];
  for (const [resource, wanted] of Object.entries(podRequests(pod))) {
    if (wanted === 0) continue;
    const has = allocatable[resource] !== undefined ? parseQuantity(allocatable[resource] as string) : resource === "pods" ? 110 : 0;
    if ((used[resource] ?? 0) + wanted > has) reasons.push(resource === "pods" ? "Too many pods" : `Insufficient ${resource}`);
  }
  return reasons;
}

/** `0/2 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector.` */
function unschedulableMessage(total: number, reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts.entries()].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${total} nodes are available${parts.length ? `: ${parts.join(", ")}` : ""}.`;
}

/** Schedules every pending pod, now and after each change that could make room; returns the stop function. */
export function startScheduler(api: ApiCore, events: EventRecorder): () => void {
  const pods = api.kind("pods");
  let queued = false;
  let stopped = false;
  const scheduleOne = (pod: IPod) => {
    const nodes = api.store.list<INode>("nodes");
    const all = api.store.list<IPod>("pods").filter((p) => p.spec?.nodeName && !TERMINAL.has(p.status?.phase ?? ""));
    const reasons: string[] = [];
    for (const node of nodes) {
      const why = misfits(pod, node, all.filter((p) => p.spec?.nodeName === node.metadata?.name));
      if (why.length === 0) return bind(pod, node.metadata!.name!);
      reasons.push(...why);
    }
    const message = unschedulableMessage(nodes.length, reasons);
    const current = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (current?.message === message) return;
    api.mutate(pods, pod.metadata!.namespace, pod.metadata!.name!, (o) => {
      const status = o.status as NonNullable<IPod["status"]>;
      status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== "PodScheduled"), { type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastTransitionTime: now(), lastProbeTime: null as unknown as string }];
    }, "status");
    events.record(SOURCE, pod as unknown as KubeObject, "Warning", "FailedScheduling", message);
  };
  const bind = (pod: IPod, nodeName: string) => {
    const { namespace, name } = pod.metadata!;
    api.mutate(pods, namespace, name!, (o) => void ((o.spec as IPod["spec"])!.nodeName = nodeName));
    const bound = api.mutate(pods, namespace, name!, (o) => {
      const status = o.status as NonNullable<IPod["status"]>;
      status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== "PodScheduled"), { type: "PodScheduled", status: "True", lastTransitionTime: now(), lastProbeTime: null as unknown as string }];
    }, "status");
    events.record(SOURCE, bound, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${nodeName}`);
  };
  const run = () => {
    queued = false;
    if (stopped) return;
    for (const pod of api.store.list<IPod>("pods")) {
      if (pod.spec?.nodeName || pod.metadata?.deletionTimestamp || TERMINAL.has(pod.status?.phase ?? "")) continue;
      scheduleOne(pod);
    }
  };
  const unsubscribe = api.store.subscribe((e) => {
    if (queued || (e.resource !== "pods" && e.resource !== "nodes")) return;
    queued = true;
    setImmediate(run);
  });
  setImmediate(run);
  return () => {
    unsubscribe();
    stopped = true;
  };
}
