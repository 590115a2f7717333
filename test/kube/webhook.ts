// The Azure Workload Identity mutating webhook, applied at pod admission so that its
// mutation shows in the stored pod spec as the real webhook's does: a pod labelled
// `azure.workload.identity/use: "true"` whose service account carries
// `azure.workload.identity/client-id` gets the AZURE_* variables and a projected service
// account token (audience api://AzureADTokenExchange) at /var/run/secrets/azure/tokens.
import type { IPod } from "kubernetes-models/v1/Pod";
import type { KubeObject } from "./types.ts";

export interface WorkloadIdentityOptions {
  /** AZURE_TENANT_ID when the service account has no `azure.workload.identity/tenant-id`. */
  tenantId?: string;
  /** AZURE_AUTHORITY_HOST, e.g. the fake Entra's authorityHost. */
  authorityHost?: string;
}

export const TOKEN_AUDIENCE = "api://AzureADTokenExchange";
export const TOKEN_MOUNT_PATH = "/var/run/secrets/azure/tokens";
export const TOKEN_FILE_NAME = "azure-identity-token";
const VOLUME_NAME = "azure-identity-token";

/** Mutates `pod` in place when it opts in and its service account names a client id. */
export function injectWorkloadIdentity(pod: IPod, account: KubeObject, options: WorkloadIdentityOptions = {}): void {
  if (pod.metadata?.labels?.["azure.workload.identity/use"] !== "true") return;
  const annotations = account.metadata.annotations ?? {};
  const clientId = annotations["azure.workload.identity/client-id"];
  if (!clientId) return;
  const tenantId = annotations["azure.workload.identity/tenant-id"] ?? options.tenantId;
  const injected = [
    { name: "AZURE_CLIENT_ID", value: clientId },
    ...(tenantId ? [{ name: "AZURE_TENANT_ID", value: tenantId }] : []),
    { name: "AZURE_FEDERATED_TOKEN_FILE", value: `${TOKEN_MOUNT_PATH}/${TOKEN_FILE_NAME}` },
    ...(options.authorityHost ? [{ name: "AZURE_AUTHORITY_HOST", value: options.authorityHost }] : []),
  ];
  const spec = pod.spec!;
  for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
    const env = (container.env ??= []);
    for (const variable of injected) if (!env.some((e) => e.name === variable.name)) env.push(variable);
    const mounts = (container.volumeMounts ??= []);
    if (!mounts.some((m) => m.name === VOLUME_NAME)) mounts.push({ name: VOLUME_NAME, mountPath: TOKEN_MOUNT_PATH, readOnly: true });
  }
  const volumes = (spec.volumes ??= []);
  if (!volumes.some((v) => v.name === VOLUME_NAME)) {
    volumes.push({ name: VOLUME_NAME, projected: { defaultMode: 420, sources: [{ serviceAccountToken: { audience: TOKEN_AUDIENCE, expirationSeconds: 3600, path: TOKEN_FILE_NAME } }] } });
  }
}
