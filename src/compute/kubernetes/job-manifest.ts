// The Job of one task attempt, as a plain object: a pure function of what the runner
// knows, tested without a cluster, created by the Kubernetes backend as it is.
import type { V1Container, V1EnvVar, V1Job, V1PodSpec, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { CONFIG_KEYS } from "../../config/keys.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { attemptAnnotations, attemptLabels, WORKLOAD_IDENTITY_LABEL, type AttemptIdentity } from "./labels.ts";
import { jobName, type JobNameParts } from "./names.ts";
import type { KubernetesTaskOptions } from "./options.ts";
import { applyPodSpecPatch, TASK_CONTAINER } from "./pod-spec-patch.ts";
import { mebibytes } from "./resources.ts";

export { jobName };

/** The pod of one task: what a Job and an Argo container template share. */
export interface TaskPodRequest {
  /** The `weft step …` arguments after "weft" (taskArgv() in src/runtime/task/args.ts). */
  argv: string[];
  /** The task's environment without secrets (the caller filters them; see refuseSecretEnv). */
  env: Record<string, string>;
  options: KubernetesTaskOptions;
  /** From @timeout: the pod's activeDeadlineSeconds. */
  timeoutSeconds?: number;
}

/** One attempt to run as a Job. */
export interface JobRequest extends TaskPodRequest {
  ref: JobNameParts;
  attempt: number;
  /** Label the pod `azure.workload.identity/use: "true"`, so the webhook injects the identity's token. */
  workloadIdentity: boolean;
  user: string;
  weftVersion: string;
}

/** Variables set from the pod's own fields, so a task can record where it ran. */
export const POD_FIELD_ENV = {
  WEFT_KUBERNETES_POD_NAME: "metadata.name",
  WEFT_KUBERNETES_POD_NAMESPACE: "metadata.namespace",
  WEFT_KUBERNETES_NODE_NAME: "spec.nodeName",
} as const;

/** Variables that hold a secret in Weft's configuration (its secret keys): never copied into a pod spec. */
export const SECRET_ENV_NAMES: readonly string[] = Object.values(CONFIG_KEYS)
  .filter((key) => "secret" in key && key.secret)
  .map((key) => key.env);

/** What Kubernetes accepts as an environment variable name (a C identifier, plus '-' and '.'). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * The Job of one attempt. One Job per attempt with `backoffLimit: 0`: a retry is a new
 * Job (by @retry, from the runner), so each attempt keeps its own pod, logs and record.
 * Throws a CONFIG WeftError for a secret or invalid variable in `env`, or a podSpecPatch
 * that breaks its rules (pod-spec-patch.ts).
 */
export function jobManifest(request: JobRequest): V1Job {
  const { ref, attempt, options } = request;
  const id: AttemptIdentity = { ...ref, attempt, user: request.user, weftVersion: request.weftVersion };
  // Weft's own keys come last, so they win (the options schema refuses them anyway).
  const labels = { ...options.labels, ...attemptLabels(id) };
  const annotations = { ...options.annotations, ...attemptAnnotations(id) };
  const podLabels = request.workloadIdentity ? { ...labels, [WORKLOAD_IDENTITY_LABEL]: "true" } : labels;
  const podSpec = taskPodSpec(request, `step "${ref.step}"`);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: jobName(ref, attempt), namespace: options.namespace, labels, annotations },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished,
      template: { metadata: { labels: podLabels, annotations }, spec: podSpec },
    },
  };
}

/**
 * The pod spec of a task, the user's podSpecPatch applied last: a pure function, which
 * a Job wraps as its template and an Argo WorkflowTemplate turns into a container
 * template (src/compute/argo/step-template.ts). `where` names the step in errors.
 * Throws a CONFIG WeftError for a secret or invalid variable in `env`, or a
 * podSpecPatch that breaks its rules.
 */
export function taskPodSpec(request: TaskPodRequest, where: string): V1PodSpec {
  refuseSecretEnv(request.env);
  const base = basePodSpec(request);
  return request.options.podSpecPatch ? applyPodSpecPatch(base, request.options.podSpecPatch, where) : base;
}

