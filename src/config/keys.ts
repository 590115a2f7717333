import { z } from "zod";
import { registryProblem } from "../compute/kubernetes/image-reference.ts";
import { USER_RULE, userNameProblem } from "../metadata/names.ts";
import { kubernetesVariableProblem, type KubernetesVariable } from "./kubernetes-defaults.ts";

/** One configuration key: its environment variable (also its name in a profile file). */
export interface ConfigKey {
  env: string;
  schema: z.ZodType<string>;
  describe: string;
  /** Masked by `weft configure show`. */
  secret?: boolean;
}

const nonEmpty = z.string().min(1, "must not be empty");
const url = z.url({ message: "must be a URL such as http://127.0.0.1:8080" });
/** A WEFT_KUBERNETES_* key whose text is checked by the form kubernetes-defaults.ts reads it in. */
function kubernetesKey(env: string, variable: KubernetesVariable, describe: string): ConfigKey {
  return {
    env,
    schema: z.string().superRefine((text, ctx) => {
      const problem = kubernetesVariableProblem(variable, text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    describe,
  };
}
const workloadAliases: Record<string, string> = { general: "default", high_throughput: "highCpu" };

/**
 * Every key of SPEC §5, by its name in the resolved config. Adding a key here is all
 * it takes for it to be resolved, validated and shown by `weft configure show`.
 */
export const CONFIG_KEYS = {
  home: { env: "WEFT_HOME", schema: nonEmpty, describe: "local state root" },
  user: {
    env: "WEFT_USER",
    schema: z.string().superRefine((user, ctx) => {
      const problem = userNameProblem(user);
      if (problem) ctx.addIssue({ code: "custom", message: `${problem}; a user name is ${USER_RULE}` });
    }),
    describe: "user name recorded on runs",
  },
  datastore: {
    env: "WEFT_DEFAULT_DATASTORE",
    schema: z.enum(["local", "azure"], { message: 'must be "local" or "azure"' }),
    describe: "where artifacts and logs are stored",
  },
  datastoreSysrootLocal: { env: "WEFT_DATASTORE_SYSROOT_LOCAL", schema: nonEmpty, describe: "local datastore root" },
  datastoreSysrootAzure: {
    env: "WEFT_DATASTORE_SYSROOT_AZURE",
    schema: nonEmpty,
    describe: "Azure datastore root, e.g. mycontainer/weft",
  },
  azureBlobEndpoint: {
    env: "WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT",
    schema: url,
    describe: "Blob service endpoint (Azurite, Azure Stack, sovereign clouds)",
  },
  azureWorkloadType: {
    env: "WEFT_AZURE_STORAGE_WORKLOAD_TYPE",
    schema: z
      .string()
      .transform((v) => workloadAliases[v] ?? v)
      .pipe(z.enum(["default", "highCpu", "highMemory"], { message: 'must be "default", "highCpu" or "highMemory"' })),
    describe: "Blob transfer concurrency and buffer sizing",
  },
  azureClientProvider: {
    env: "WEFT_DEFAULT_AZURE_CLIENT_PROVIDER",
    schema: z.enum(["azure-default"], { message: 'must be "azure-default"' }),
    describe: "Azure credential provider",
  },
  azureStorageConnectionString: { env: "AZURE_STORAGE_CONNECTION_STRING", schema: nonEmpty, describe: "Blob Storage connection string", secret: true },
  azureStorageAccountName: { env: "AZURE_STORAGE_ACCOUNT_NAME", schema: z.string().regex(/^[a-z0-9]{3,24}$/, "must be 3-24 lowercase letters or digits"), describe: "storage account name" },
  azureStorageAccountKey: { env: "AZURE_STORAGE_ACCOUNT_KEY", schema: nonEmpty, describe: "storage account key", secret: true },
  azureStorageSasToken: { env: "AZURE_STORAGE_SAS_TOKEN", schema: nonEmpty, describe: "storage SAS token", secret: true },
  azureAuthorityHost: { env: "AZURE_AUTHORITY_HOST", schema: url, describe: "Microsoft Entra authority for token credentials" },
  azureClientId: { env: "AZURE_CLIENT_ID", schema: nonEmpty, describe: "service principal or workload identity client id (read by DefaultAzureCredential)" },
  azureTenantId: { env: "AZURE_TENANT_ID", schema: nonEmpty, describe: "Microsoft Entra tenant (read by DefaultAzureCredential)" },
  azureClientSecret: { env: "AZURE_CLIENT_SECRET", schema: nonEmpty, describe: "service principal secret (read by DefaultAzureCredential)", secret: true },
  azureFederatedTokenFile: { env: "AZURE_FEDERATED_TOKEN_FILE", schema: nonEmpty, describe: "workload identity token file (read by DefaultAzureCredential)" },
  keyVaultPrefix: { env: "WEFT_AZURE_KEY_VAULT_PREFIX", schema: url, describe: "Key Vault URL for bare secret names" },
  secretsBackend: { env: "WEFT_DEFAULT_SECRETS_BACKEND_TYPE", schema: z.enum(["az-key-vault", "env"], { message: 'must be "az-key-vault" or "env"' }), describe: "secrets backend for bare ids" },
  keyVaultDomains: { env: "WEFT_AZURE_KEY_VAULT_DOMAINS", schema: z.string().regex(/^[a-z0-9.-]+(,[a-z0-9.-]+)*$/, "must be DNS suffixes separated by commas, e.g. vault.azurestack.contoso.com"), describe: "extra Key Vault DNS suffixes (Azure Stack Hub, private clouds)" },
  storageCredentialSecret: { env: "WEFT_AZURE_STORAGE_CREDENTIAL_SECRET", schema: nonEmpty, describe: "Key Vault secret holding the Azure datastore's connection string or SAS token" },
  metadata: {
    env: "WEFT_DEFAULT_METADATA",
    schema: z.enum(["local", "service"], { message: 'must be "local" or "service"' }),
    describe: "where run metadata is recorded",
  },
  serviceUrl: { env: "WEFT_SERVICE_URL", schema: url, describe: "metadata service URL" },
  serviceInternalUrl: {
    env: "WEFT_SERVICE_INTERNAL_URL",
    schema: url,
    describe: "metadata service URL as Kubernetes pods reach it (default WEFT_SERVICE_URL), e.g. http://weft-service.weft.svc:8080",
  },
  serviceAuthToken: { env: "WEFT_SERVICE_AUTH_TOKEN", schema: nonEmpty, describe: "bearer token for the service", secret: true },
  serviceAuthTokenFile: {
    env: "WEFT_SERVICE_AUTH_TOKEN_FILE",
    schema: nonEmpty,
    describe: "file holding the service's bearer token, read again after a 401 (rotated tokens); wins over WEFT_SERVICE_AUTH_TOKEN",
  },
  serviceDatabaseUrl: {
    env: "WEFT_SERVICE_DATABASE_URL",
    schema: z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a PostgreSQL URL such as postgres://user:password@host:5432/weft"),
    describe: "PostgreSQL of `weft service` (default: embedded, in $WEFT_HOME/service-db)",
    secret: true,
  },
  serviceOidcIssuer: { env: "WEFT_SERVICE_OIDC_ISSUER", schema: url, describe: "OIDC issuer whose bearer JWTs `weft service` requires" },
  serviceOidcAudience: { env: "WEFT_SERVICE_OIDC_AUDIENCE", schema: nonEmpty, describe: "audience the service's bearer JWTs must carry" },
  serviceOidcRequiredRole: { env: "WEFT_SERVICE_OIDC_REQUIRED_ROLE", schema: nonEmpty, describe: "role (roles or scp claim) the service's bearer JWTs must carry" },
  kubernetesNamespace: kubernetesKey("WEFT_KUBERNETES_NAMESPACE", "kubernetesNamespace", "namespace of task Jobs (default: default)"),
  kubernetesServiceAccount: kubernetesKey("WEFT_KUBERNETES_SERVICE_ACCOUNT", "kubernetesServiceAccount", "service account of task pods (workload identity)"),
  kubernetesContainerImage: kubernetesKey("WEFT_KUBERNETES_CONTAINER_IMAGE", "kubernetesContainerImage", "default task image (default: weft-runtime:<version>)"),
  kubernetesContainerRegistry: {
    env: "WEFT_KUBERNETES_CONTAINER_REGISTRY",
    schema: z.string().superRefine((text, ctx) => {
      const problem = registryProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
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
  kubeconfig: { env: "KUBECONFIG", schema: nonEmpty, describe: "kubeconfig files (':'-separated); default ~/.kube/config, or in-cluster" },
  kubernetesContext: { env: "WEFT_KUBERNETES_CONTEXT", schema: nonEmpty, describe: "kubeconfig context to use (default: its current-context)" },
  argoEventsWebhookUrl: {
    env: "WEFT_ARGO_EVENTS_WEBHOOK_URL",
    schema: url,
    describe: "Argo Events webhook that deployed runs publish their success to, for @triggerOnFinish (as pods reach it)",
  },
  argoEventsSource: { env: "WEFT_ARGO_EVENTS_SOURCE", schema: nonEmpty, describe: "Argo Events EventSource (webhook) that @trigger and @triggerOnFinish sensors listen to (default weft-events)" },
  argoEventsServiceAccount: { env: "WEFT_ARGO_EVENTS_SERVICE_ACCOUNT", schema: nonEmpty, describe: "service account a Sensor submits workflows as (default operate-workflow-sa)" },
  kubernetesSchedulingTimeout: {
    env: "WEFT_KUBERNETES_SCHEDULING_TIMEOUT",
    schema: z.string().regex(/^\d{1,7}$/, "must be a whole number of seconds, e.g. 600"),
    describe: "seconds a pod may stay unschedulable (room for the cluster autoscaler) before its attempt fails; 0 fails at once",
  },
} satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;
