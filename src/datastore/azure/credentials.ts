import { WeftError } from "../../errors/weft-error.ts";
import { checkConnectionString } from "./connection-string.ts";
import type { TokenCacheSettings } from "./token-cache.ts";

/** How Weft authenticates to Blob Storage; explicit credentials win over the default chain. */
export type AzureAuth =
  | { method: "connection-string"; connectionString: string; fromSecret?: string }
  | { method: "account-key"; accountName: string; accountKey: string }
  | { method: "sas"; accountName: string; sasToken: string; fromSecret?: string }
  | { method: "azure-default"; authorityHost: string | undefined; tokenCache?: TokenCacheSettings };

/** The Azure settings of the datastore, resolved from config; all JSON-safe for a worker thread. */
export interface AzureSettings {
  /** Blob service URL, e.g. https://acct.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1. */
  endpoint: string | undefined;
  container: string;
  prefix: string;
  auth: AzureAuth;
  workload: "default" | "highCpu" | "highMemory";
  /** Folder of the storage SDK's V8 code cache (runtime/code-cache.ts); undefined: none. */
  codeCacheDir?: string;
}

/** The standard Azure inputs, as resolved by src/config. */
export interface AzureAuthInputs {
  connectionString?: string | undefined;
  accountName?: string | undefined;
  accountKey?: string | undefined;
  sasToken?: string | undefined;
  authorityHost?: string | undefined;
}

/**
 * Picks the authentication method: a connection string, then an account key, then a
 * SAS token, then DefaultAzureCredential (service principal, workload identity, managed
 * identity, Azure CLI login, from the environment). Throws CONFIG for a connection
 * string the SDK could not read (checkConnectionString).
 */
export function chooseAuth(inputs: AzureAuthInputs): AzureAuth {
  if (inputs.connectionString) {
    checkConnectionString(inputs.connectionString, "AZURE_STORAGE_CONNECTION_STRING");
    return { method: "connection-string", connectionString: inputs.connectionString };
  }
  if (inputs.accountKey || inputs.sasToken) {
    if (!inputs.accountName) {
      throw new WeftError("CONFIG", `${inputs.accountKey ? "AZURE_STORAGE_ACCOUNT_KEY" : "AZURE_STORAGE_SAS_TOKEN"} is set but AZURE_STORAGE_ACCOUNT_NAME is not.`, {
        hint: "Set AZURE_STORAGE_ACCOUNT_NAME to the storage account the key or SAS token belongs to.",
      });
    }
    if (inputs.accountKey) return { method: "account-key", accountName: inputs.accountName, accountKey: inputs.accountKey };
    return { method: "sas", accountName: inputs.accountName, sasToken: inputs.sasToken!.replace(/^\?/, "") };
  }
  return { method: "azure-default", authorityHost: inputs.authorityHost };
}

/** One line for `weft configure show` and error messages; never includes a secret. */
export function describeAuth(auth: AzureAuth): string {
  switch (auth.method) {
    case "connection-string":
      return auth.fromSecret ? `connection string from Key Vault secret ${auth.fromSecret}` : "connection string (AZURE_STORAGE_CONNECTION_STRING)";
    case "account-key":
      return `account key of ${auth.accountName} (AZURE_STORAGE_ACCOUNT_NAME + AZURE_STORAGE_ACCOUNT_KEY)`;
    case "sas":
      return auth.fromSecret ? `SAS token for ${auth.accountName} from Key Vault secret ${auth.fromSecret}` : `SAS token for ${auth.accountName} (AZURE_STORAGE_ACCOUNT_NAME + AZURE_STORAGE_SAS_TOKEN)`;
    case "azure-default":
      return "DefaultAzureCredential (service principal or workload identity from AZURE_* variables, managed identity, or the Azure CLI login)";
  }
}

const PUBLIC_AUTHORITIES = ["login.microsoftonline.com", "login.chinacloudapi.cn", "login.microsoftonline.us", "login.microsoftonline.de"];

/**
 * A sovereign or private authority host turns off MSAL instance discovery, which would
 * otherwise ask the public cloud's endpoint about it.
 */
export function isPublicAuthority(authorityHost: string | undefined): boolean {
  if (!authorityHost) return true;
  try {
    return PUBLIC_AUTHORITIES.includes(new URL(authorityHost).hostname);
  } catch {
    return false;
  }
}

/** The blob endpoint of an account, given the DNS suffix of its cloud. */
export function accountEndpoint(accountName: string, suffix = "core.windows.net"): string {
  return `https://${accountName}.blob.${suffix}`;
}
