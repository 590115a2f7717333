import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { AttemptFailure } from "../types.ts";

/** Why a Kubernetes attempt ended without `weft step` telling: the pod, the reason and the fix. */
export type KubeFailure = AttemptFailure;

/** Where one attempt's pod is, as the runner shows and acts on it. */
export type PodProgress =
  | { state: "pending"; detail: string; unschedulable?: string }
  | { state: "running"; node: string | undefined }
  /** The kubelet killed it at the pod's activeDeadlineSeconds (@timeout). */
  | { state: "deadline" }
  /** The container ended; exitCode is `weft step`'s (or 128+signal). */
  | { state: "exited"; exitCode: number; reason: string | undefined }
  | { state: "failed"; failure: KubeFailure };

export const ACR_HINT = "check the image name and tag (`az acr repository show-tags --name REGISTRY --repository NAME`); for ACR, attach it to the cluster (`az aks update --name CLUSTER --resource-group RG --attach-acr REGISTRY`) or name imagePullSecrets";

/** Reads a pod's status: what it waits for, whether it runs, how its container ended, or why it cannot run. */
export function podProgress(pod: V1Pod): PodProgress {
  const name = pod.metadata?.name ?? "?";
  const status = pod.status ?? {};
  if (status.reason === "Evicted") {
    return {
      state: "failed",
      failure: {
        type: "Evicted",
        message: `Pod ${name} was evicted from node ${pod.spec?.nodeName ?? "?"}: ${status.message ?? "the node ran short of resources"}. Set @resources memory and disk to what the step really uses, so the scheduler reserves them.`,
        retryable: true,
      },
    };
  }
  if (status.reason === "DeadlineExceeded") return { state: "deadline" };
  const container = status.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  if (terminated) return { state: "exited", exitCode: terminated.exitCode, reason: terminated.reason };
  const waiting = container?.state?.waiting;
  if (waiting?.reason === "ImagePullBackOff" || waiting?.reason === "InvalidImageName" || waiting?.reason === "ErrImageNeverPull") {
    const image = pod.spec?.containers[0]?.image ?? "?";
    return {
      state: "failed",
      failure: { type: "ImagePullBackOff", message: `Pod ${name} cannot pull image "${image}" (${waiting.reason}: ${waiting.message ?? "no details"}): ${ACR_HINT}.`, retryable: false },
    };
  }
  if (waiting?.reason === "CreateContainerConfigError" || waiting?.reason === "CreateContainerError") {
    return {
      state: "failed",
      failure: {
        type: waiting.reason,
        message: `Pod ${name} cannot start its container (${waiting.reason}: ${waiting.message ?? "no details"}). A Kubernetes secret or config map it refers to may be missing: create it in namespace ${pod.metadata?.namespace ?? "?"}, or fix the names in @kubernetes({ secrets }) / WEFT_KUBERNETES_SECRETS.`,
        retryable: false,
      },
    };
  }
  if (container?.state?.running || status.phase === "Running") return { state: "running", node: pod.spec?.nodeName };
  const scheduled = status.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return { state: "pending", detail: `unschedulable: ${scheduled.message ?? ""}`, unschedulable: scheduled.message ?? "no node fits" };
  }
  if (waiting?.reason === "ErrImagePull") return { state: "pending", detail: `pulling image failed, retrying: ${waiting.message ?? ""}` };
  if (waiting?.reason) return { state: "pending", detail: waiting.reason === "ContainerCreating" ? "creating the container (pulling the image)" : waiting.reason };
  return { state: "pending", detail: pod.spec?.nodeName ? `scheduled on ${pod.spec.nodeName}` : "waiting to be scheduled" };
}

/** The failure for a pod the scheduler could not place in time: which request or selector no node satisfies. */
export function unschedulableFailure(pod: V1Pod, message: string): KubeFailure {
  const name = pod.metadata?.name ?? "?";
  const requests = pod.spec?.containers[0]?.resources?.requests ?? {};
  const fixes: string[] = [];
  const insufficient = [...message.matchAll(/Insufficient ([\w./-]+)/g)].map((m) => m[1]!.replace(/\.$/, ""));
  if (insufficient.length) {
    const asked = insufficient.map((r) => `${r} ${requests[r] ?? "?"}`).join(", ");
    fixes.push(`no node has ${asked} free: lower @resources / @kubernetes for the step, or add a node pool with larger nodes (the cluster autoscaler only adds nodes its pools allow)`);
  }
  if (/node affinity\/selector|didn't match/.test(message)) {
    const selector = Object.entries(pod.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
    fixes.push(`no node has the labels ${selector || "asked for"}: compare nodeSelector / WEFT_KUBERNETES_NODE_SELECTOR with \`kubectl get nodes --show-labels\``);
  }
  if (/untolerated taint|had taint/.test(message)) fixes.push("the nodes carry taints the pod does not tolerate: add tolerations to @kubernetes or WEFT_KUBERNETES_TOLERATIONS");
  return {
    type: "Unschedulable",
    message: `Pod ${name} cannot be scheduled: ${message.trim()} ${fixes.length ? `Fix: ${fixes.join("; ")}.` : "Check its requests, nodeSelector and tolerations against the nodes (`kubectl describe pod`)."}`,
    retryable: false,
  };
}

/** The failure of a container killed for exceeding its memory limit. */
export function oomFailure(pod: V1Pod): KubeFailure {
  const limit = pod.spec?.containers[0]?.resources?.limits?.memory ?? "?";
  return {
    type: "OOMKilled",
    message: `Pod ${pod.metadata?.name ?? "?"} was killed for using more than its memory limit (${limit}). Raise it with @resources({ memory: MB }) or @kubernetes({ memory: MB }); the limit equals the request.`,
    retryable: true,
  };
}

/** A Job condition that ended it before its pod did: its deadline (@timeout) passed. */
export function jobDeadlineExceeded(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === "Failed" && c.status === "True" && c.reason === "DeadlineExceeded");
}

/**
 * The failure behind a Job's `FailedCreate` event, when waiting cannot help: a missing
 * service account (or other refusal at pod admission) fails every retry the same way.
 * A full ResourceQuota can clear: that one is shown and waited on (undefined).
 */
export function failedCreate(job: string, namespace: string, message: string): KubeFailure | undefined {
  if (/exceeded quota/.test(message)) return undefined;
  const hint = /service ?account/.test(message)
    ? `create the service account in namespace ${namespace} (docs/kubernetes.md, "Workload identity"), or set WEFT_KUBERNETES_SERVICE_ACCOUNT / @kubernetes({ serviceAccount }) to one that exists`
    : "the pod was refused at admission: check the namespace's policies (Pod Security, admission webhooks) against `weft kubernetes render`'s output";
  return { type: "FailedCreate", message: `Job ${job} could not create its pod: ${message}. Fix: ${hint}.`, retryable: false };
}
