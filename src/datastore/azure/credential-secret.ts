import type { CoreConfig } from "../../config/core-config.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { providerSettings } from "../../secrets/plan.ts";
import { secretsProvider } from "../../secrets/registry.ts";
import { parseKeyVaultId } from "../../secrets/sources.ts";
import { checkConnectionString } from "./connection-string.ts";
import type { AzureSettings } from "./credentials.ts";

/**
 * WEFT_AZURE_STORAGE_CREDENTIAL_SECRET: the datastore's connection string or SAS token
 * read from a Key Vault secret (as ZenML's artifact store takes its
 * authentication_secret), with DefaultAzureCredential reaching the vault.
 */
export async function withCredentialSecret(settings: AzureSettings, config: CoreConfig): Promise<AzureSettings> {
  const v = config.values;
  const id = v.storageCredentialSecret;
  if (!id) return settings;
  if (v.azureStorageConnectionString || v.azureStorageAccountKey || v.azureStorageSasToken) {
    throw new WeftError("CONFIG", "WEFT_AZURE_STORAGE_CREDENTIAL_SECRET is set, and so is a storage credential (AZURE_STORAGE_CONNECTION_STRING, _ACCOUNT_KEY or _SAS_TOKEN).", {
      hint: "Keep one: the Key Vault secret, or the credential in the environment.",
    });
  }
  const parsed = parseKeyVaultId(id.replace(/^az-key-vault\./, ""), { ...(v.keyVaultPrefix ? { prefix: v.keyVaultPrefix } : {}), extraDomains: v.keyVaultDomains ? v.keyVaultDomains.split(",") : [] });
  const source = { type: "az-key-vault", id, vaultUrl: parsed.vaultUrl, name: parsed.name, ...(parsed.version ? { version: parsed.version } : {}), json: false };
  const [secret] = await (await secretsProvider("az-key-vault")).fetch([source], providerSettings(config));
  const value = secret!.value.trim();
  if (/(^|;)\s*(AccountKey|SharedAccessSignature|BlobEndpoint)=/i.test(value)) {
    checkConnectionString(value, `Key Vault secret ${id} [WEFT_AZURE_STORAGE_CREDENTIAL_SECRET]`);
    return { ...settings, auth: { method: "connection-string", connectionString: value, fromSecret: id } };
  }
  if (/(^|[?&])sig=/.test(value)) {
    const accountName = settings.auth.method === "azure-default" ? (v.azureStorageAccountName ?? accountOf(settings.endpoint)) : undefined;
    if (!accountName) throw new WeftError("CONFIG", `Secret ${id} holds a SAS token, but the storage account is not known.`, { hint: "Set AZURE_STORAGE_ACCOUNT_NAME, or use an abfss://container@account.dfs.core.windows.net root." });
    return { ...settings, auth: { method: "sas", accountName, sasToken: value.replace(/^\?/, ""), fromSecret: id } };
  }
  throw new WeftError("CONFIG", `Secret ${id} [WEFT_AZURE_STORAGE_CREDENTIAL_SECRET] holds neither a storage connection string nor a SAS token.`, {
    hint: 'Store "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…" or a SAS token ("sv=…&sig=…") in the secret.',
  });
}

function accountOf(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  const url = new URL(endpoint);
  return /^([a-z0-9]{3,24})\.blob\./.exec(url.hostname)?.[1] ?? url.pathname.split("/")[1] ?? undefined;
}
