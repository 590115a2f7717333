import { registryProblem } from "../compute/kubernetes/image-reference.ts";
import { matches, nonEmpty, satisfies, url } from "./checks.ts";
import { CORE_KEYS, type ConfigKey } from "./core-keys.ts";
import { kubernetesVariableProblem, type KubernetesVariable } from "./kubernetes-defaults.ts";

export type { ConfigKey } from "./core-keys.ts";

/** A WEFT_KUBERNETES_* key whose text is checked by the form kubernetes-defaults.ts reads it in. */
function kubernetesKey(env: string, variable: KubernetesVariable, describe: string): ConfigKey {
  return { env, check: satisfies((text) => kubernetesVariableProblem(variable, text)), describe };
}

/**
 * Every key of SPEC §5, by its name in the resolved config. Adding a key here (or to
 * CORE_KEYS, for a key a task process reads) is all it takes for it to be resolved,
 * validated and shown by `weft configure show`.
 */
export const CONFIG_KEYS = {
  ...CORE_KEYS,
  kubernetesNamespace: kubernetesKey("WEFT_KUBERNETES_NAMESPACE", "kubernetesNamespace", "namespace of task Jobs (default: default)"),
  kubernetesServiceAccount: kubernetesKey("WEFT_KUBERNETES_SERVICE_ACCOUNT", "kubernetesServiceAccount", "service account of task pods (workload identity)"),
  kubernetesContainerImage: kubernetesKey("WEFT_KUBERNETES_CONTAINER_IMAGE", "kubernetesContainerImage", "default task image (default: weft-runtime:<version>)"),
  kubernetesContainerRegistry: {
    env: "WEFT_KUBERNETES_CONTAINER_REGISTRY",
    check: satisfies(registryProblem),
    describe: "registry for bare image names, e.g. myacr.azurecr.io",
  },
  kubernetesSecrets: kubernetesKey("WEFT_KUBERNETES_SECRETS", "kubernetesSecrets", "Kubernetes secrets exposed to tasks as env vars (comma-separated)"),
  kubernetesNodeSelector: kubernetesKey("WEFT_KUBERNETES_NODE_SELECTOR", "kubernetesNodeSelector", "node selector of task pods (k=v,k=v)"),
  kubernetesGpuVendor: kubernetesKey("WEFT_KUBERNETES_GPU_VENDOR", "kubernetesGpuVendor", "GPU vendor: nvidia or amd (default: nvidia)"),
  kubernetesTolerations: kubernetesKey("WEFT_KUBERNETES_TOLERATIONS", "kubernetesTolerations", "tolerations of task pods (JSON array)"),
  kubernetesImagePullSecrets: kubernetesKey("WEFT_KUBERNETES_IMAGE_PULL_SECRETS", "kubernetesImagePullSecrets", "image pull secrets of task pods (comma-separated)"),
  kubernetesLabels: kubernetesKey("WEFT_KUBERNETES_LABELS", "kubernetesLabels", "extra labels of task Jobs and pods (k=v,k=v)"),
  kubernetesAnnotations: kubernetesKey("WEFT_KUBERNETES_ANNOTATIONS", "kubernetesAnnotations", "extra annotations of task Jobs and pods (k=v,k=v)"),
  kubernetesPriorityClass: kubernetesKey("WEFT_KUBERNETES_PRIORITY_CLASS", "kubernetesPriorityClass", "PriorityClass of task pods"),
  kubernetesPersistentVolumeClaims: kubernetesKey("WEFT_KUBERNETES_PERSISTENT_VOLUME_CLAIMS", "kubernetesPersistentVolumeClaims", "claims mounted into task pods (claim=/path,…)"),
  kubernetesSharedMemory: kubernetesKey("WEFT_KUBERNETES_SHARED_MEMORY", "kubernetesSharedMemory", "size of /dev/shm in MB (default: the runtime's 64 MB)"),
  kubernetesJobTtlSeconds: kubernetesKey("WEFT_KUBERNETES_JOB_TTL_SECONDS", "kubernetesJobTtlSeconds", "seconds a finished Job is kept (default: 604800, a week)"),
  kubeconfig: { env: "KUBECONFIG", check: nonEmpty, describe: "kubeconfig files (':'-separated); default ~/.kube/config, or in-cluster" },
  kubernetesContext: { env: "WEFT_KUBERNETES_CONTEXT", check: nonEmpty, describe: "kubeconfig context to use (default: its current-context)" },
  argoEventsWebhookUrl: {
    env: "WEFT_ARGO_EVENTS_WEBHOOK_URL",
    check: url("must be a URL such as http://weft-events-eventsource-svc.argo-events:12000/weft"),
    describe: "Argo Events webhook that deployed runs publish their success to, for @triggerOnFinish (as pods reach it)",
  },
  argoEventsSource: { env: "WEFT_ARGO_EVENTS_SOURCE", check: nonEmpty, describe: "Argo Events EventSource (webhook) that @trigger and @triggerOnFinish sensors listen to (default weft-events)" },
  argoEventsServiceAccount: { env: "WEFT_ARGO_EVENTS_SERVICE_ACCOUNT", check: nonEmpty, describe: "service account a Sensor submits workflows as (default operate-workflow-sa)" },
  kubernetesSchedulingTimeout: {
    env: "WEFT_KUBERNETES_SCHEDULING_TIMEOUT",
    check: matches(/^\d{1,7}$/, "must be a whole number of seconds, e.g. 600"),
    describe: "seconds a pod may stay unschedulable (room for the cluster autoscaler) before its attempt fails; 0 fails at once",
  },
} satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;
