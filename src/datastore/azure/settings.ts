import { join } from "node:path";
import type { CoreConfig } from "../../config/core-config.ts";
import { accountEndpoint, chooseAuth, type AzureSettings } from "./credentials.ts";
import { parseAzureSysroot } from "./sysroot.ts";
import { identityHash } from "./token-cache.ts";

/**
 * The Azure datastore's settings from the resolved config: the root (container and
 * prefix), the endpoint and the authentication method. The endpoint is, in order:
 * WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT, the account in an abfss/wasbs root, the
 * account name. A connection string carries its own. Throws CONFIG before any I/O.
 */
export function azureSettings(config: CoreConfig, root?: string): AzureSettings {
  const v = config.values;
  const variable = root !== undefined && root !== v.datastoreSysrootAzure ? "--datastore-root" : "WEFT_DATASTORE_SYSROOT_AZURE";
  const sysroot = parseAzureSysroot(root ?? v.datastoreSysrootAzure, variable);
  const auth = chooseAuth({
    connectionString: v.azureStorageConnectionString,
    accountName: v.azureStorageAccountName ?? sysroot.account,
    accountKey: v.azureStorageAccountKey,
    sasToken: v.azureStorageSasToken,
    authorityHost: v.azureAuthorityHost,
  });
  // Tokens are shared between task processes only for an identity named by AZURE_CLIENT_ID
  // (service principal, workload identity, user-assigned managed identity): an Azure CLI
  // login or a system-assigned identity could change under the same settings.
  if (auth.method === "azure-default" && v.azureClientId) {
    const identity = identityHash([v.azureTenantId, v.azureClientId, v.azureAuthorityHost, v.azureFederatedTokenFile, v.azureClientSecret && identityHash([v.azureClientSecret])]);
    auth.tokenCache = { dir: join(v.home, "azure-tokens"), identity };
  }
  const account = sysroot.account ?? v.azureStorageAccountName;
  const endpoint = v.azureBlobEndpoint ?? sysroot.blobEndpoint ?? (account ? accountEndpoint(account) : undefined);
  return {
    endpoint: endpoint?.replace(/\/+$/, ""),
    container: sysroot.container,
    prefix: sysroot.prefix,
    auth,
    workload: v.azureWorkloadType as AzureSettings["workload"],
    codeCacheDir: codeCacheDir(config),
  };
}

/** The folder of the storage SDK's V8 code cache (runtime/code-cache.ts), under WEFT_HOME. */
export function codeCacheDir(config: CoreConfig): string {
  return join(config.values.home, "code-cache");
}
