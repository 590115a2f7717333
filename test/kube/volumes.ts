// Pod volumes backed by folders: emptyDir, secret, configMap, projected (service
// account token, secret, configMap) and persistentVolumeClaim (one folder per claim,
// shared by the pods that mount it). Anything else gets an empty folder.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IIoK8sApiCoreV1KeyToPath as KeyToPath } from "kubernetes-models/v1/KeyToPath";
import type { ApiCore } from "./api-core.ts";
import type { KubeObject } from "./types.ts";

/** A volume that cannot be set up yet (its Secret or ConfigMap is missing): FailedMount. */
export class MountError extends Error {}

export interface TokenRequest {
  namespace: string;
  serviceAccount: string;
  audience: string;
  expirationSeconds: number;
}

export interface VolumeContext {
  api: ApiCore;
  pod: IPod;
  /** The pod's own folder; volumes go under it. */
  podDir: string;
  /** Folder of shared persistent volume claims. */
  claimsDir: string;
  issueToken: (request: TokenRequest) => string | Promise<string>;
}

function files(api: ApiCore, kind: "secrets" | "configmaps", namespace: string, name: string, items: KeyToPath[] | undefined, optional: boolean | undefined): Record<string, Buffer> {
  const object = api.store.get<KubeObject>(kind, namespace, name);
  if (!object) {
    if (optional) return {};
    throw new MountError(`${kind === "secrets" ? "secret" : "configmap"} "${name}" not found`);
  }
  const all: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries((object.data ?? {}) as Record<string, string>)) all[k] = kind === "secrets" ? Buffer.from(v, "base64") : Buffer.from(v);
  for (const [k, v] of Object.entries((object.binaryData ?? {}) as Record<string, string>)) all[k] = Buffer.from(v, "base64");
  if (!items) return all;
  const picked: Record<string, Buffer> = {};
  for (const item of items) {
    if (!(item.key in all)) throw new MountError(`configmap references non-existent config key: ${item.key}`);
    picked[item.path] = all[item.key]!;
  }
  return picked;
}

function writeAll(dir: string, contents: Record<string, Buffer | string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [path, data] of Object.entries(contents)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
}

/** Materialises every volume of the pod; returns volume name → host folder. */
export async function prepareVolumes({ api, pod, podDir, claimsDir, issueToken }: VolumeContext): Promise<Map<string, string>> {
  const namespace = pod.metadata?.namespace ?? "";
  const dirs = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    try {
      dirs.set(volume.name, await prepareVolume(volume, { api, pod, podDir, claimsDir, issueToken }, namespace));
    } catch (error) {
      if (error instanceof MountError) throw new MountError(`MountVolume.SetUp failed for volume "${volume.name}" : ${error.message}`);
      throw error;
    }
  }
  return dirs;
}

async function prepareVolume(volume: NonNullable<NonNullable<IPod["spec"]>["volumes"]>[number], { api, pod, podDir, claimsDir, issueToken }: VolumeContext, namespace: string): Promise<string> {
  let dir = join(podDir, "volumes", volume.name);
  if (volume.secret) writeAll(dir, files(api, "secrets", namespace, volume.secret.secretName ?? "", volume.secret.items, volume.secret.optional));
  else if (volume.configMap) writeAll(dir, files(api, "configmaps", namespace, volume.configMap.name ?? "", volume.configMap.items, volume.configMap.optional));
  else if (volume.projected) {
    const contents: Record<string, Buffer | string> = {};
    for (const source of volume.projected.sources ?? []) {
      if (source.serviceAccountToken) {
        const t = source.serviceAccountToken;
        contents[t.path] = await issueToken({ namespace, serviceAccount: pod.spec?.serviceAccountName ?? "default", audience: t.audience ?? "https://kubernetes.default.svc", expirationSeconds: t.expirationSeconds ?? 3600 });
      }
      if (source.secret) Object.assign(contents, files(api, "secrets", namespace, source.secret.name ?? "", source.secret.items, source.secret.optional));
      if (source.configMap) Object.assign(contents, files(api, "configmaps", namespace, source.configMap.name ?? "", source.configMap.items, source.configMap.optional));
    }
    writeAll(dir, contents);
  } else if (volume.persistentVolumeClaim) {
    dir = join(claimsDir, namespace, volume.persistentVolumeClaim.claimName);
    mkdirSync(dir, { recursive: true });
  } else mkdirSync(dir, { recursive: true });
  return dir;
}