/** The pod spec before the user's podSpecPatch. */
function basePodSpec(request: TaskPodRequest): V1PodSpec {
  const { options } = request;
  const { volumes, mounts } = volumesOf(options);
  const container: V1Container = {
    name: TASK_CONTAINER,
    image: options.image,
    // A custom image must have `weft` on its PATH: build it FROM the runtime image.
    command: ["weft"],
    args: request.argv,
    env: envOf(request.env),
    ...(options.secrets.length ? { envFrom: options.secrets.map((name) => ({ secretRef: { name } })) } : {}),
    resources: options.resources,
    ...(mounts.length ? { volumeMounts: mounts } : {}),
    // A crash that prints no termination message still leaves its last log lines in the pod status.
    terminationMessagePolicy: "FallbackToLogsOnError",
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
  return {
    restartPolicy: "Never",
    ...(request.timeoutSeconds ? { activeDeadlineSeconds: Math.ceil(request.timeoutSeconds) } : {}),
    ...(options.serviceAccount ? { serviceAccountName: options.serviceAccount } : {}),
    // Service links add a variable per Service in the namespace: noise, and a slow start in big namespaces.
    enableServiceLinks: false,
    // The runtime image's user (Dockerfile: USER 1000:1000); fsGroup makes mounted claims writable by it.
    securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
    ...(Object.keys(options.nodeSelector).length ? { nodeSelector: options.nodeSelector } : {}),
    ...(options.tolerations.length ? { tolerations: options.tolerations } : {}),
    ...(options.imagePullSecrets.length ? { imagePullSecrets: options.imagePullSecrets.map((name) => ({ name })) } : {}),
    ...(options.priorityClassName ? { priorityClassName: options.priorityClassName } : {}),
    containers: [container],
    ...(volumes.length ? { volumes } : {}),
  };
}

/** The given variables by name, then the pod's own fields. */
function envOf(env: Record<string, string>): V1EnvVar[] {
  const given = Object.keys(env)
    .filter((name) => !Object.hasOwn(POD_FIELD_ENV, name))
    .sort()
    .map((name) => ({ name, value: env[name]! }));
  const fields = Object.entries(POD_FIELD_ENV).map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath } } }));
  return [...given, ...fields];
}

/** /dev/shm as a memory-backed emptyDir, and each claim at its path (volumes pvc-0, pvc-1… by claim name). */
function volumesOf(options: KubernetesTaskOptions): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  if (options.sharedMemoryMb !== undefined) {
    volumes.push({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: mebibytes(options.sharedMemoryMb) } });
    mounts.push({ name: "dshm", mountPath: "/dev/shm" });
  }
  Object.keys(options.persistentVolumeClaims)
    .sort()
    .forEach((claimName, i) => {
      volumes.push({ name: `pvc-${i}`, persistentVolumeClaim: { claimName } });
      mounts.push({ name: `pvc-${i}`, mountPath: options.persistentVolumeClaims[claimName]! });
    });
  return { volumes, mounts };
}

/**
 * Refuses a variable that holds a secret in Weft's configuration, or that Kubernetes
 * would refuse. A pod spec is readable by anyone who can read Jobs in the namespace,
 * so a key, SAS or token must reach the pod through a Kubernetes secret or not at all.
 */
export function refuseSecretEnv(env: Record<string, string>): void {
  for (const name of Object.keys(env)) {
    if (SECRET_ENV_NAMES.includes(name)) {
      throw new WeftError("CONFIG", `${name} would be written into the Job's pod spec, where anyone who can read Jobs in the namespace can read it.`, {
        hint:
          `Put it in a Kubernetes secret and name the secret: @kubernetes({ secrets: ["name"] }) or WEFT_KUBERNETES_SECRETS=name (its keys become variables of the task); ` +
          `or use workload identity (a service account with azure.workload.identity/client-id, WEFT_KUBERNETES_SERVICE_ACCOUNT), which needs no key. See docs/kubernetes.md.`,
      });
    }
    if (!ENV_NAME.test(name)) {
      throw new WeftError("CONFIG", `Invalid environment variable name ${JSON.stringify(name)} for a Kubernetes pod: a name is letters, digits, '_', '-' and '.', not starting with a digit.`, {
        hint: "Rename the variable in @environment.",
      });
    }
  }
}
