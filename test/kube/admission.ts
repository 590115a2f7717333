// Mutating admission and defaulting for the built-in kinds, as the API server applies
// them on create: pod and Job defaults, the ServiceAccount admission plugin, the Job
// selector and pod-template labels, Secret stringData, and the Azure Workload Identity
// webhook (webhook.ts).
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { ApiCore } from "./api-core.ts";
import { fieldNotSupported, KubeApiError, type StatusCause } from "./status.ts";
import type { KubeObject } from "./types.ts";
import { validateLabels, validateName } from "./validation.ts";
import { injectWorkloadIdentity } from "./webhook.ts";

function defaultPodSpec(spec: IPodSpec): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.serviceAccountName ??= spec.serviceAccount ?? "default";
  spec.serviceAccount = spec.serviceAccountName;
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.priority ??= 0;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const latest = !/:[^/]+$/.test(c.image ?? "") || (c.image ?? "").endsWith(":latest");
    c.imagePullPolicy ??= latest ? "Always" : "IfNotPresent";
    c.terminationMessagePath ??= "/dev/termination-log";
    c.terminationMessagePolicy ??= "File";
    c.resources ??= {};
    // A limit without a request requests the limit, as the API server defaults it.
    const { limits, requests } = c.resources;
    if (limits) c.resources.requests = { ...limits, ...requests };
  }
}

function qosClass(spec: IPodSpec): "Guaranteed" | "Burstable" | "BestEffort" {
  const containers = spec.containers ?? [];
  const guaranteed = containers.length > 0 && containers.every((c) => ["cpu", "memory"].every((r) => c.resources?.limits?.[r] !== undefined && String(c.resources?.requests?.[r]) === String(c.resources?.limits?.[r])));
  if (guaranteed) return "Guaranteed";
  return containers.some((c) => Object.keys(c.resources?.requests ?? {}).length > 0) ? "Burstable" : "BestEffort";
}

/** Pod defaults, the ServiceAccount admission plugin, and the workload identity webhook. */
export function admitPod(object: KubeObject, api: ApiCore): void {
  const pod = object as unknown as IPod;
  const spec = (pod.spec ??= { containers: [] });
  defaultPodSpec(spec);
  const namespace = pod.metadata?.namespace ?? "";
  const account = api.store.get("serviceaccounts", namespace, spec.serviceAccountName!);
  if (!account) {
    const name = pod.metadata?.name ?? "";
    throw new KubeApiError(403, "Forbidden", `pods "${name}" is forbidden: error looking up service account ${namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`, { name, kind: "pods" });
  }
  injectWorkloadIdentity(pod, account, api.options.workloadIdentity);
  pod.status = { phase: "Pending", qosClass: qosClass(spec) };
}

/** Job defaults, and the generated selector and pod-template labels of a Job without manualSelector. */
export function admitJob(object: KubeObject): void {
  const job = object as unknown as IJob;
  const spec = job.spec!;
  spec.backoffLimit ??= 6;
  spec.completions ??= 1;
  spec.parallelism ??= 1;
  spec.completionMode ??= "NonIndexed";
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= "TerminatingOrFailed";
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
  if (!spec.manualSelector && spec.template) {
    const uid = job.metadata!.uid!;
    const name = job.metadata!.name!;
    spec.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
    spec.template.metadata = { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name, "controller-uid": uid, "job-name": name } };
  }
  job.status = {};
}

/** The Job rules the schema misses: its name must fit a label value, and its pods cannot restart Always. */
export function jobRules(object: KubeObject): StatusCause[] {
  const job = object as unknown as IJob;
  const causes: StatusCause[] = [];
  const name = job.metadata?.name ?? "";
  if (name.length > 63) causes.push(...validateName(name, "metadata.name", 63).filter((c) => c.message.includes("no more than")));
  causes.push(...validateLabels(job.spec?.template?.metadata?.labels, "spec.template.metadata.labels"));
  const policy = job.spec?.template?.spec?.restartPolicy;
  if (job.spec?.template && policy !== "Never" && policy !== "OnFailure") causes.push(fieldNotSupported("spec.template.spec.restartPolicy", policy, ["OnFailure", "Never"]));
  return causes;
}

/** `stringData` is merged into `data` (base64) on write, and `type` defaults to Opaque. */
export function admitSecret(object: KubeObject): void {
  const stringData = object.stringData as Record<string, string> | undefined;
  if (stringData) {
    const data = { ...(object.data as Record<string, string> | undefined) };
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v).toString("base64");
    object.data = data;
    delete object.stringData;
  }
  object.type ??= "Opaque";
}
