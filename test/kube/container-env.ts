// A container's environment, exactly as the kubelet and runtime build it (`env -i`
// semantics: nothing of the host's leaks in): the image's ENV, then the service links
// and HOSTNAME, then `envFrom` (Secret/ConfigMap, with prefix), then `env` (value with
// $(VAR) expansion, secretKeyRef, configMapKeyRef, fieldRef), then the mount-path rewrite
// (see container-runtime.ts for that one deviation).
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { ApiCore } from "./api-core.ts";
import type { FakeImage } from "./images.ts";
import type { KubeObject } from "./types.ts";

/** A reference the container cannot start without: CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

const VALID_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function readData(api: ApiCore, kind: "secrets" | "configmaps", namespace: string, name: string, optional: boolean | undefined): Record<string, string> | undefined {
  const object = api.store.get<KubeObject>(kind, namespace, name);
  if (!object) {
    if (optional) return undefined;
    throw new ContainerConfigError(`${kind === "secrets" ? "secret" : "configmap"} "${name}" not found`);
  }
  const data = (object.data ?? {}) as Record<string, string>;
  return kind === "secrets" ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")])) : data;
}

function keyOf(api: ApiCore, kind: "secrets" | "configmaps", namespace: string, ref: { name?: string; key: string; optional?: boolean }): string | undefined {
  const data = readData(api, kind, namespace, ref.name ?? "", ref.optional);
  if (!data) return undefined;
  if (!(ref.key in data)) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind === "secrets" ? "Secret" : "ConfigMap"} ${namespace}/${ref.name}`);
  }
  return data[ref.key];
}

function fieldRef(pod: IPod, path: string): string {
  const meta = pod.metadata ?? {};
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return (label[1] === "labels" ? meta.labels : meta.annotations)?.[label[2]!] ?? "";
  const fields: Record<string, string | undefined> = {
    "metadata.name": meta.name, "metadata.namespace": meta.namespace, "metadata.uid": meta.uid,
    "spec.nodeName": pod.spec?.nodeName, "spec.serviceAccountName": pod.spec?.serviceAccountName,
    "status.podIP": pod.status?.podIP, "status.hostIP": pod.status?.hostIP,
  };
  return fields[path] ?? "";
}

/** `$(VAR)` → its value when defined, `$$(VAR)` → `$(VAR)`, as Kubernetes expands env, command and args. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g, (match, name: string | undefined) => (name === undefined ? "$" : env[name] ?? match));
}

export interface EnvContext {
  api: ApiCore;
  pod: IPod;
  container: IContainer;
  image: FakeImage;
  /** Values the runtime sets (HOSTNAME, KUBERNETES_SERVICE_*, HOME). */
  runtime: Record<string, string>;
}

/** The environment the container process gets; throws ContainerConfigError for a missing reference. */
export function containerEnv({ api, pod, container, image, runtime }: EnvContext): Record<string, string> {
  const namespace = pod.metadata?.namespace ?? "";
  const env: Record<string, string> = { PATH: image.path.join(":"), ...image.env, ...runtime };
  for (const source of container.envFrom ?? []) {
    const ref = source.secretRef ?? source.configMapRef;
    const data = readData(api, source.secretRef ? "secrets" : "configmaps", namespace, ref?.name ?? "", ref?.optional);
    for (const [k, v] of Object.entries(data ?? {})) if (VALID_NAME.test(`${source.prefix ?? ""}${k}`)) env[`${source.prefix ?? ""}${k}`] = v;
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    let value: string | undefined;
    if (!from) value = expand(variable.value ?? "", env);
    else if (from.secretKeyRef) value = keyOf(api, "secrets", namespace, from.secretKeyRef);
    else if (from.configMapKeyRef) value = keyOf(api, "configmaps", namespace, from.configMapKeyRef);
    else if (from.fieldRef) value = fieldRef(pod, from.fieldRef.fieldPath);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}
