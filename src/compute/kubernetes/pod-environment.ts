import type { WeftConfig } from "../../config/resolve.ts";
import { WeftError } from "../../errors/weft-error.ts";

/** Settings a task reads from its environment that are not secret: safe to write into a pod spec. */
const PLAIN_SETTINGS = [
  ["azureBlobEndpoint", "WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT"],
  ["azureWorkloadType", "WEFT_AZURE_STORAGE_WORKLOAD_TYPE"],
  ["azureStorageAccountName", "AZURE_STORAGE_ACCOUNT_NAME"],
  ["storageCredentialSecret", "WEFT_AZURE_STORAGE_CREDENTIAL_SECRET"],
  ["keyVaultDomains", "WEFT_AZURE_KEY_VAULT_DOMAINS"],
] as const;

/** Settings whose values are credentials: never copied into a pod spec. */
const SECRET_SETTINGS = [
  ["azureStorageConnectionString", "AZURE_STORAGE_CONNECTION_STRING"],
  ["azureStorageAccountKey", "AZURE_STORAGE_ACCOUNT_KEY"],
  ["azureStorageSasToken", "AZURE_STORAGE_SAS_TOKEN"],
  ["azureClientSecret", "AZURE_CLIENT_SECRET"],
  ["serviceAuthToken", "WEFT_SERVICE_AUTH_TOKEN"],
  ["serviceAuthTokenFile", "WEFT_SERVICE_AUTH_TOKEN_FILE"],
] as const;

/** How the pod gets its credentials. */
export interface PodCredentials {
  /** The service account carries `azure.workload.identity/client-id`. */
  workloadIdentity: boolean;
  /** Kubernetes secrets exposed as environment variables (envFrom). */
  secrets: readonly string[];
}

/**
 * The environment a task's pod is given, beyond what its image and its Kubernetes
 * secrets set: the plain settings of this configuration and the metadata service's URL
 * as pods reach it. No credential is ever included: a storage key, SAS, connection
 * string, client secret or service token reaches a pod only through a Kubernetes secret
 * the user names, or is replaced by workload identity.
 */
export function podEnvironment(config: WeftConfig): Record<string, string> {
  const v = config.values;
  const env: Record<string, string> = {};
  for (const [key, variable] of PLAIN_SETTINGS) {
    const value = v[key];
    if (value !== undefined && config.sources[key] !== "default") env[variable] = value;
  }
  if (v.metadata === "service") {
    const url = v.serviceInternalUrl ?? v.serviceUrl;
    if (url) env.WEFT_SERVICE_URL = url;
  }
  return env;
}

/** Refuses a pod that could reach neither its datastore nor its service without a credential copied into its spec. */
export function checkPodCredentials(config: WeftConfig, step: string, credentials: PodCredentials): void {
  if (credentials.secrets.length > 0) return;
  const v = config.values;
  const used = SECRET_SETTINGS.filter(([key]) => v[key] !== undefined).map(([, variable]) => variable);
  const needsStorage = v.datastore === "azure" && !credentials.workloadIdentity;
  const needsToken = v.metadata === "service" && (v.serviceAuthToken !== undefined || v.serviceAuthTokenFile !== undefined);
  if (!needsStorage && !needsToken) return;
  const what = needsToken ? "the metadata service's token" : "credentials for Blob Storage";
  throw new WeftError("CONFIG", `Step ${step} would run on Kubernetes without ${what}: Weft never copies ${used.length ? used.join(", ") : "a key, SAS, connection string or token"} from this machine into a pod spec.`, {
    hint:
      "Put them in a Kubernetes secret and name it: `kubectl create secret generic weft-credentials --from-literal=AZURE_STORAGE_CONNECTION_STRING=…` " +
      "then WEFT_KUBERNETES_SECRETS=weft-credentials (or @kubernetes({ secrets: [\"weft-credentials\"] }))" +
      (needsToken ? " with WEFT_SERVICE_AUTH_TOKEN in it." : "; or use workload identity: a service account annotated azure.workload.identity/client-id (WEFT_KUBERNETES_SERVICE_ACCOUNT), see docs/kubernetes.md."),
  });
}
