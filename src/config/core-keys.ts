import { USER_RULE, userNameProblem } from "../metadata/names.ts";
import { matches, nonEmpty, oneOf, satisfies, url as urlCheck, type Check } from "./checks.ts";

/** One configuration key: its environment variable (also its name in a profile file). */
export interface ConfigKey {
  env: string;
  check: Check;
  describe: string;
  /** Masked by `weft configure show`. */
  secret?: boolean;
}

const url = urlCheck("must be a URL such as http://127.0.0.1:8080");
const workloadAliases: Record<string, string> = { general: "default", high_throughput: "highCpu" };

/**
 * Every key of SPEC §5 but the Kubernetes ones (keys.ts), by its name in the resolved
 * config. Checked without zod, so that a task process can resolve them cheaply
 * (core-config.ts).
 */
export const CORE_KEYS = {
  home: { env: "WEFT_HOME", check: nonEmpty, describe: "local state root" },
  user: {
    env: "WEFT_USER",
    check: satisfies((user) => {
      const problem = userNameProblem(user);
      return problem && `${problem}; a user name is ${USER_RULE}`;
    }),
    describe: "user name recorded on runs",
  },
  datastore: {
    env: "WEFT_DEFAULT_DATASTORE",
    check: oneOf(["local", "azure"], 'must be "local" or "azure"'),
    describe: "where artifacts and logs are stored",
  },
  datastoreSysrootLocal: { env: "WEFT_DATASTORE_SYSROOT_LOCAL", check: nonEmpty, describe: "local datastore root" },
  datastoreSysrootAzure: {
    env: "WEFT_DATASTORE_SYSROOT_AZURE",
    check: nonEmpty,
    describe: "Azure datastore root, e.g. mycontainer/weft",
  },
  azureBlobEndpoint: {
    env: "WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT",
    check: url,
    describe: "Blob service endpoint (Azurite, Azure Stack, sovereign clouds)",
  },
  azureWorkloadType: {
    env: "WEFT_AZURE_STORAGE_WORKLOAD_TYPE",
    check: oneOf(["default", "highCpu", "highMemory"], 'must be "default", "highCpu" or "highMemory"', workloadAliases),
    describe: "Blob transfer concurrency and buffer sizing",
  },
  azureClientProvider: {
    env: "WEFT_DEFAULT_AZURE_CLIENT_PROVIDER",
    check: oneOf(["azure-default"], 'must be "azure-default"'),
    describe: "Azure credential provider",
  },
  azureStorageConnectionString: { env: "AZURE_STORAGE_CONNECTION_STRING", check: nonEmpty, describe: "Blob Storage connection string", secret: true },
  azureStorageAccountName: { env: "AZURE_STORAGE_ACCOUNT_NAME", check: matches(/^[a-z0-9]{3,24}$/, "must be 3-24 lowercase letters or digits"), describe: "storage account name" },
  azureStorageAccountKey: { env: "AZURE_STORAGE_ACCOUNT_KEY", check: nonEmpty, describe: "storage account key", secret: true },
  azureStorageSasToken: { env: "AZURE_STORAGE_SAS_TOKEN", check: nonEmpty, describe: "storage SAS token", secret: true },
  azureAuthorityHost: { env: "AZURE_AUTHORITY_HOST", check: url, describe: "Microsoft Entra authority for token credentials" },
  azureClientId: { env: "AZURE_CLIENT_ID", check: nonEmpty, describe: "service principal or workload identity client id (read by DefaultAzureCredential)" },
  azureTenantId: { env: "AZURE_TENANT_ID", check: nonEmpty, describe: "Microsoft Entra tenant (read by DefaultAzureCredential)" },
  azureClientSecret: { env: "AZURE_CLIENT_SECRET", check: nonEmpty, describe: "service principal secret (read by DefaultAzureCredential)", secret: true },
  azureFederatedTokenFile: { env: "AZURE_FEDERATED_TOKEN_FILE", check: nonEmpty, describe: "workload identity token file (read by DefaultAzureCredential)" },
  keyVaultPrefix: { env: "WEFT_AZURE_KEY_VAULT_PREFIX", check: url, describe: "Key Vault URL for bare secret names" },
  secretsBackend: { env: "WEFT_DEFAULT_SECRETS_BACKEND_TYPE", check: oneOf(["az-key-vault", "env"], 'must be "az-key-vault" or "env"'), describe: "secrets backend for bare ids" },
  keyVaultDomains: { env: "WEFT_AZURE_KEY_VAULT_DOMAINS", check: matches(/^[a-z0-9.-]+(,[a-z0-9.-]+)*$/, "must be DNS suffixes separated by commas, e.g. vault.azurestack.contoso.com"), describe: "extra Key Vault DNS suffixes (Azure Stack Hub, private clouds)" },
  storageCredentialSecret: { env: "WEFT_AZURE_STORAGE_CREDENTIAL_SECRET", check: nonEmpty, describe: "Key Vault secret holding the Azure datastore's connection string or SAS token" },
  metadata: {
    env: "WEFT_DEFAULT_METADATA",
    check: oneOf(["local", "service"], 'must be "local" or "service"'),
    describe: "where run metadata is recorded",
  },
  serviceUrl: { env: "WEFT_SERVICE_URL", check: url, describe: "metadata service URL" },
  serviceInternalUrl: {
    env: "WEFT_SERVICE_INTERNAL_URL",
    check: url,
    describe: "metadata service URL as Kubernetes pods reach it (default WEFT_SERVICE_URL), e.g. http://weft-service.weft.svc:8080",
  },
  serviceAuthToken: { env: "WEFT_SERVICE_AUTH_TOKEN", check: nonEmpty, describe: "bearer token for the service", secret: true },
  serviceAuthTokenFile: {
    env: "WEFT_SERVICE_AUTH_TOKEN_FILE",
    check: nonEmpty,
    describe: "file holding the service's bearer token, read again after a 401 (rotated tokens); wins over WEFT_SERVICE_AUTH_TOKEN",
  },
  serviceDatabaseUrl: {
    env: "WEFT_SERVICE_DATABASE_URL",
    check: matches(/^postgres(ql)?:\/\/\S+$/, "must be a PostgreSQL URL such as postgres://user:password@host:5432/weft"),
    describe: "PostgreSQL of `weft service` (default: embedded, in $WEFT_HOME/service-db)",
    secret: true,
  },
  serviceOidcIssuer: { env: "WEFT_SERVICE_OIDC_ISSUER", check: url, describe: "OIDC issuer whose bearer JWTs `weft service` requires" },
  serviceOidcAudience: { env: "WEFT_SERVICE_OIDC_AUDIENCE", check: nonEmpty, describe: "audience the service's bearer JWTs must carry" },
  serviceOidcRequiredRole: { env: "WEFT_SERVICE_OIDC_REQUIRED_ROLE", check: nonEmpty, describe: "role (roles or scp claim) the service's bearer JWTs must carry" },
} satisfies Record<string, ConfigKey>;

export type CoreKeyName = keyof typeof CORE_KEYS;
