// The WEFT_KUBERNETES_* defaults: how each variable's text is read. A variable holds
// text, so lists are "a,b" and maps "k=v,k=v"; a JSON array or object is accepted too,
// which is what a profile file holds when it is written as JSON.
import { z } from "zod";
import {
  annotationsSchema,
  gpuVendorSchema,
  imageSchema,
  labelsSchema,
  megabytesSchema,
  namespaceSchema,
  nodeSelectorSchema,
  objectNameSchema,
  objectNamesSchema,
  persistentVolumeClaimsSchema,
  tolerationsSchema,
  MIN_JOB_TTL_SECONDS,
  type Toleration,
} from "../compute/kubernetes/options-schema.ts";
import type { WeftConfig } from "./resolve.ts";

/** The defaults a @kubernetes step starts from, parsed; undefined where the variable is unset. */
export interface KubernetesDefaults {
  namespace?: string;
  serviceAccount?: string;
  image?: string;
  registry?: string;
  secrets?: string[];
  nodeSelector?: Record<string, string>;
  gpuVendor?: "nvidia" | "amd";
  tolerations?: Toleration[];
  imagePullSecrets?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  priorityClassName?: string;
  persistentVolumeClaims?: Record<string, string>;
  sharedMemory?: number;
  jobTtlSeconds?: number;
}

/** Reads "a,b" or a JSON array of strings. */
function list(text: string): unknown {
  return text.trim().startsWith("[") ? JSON.parse(text) : text.split(",").map((s) => s.trim()).filter(Boolean);
}

/** Reads "k=v,k=v" or a JSON object. A value may hold "=", not ",". */
function map(text: string): unknown {
  if (text.trim().startsWith("{")) return JSON.parse(text);
  const entries = text.split(",").map((pair) => pair.trim()).filter(Boolean).map((pair) => {
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`"${pair}" is not key=value`);
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
  });
  return Object.fromEntries(entries);
}

function json(text: string): unknown {
  return JSON.parse(text);
}

function number(text: string): unknown {
  return /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text;
}

/** How each variable is read and checked: its text's form, and the option schema it must then pass. */
export const KUBERNETES_VARIABLE_FORMS = {
  kubernetesNamespace: { read: (t: string): unknown => t, schema: namespaceSchema, form: "a namespace name, e.g. ml-jobs" },
  kubernetesServiceAccount: { read: (t: string): unknown => t, schema: objectNameSchema, form: "a service account name, e.g. weft-tasks" },
  kubernetesContainerImage: { read: (t: string): unknown => t, schema: imageSchema, form: "an image reference, e.g. myacr.azurecr.io/weft-runtime:0.1.0" },
  kubernetesSecrets: { read: list, schema: objectNamesSchema, form: 'secret names separated by commas, e.g. storage-creds,api-keys (or a JSON array)' },
  kubernetesNodeSelector: { read: map, schema: nodeSelectorSchema, form: 'label=value pairs separated by commas, e.g. agentpool=gpu,kubernetes.io/os=linux (or a JSON object)' },
  kubernetesGpuVendor: { read: (t: string): unknown => t, schema: gpuVendorSchema, form: '"nvidia" or "amd"' },
  kubernetesTolerations: { read: json, schema: tolerationsSchema, form: 'a JSON array of tolerations, e.g. [{"key":"sku","operator":"Equal","value":"gpu","effect":"NoSchedule"}]' },
  kubernetesImagePullSecrets: { read: list, schema: objectNamesSchema, form: "secret names separated by commas, e.g. acr-pull (or a JSON array)" },
  kubernetesLabels: { read: map, schema: labelsSchema, form: "label=value pairs separated by commas, e.g. team=ml,cost-center=42 (or a JSON object)" },
  kubernetesAnnotations: { read: map, schema: annotationsSchema, form: "key=value pairs separated by commas, e.g. example.com/owner=ml-team (or a JSON object)" },
  kubernetesPriorityClass: { read: (t: string): unknown => t, schema: objectNameSchema, form: "a PriorityClass name, e.g. batch-low" },
  kubernetesPersistentVolumeClaims: { read: map, schema: persistentVolumeClaimsSchema, form: "claim=/mount/path pairs separated by commas, e.g. datasets=/data (or a JSON object)" },
  kubernetesSharedMemory: { read: number, schema: megabytesSchema, form: "a size of /dev/shm in MB, e.g. 2048" },
  kubernetesJobTtlSeconds: {
    read: number,
    schema: z.number().int().min(MIN_JOB_TTL_SECONDS, `must be at least ${MIN_JOB_TTL_SECONDS}: the runner reads the finished Job`),
    form: `whole seconds of at least ${MIN_JOB_TTL_SECONDS}, e.g. 86400`,
  },
} satisfies Record<string, { read: (text: string) => unknown; schema: z.ZodType; form: string }>;

export type KubernetesVariable = keyof typeof KUBERNETES_VARIABLE_FORMS;

/** Why the text of `variable` is invalid, or undefined; used by the config key's check. */
export function kubernetesVariableProblem(variable: KubernetesVariable, text: string): string | undefined {
  const { read, schema, form } = KUBERNETES_VARIABLE_FORMS[variable];
  let value: unknown;
  try {
    value = read(text);
  } catch (error) {
    return `${(error as Error).message}; expected ${form}`;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}; expected ${form}`;
}

function read<K extends KubernetesVariable>(variable: K, text: string | undefined): z.output<(typeof KUBERNETES_VARIABLE_FORMS)[K]["schema"]> | undefined {
  if (text === undefined) return undefined;
  const { read: readText, schema } = KUBERNETES_VARIABLE_FORMS[variable];
  // The config key's check already ran on the text, so this parse cannot fail.
  return schema.parse(readText(text)) as z.output<(typeof KUBERNETES_VARIABLE_FORMS)[K]["schema"]>;
}

/** The WEFT_KUBERNETES_* defaults of a resolved config, parsed. */
export function kubernetesDefaults(values: WeftConfig["values"]): KubernetesDefaults {
  const defaults: KubernetesDefaults = {
    namespace: read("kubernetesNamespace", values.kubernetesNamespace) as string | undefined,
    serviceAccount: read("kubernetesServiceAccount", values.kubernetesServiceAccount) as string | undefined,
    image: read("kubernetesContainerImage", values.kubernetesContainerImage) as string | undefined,
    registry: values.kubernetesContainerRegistry,
    secrets: read("kubernetesSecrets", values.kubernetesSecrets),
    nodeSelector: read("kubernetesNodeSelector", values.kubernetesNodeSelector),
    gpuVendor: read("kubernetesGpuVendor", values.kubernetesGpuVendor),
    tolerations: read("kubernetesTolerations", values.kubernetesTolerations),
    imagePullSecrets: read("kubernetesImagePullSecrets", values.kubernetesImagePullSecrets),
    labels: read("kubernetesLabels", values.kubernetesLabels),
    annotations: read("kubernetesAnnotations", values.kubernetesAnnotations),
    priorityClassName: read("kubernetesPriorityClass", values.kubernetesPriorityClass) as string | undefined,
    persistentVolumeClaims: read("kubernetesPersistentVolumeClaims", values.kubernetesPersistentVolumeClaims),
    sharedMemory: read("kubernetesSharedMemory", values.kubernetesSharedMemory),
    jobTtlSeconds: read("kubernetesJobTtlSeconds", values.kubernetesJobTtlSeconds),
  };
  return Object.fromEntries(Object.entries(defaults).filter(([, v]) => v !== undefined)) as KubernetesDefaults;
}
