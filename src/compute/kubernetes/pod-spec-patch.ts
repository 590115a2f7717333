// @kubernetes({ podSpecPatch }): the escape hatch for any pod setting without an option
// of its own (affinity, topology spread, runtime class, a sidecar, an init container…).
//
// Semantics: a JSON merge patch (RFC 7386) of the generated PodSpec — objects merge key
// by key, `null` removes a key, a scalar replaces — except that the lists below merge
// item by item on a key, as Kubernetes' strategic merge patch does, so a patch can add
// a volume mount to Weft's container without restating it. Any other list is replaced.
import { WeftError } from "../../errors/weft-error.ts";

/** The name of the container that runs `weft step`. */
export const TASK_CONTAINER = "weft";

/** Lists merged item by item, by field name, and the key that identifies an item. */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  env: "name",
  ports: "containerPort",
  hostAliases: "ip",
};

/**
 * The fields of a PodSpec (Kubernetes 1.34, as @kubernetes/client-node 1.4 models it);
 * a patch key outside this list is a typo that a server would reject or ignore.
 */
export const POD_SPEC_FIELDS: readonly string[] = [
  "activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers", "dnsConfig", "dnsPolicy", "enableServiceLinks",
  "ephemeralContainers", "hostAliases", "hostIPC", "hostNetwork", "hostPID", "hostUsers", "hostname", "hostnameOverride", "imagePullSecrets",
  "initContainers", "nodeName", "nodeSelector", "os", "overhead", "preemptionPolicy", "priority", "priorityClassName", "readinessGates",
  "resourceClaims", "resources", "restartPolicy", "runtimeClassName", "schedulerName", "schedulingGates", "securityContext", "serviceAccount",
  "serviceAccountName", "setHostnameAsFQDN", "shareProcessNamespace", "subdomain", "terminationGracePeriodSeconds", "tolerations",
  "topologySpreadConstraints", "volumes",
];

/**
 * Pod fields a patch may not set, and what sets them instead: the task contract needs
 * them as Weft generates them (one attempt per Job, never restarted in place), or an
 * option owns them, so that `render`, error messages and the options agree.
 */
const OWNED_POD_FIELDS: Record<string, string> = {
  restartPolicy: "a Job attempt is never restarted in place (retries are new Jobs, by @retry)",
  activeDeadlineSeconds: "set it with @timeout",
  serviceAccountName: "use the serviceAccount option",
  serviceAccount: "use the serviceAccount option",
  nodeSelector: "use the nodeSelector option",
  tolerations: "use the tolerations option",
  imagePullSecrets: "use the imagePullSecrets option",
  priorityClassName: "use the priorityClassName option",
};

/** Fields of the task container a patch may not set. */
const OWNED_CONTAINER_FIELDS: Record<string, string> = {
  image: "use the image option",
  command: "the container runs `weft step` (docs/task-contract.md)",
  args: "the container runs `weft step` (docs/task-contract.md)",
  env: "use @environment for variables, and the secrets option for Kubernetes secrets",
  envFrom: "use the secrets option",
  resources: "use the cpu, memory, disk and gpu options (or @resources)",
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Why `patch` is not a valid pod spec patch, or undefined when it is one. */
export function podSpecPatchProblem(patch: Record<string, unknown>): string | undefined {
  const notJson = nonJsonPath(patch, "podSpecPatch");
  if (notJson) return `${notJson} is not a JSON value (only objects, lists, strings, finite numbers, booleans and null)`;
  for (const [key, value] of Object.entries(patch)) {
    if (!POD_SPEC_FIELDS.includes(key)) return `"${key}" is not a PodSpec field; known fields: ${POD_SPEC_FIELDS.join(", ")}`;
    if (Object.hasOwn(OWNED_POD_FIELDS, key)) return `"${key}" cannot be patched: ${OWNED_POD_FIELDS[key]}`;
    const mergeKey = MERGE_KEYS[key];
    if (mergeKey && value !== null && !Array.isArray(value)) return `"${key}" must be a list`;
    if (key === "containers" && value === null) return `"containers" cannot be removed: the "${TASK_CONTAINER}" container runs the task`;
    if (mergeKey && Array.isArray(value)) {
      const unnamed = value.findIndex((item) => !isObject(item) || !(typeof item[mergeKey] === "string" || typeof item[mergeKey] === "number"));
      if (unnamed >= 0) return `${key}[${unnamed}] needs a "${mergeKey}": items of ${key} are merged by ${mergeKey}`;
    }
  }
  const task = ((patch.containers as Record<string, unknown>[] | undefined) ?? []).find((c) => c.name === TASK_CONTAINER);
  for (const key of Object.keys(task ?? {})) {
    if (Object.hasOwn(OWNED_CONTAINER_FIELDS, key)) return `"containers[name=${TASK_CONTAINER}].${key}" cannot be patched: ${OWNED_CONTAINER_FIELDS[key]}`;
  }
  return undefined;
}

/**
 * `spec` with `patch` applied (see the semantics at the top of this file); neither is
 * changed. Throws a CONFIG WeftError when the patch breaks a rule of podSpecPatchProblem.
 */
export function applyPodSpecPatch<T extends object>(spec: T, patch: Record<string, unknown>, where: string): T {
  const problem = podSpecPatchProblem(patch);
  if (problem) {
    throw new WeftError("CONFIG", `Invalid podSpecPatch of @kubernetes on ${where}: ${problem}.`, {
      hint: "A patch merges into the generated pod spec: see docs/kubernetes.md#podspecpatch, and `weft kubernetes render` to check the result.",
    });
  }
  return merge(spec as Json, patch as Json, undefined) as T;
}

function merge(target: Json | undefined, patch: Json, field: string | undefined): Json {
  const mergeKey = field === undefined ? undefined : MERGE_KEYS[field];
  if (mergeKey && Array.isArray(patch) && Array.isArray(target)) return mergeList(target, patch, mergeKey);
  if (!isObject(patch)) return structuredClone(patch);
  const result: { [key: string]: Json } = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = merge(result[key], value, key);
  }
  return result;
}

function mergeList(target: Json[], patch: Json[], mergeKey: string): Json[] {
  const result = [...target];
  for (const item of patch as { [key: string]: Json }[]) {
    const at = result.findIndex((existing) => isObject(existing) && existing[mergeKey] === item[mergeKey]);
    if (at < 0) result.push(merge(undefined, item, undefined));
    else result[at] = merge(result[at], item, undefined);
  }
  return result;
}

function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The path of the first value in `value` that JSON cannot carry, or undefined. */
function nonJsonPath(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const bad = nonJsonPath(item, `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return path;
  for (const [key, item] of Object.entries(value)) {
    const bad = nonJsonPath(item, `${path}.${key}`);
    if (bad) return bad;
  }
  return undefined;
}
