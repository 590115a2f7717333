// A task's pod as an Argo container template: the pod spec a Job would get
// (taskPodSpec, shared with the Kubernetes backend) split into what Argo sets per
// template (container, deadline, service account, scheduling, volumes) and the rest,
// which goes into the template's podSpecPatch.
import type { V1PodSpec } from "@kubernetes/client-node";
import { taskPodSpec, type TaskPodRequest } from "../kubernetes/job-manifest.ts";
import type { ArgoTemplate } from "./types.ts";

/** Pod fields Argo sets itself or takes at another level: never copied into a template. */
const ARGO_OWNED = new Set(["containers", "restartPolicy", "imagePullSecrets"]);
/** Pod fields that are fields of an Argo template of the same name. */
const TEMPLATE_FIELDS = ["activeDeadlineSeconds", "serviceAccountName", "nodeSelector", "tolerations", "securityContext", "priorityClassName", "affinity", "schedulerName", "hostAliases", "volumes"] as const;

/** Argo runs a template's container as the pod's `main` container, whatever its name says. */
export const ARGO_MAIN_CONTAINER = "main";

export interface ContainerTemplateRequest extends TaskPodRequest {
  name: string;
  /** Names the step in errors, e.g. `step "fit"`. */
  where: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Files the container writes whose contents become output parameters, by parameter name. */
  outputs?: Record<string, string>;
  /** An emptyDir mounted here holds the output files. */
  outputsDir?: string;
}

/** The container template of one task's pod. Throws what taskPodSpec throws (a secret in `env`, a bad podSpecPatch). */
export function containerTemplate(request: ContainerTemplateRequest): ArgoTemplate {
  const pod = taskPodSpec(request, request.where);
  const container = { ...pod.containers[0]!, name: ARGO_MAIN_CONTAINER };
  const volumes = [...(pod.volumes ?? [])];
  if (request.outputsDir) {
    volumes.push({ name: "weft-outputs", emptyDir: {} });
    container.volumeMounts = [...(container.volumeMounts ?? []), { name: "weft-outputs", mountPath: request.outputsDir }];
  }
  const fields: Record<string, unknown> = {};
  for (const field of TEMPLATE_FIELDS) if (pod[field] !== undefined) fields[field] = pod[field];
  if (volumes.length) fields.volumes = volumes;
  const rest = Object.fromEntries(Object.entries(pod).filter(([key]) => !ARGO_OWNED.has(key) && !(TEMPLATE_FIELDS as readonly string[]).includes(key)));
  const outputs = Object.entries(request.outputs ?? {});
  return {
    name: request.name,
    metadata: { labels: request.labels, annotations: request.annotations },
    container,
    ...fields,
    ...(Object.keys(rest).length ? { podSpecPatch: JSON.stringify(rest satisfies Partial<V1PodSpec>) } : {}),
    ...(outputs.length ? { outputs: { parameters: outputs.map(([name, path]) => ({ name, valueFrom: { path } })) } } : {}),
  };
}
