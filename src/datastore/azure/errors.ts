import { WeftError } from "../../errors/weft-error.ts";
import { describeAuth, type AzureSettings } from "./credentials.ts";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH", "REQUEST_SEND_ERROR", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]);

interface SdkError {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  details?: { errorCode?: string };
  cause?: unknown;
}

/**
 * The one place where Azure SDK failures become Weft errors: each names what failed and
 * says what to do. Raw SDK messages are not repeated, because they can hold request URLs
 * with a SAS signature.
 */
export function translateAzureError(error: unknown, settings: AzureSettings, operation: string): WeftError {
  if (error instanceof WeftError) return error;
  const e = (error ?? {}) as SdkError;
  const status = e.statusCode;
  const code = e.details?.errorCode ?? e.code ?? "";
  const where = `${operation} in container "${settings.container}" at ${settings.endpoint ?? "the account's endpoint"}`;
  const using = `Weft authenticated with ${describeAuth(settings.auth)}.`;
  const fail = (message: string, hint: string, transient = false) => new WeftError("DATASTORE", message, { hint, cause: error, transient });

  if (e.name === "CredentialUnavailableError") {
    return fail(`No Azure credential is available for ${where}.`, "Sign in with `az login`, set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET for a service principal, use workload identity on AKS (AZURE_FEDERATED_TOKEN_FILE), or give an account key, SAS token or connection string.");
  }
  if (e.name === "AuthenticationError" || e.name === "AggregateAuthenticationError") {
    return fail(`Microsoft Entra ID refused the credential for ${where}.`, "Check AZURE_TENANT_ID, AZURE_CLIENT_ID and the client secret or federated token; run `az login` again if the CLI session expired.");
  }
  if (status === 404 && code === "ContainerNotFound") {
    return fail(`Container "${settings.container}" does not exist at ${settings.endpoint ?? "the storage account"}.`, `Create it: az storage container create --name ${settings.container} --account-name <account> --auth-mode login (or pick an existing container in WEFT_DATASTORE_SYSROOT_AZURE).`);
  }
  if (status === 403 && code === "AuthorizationPermissionMismatch") {
    return fail(`Access denied (403) to ${where}: the identity can sign in but has no data role on the container. ${using}`, `Assign the role "Storage Blob Data Contributor" on the container or account to that identity; "Contributor" or "Owner" alone manage the account but cannot read or write blobs. New role assignments can take a few minutes to apply.`);
  }
  const keyOrSas = settings.auth.method === "account-key" || settings.auth.method === "sas" || settings.auth.method === "connection-string";
  // Azure answers a bad key with AuthenticationFailed; Azurite, and the firewall, with AuthorizationFailure.
  if (status === 403 && (code === "AuthenticationFailed" || (code === "AuthorizationFailure" && keyOrSas))) {
    const sas = settings.auth.method === "sas";
    const expired = sas && sasExpired(settings.auth.method === "sas" ? settings.auth.sasToken : "");
    return fail(
      `The storage account refused the ${sas ? "SAS token" : "account key"} (403 ${code}) for ${where}${expired ? `: the SAS token expired at ${expired}` : ""}.`,
      `${sas ? "Create a new SAS token with read, write, delete, list and create permissions on the container and an expiry in the future, and set AZURE_STORAGE_SAS_TOKEN." : "Check AZURE_STORAGE_ACCOUNT_KEY (or the connection string) against the account's current access keys; keys change when they are rotated."}${code === "AuthorizationFailure" ? " If the credential is right, the account's firewall may be refusing this network." : ""}`,
    );
  }
  if (status === 403 && (code === "AuthorizationFailure" || code === "AuthorizationSourceIPMismatch")) {
    return fail(`The storage account's network rules refused ${where} (403 ${code}).`, "Allow this machine's network in the account's firewall, or run from a network with access to its private endpoint.");
  }
  if (status === 403 || status === 401) {
    return fail(`Access denied (${status} ${code || "no error code"}) to ${where}. ${using}`, `For a token credential, assign "Storage Blob Data Contributor"; for a key or SAS, check it is current and has read, write, delete and list permissions.`);
  }
  const network = [e.code, (e.cause as SdkError | undefined)?.code].find((c) => c && NETWORK_CODES.has(c));
  if (network) {
    return fail(`Cannot reach the blob endpoint ${settings.endpoint ?? "of the storage account"} (${network}) for ${operation}.`, "Check the account name or WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT, DNS, the firewall or private endpoint, and any proxy; a self-signed endpoint needs NODE_EXTRA_CA_CERTS.", true);
  }
  // The error's name and code are safe to show; its message is not (it can hold a SAS).
  const what = status ? `${status}${code ? ` ${code}` : ""}` : code || e.name || "unknown error";
  return fail(`Azure Blob Storage failed during ${where} (${what}).`, "Retry; if it persists, check the storage account's health and Weft's Azure settings with `weft configure show`.", status === undefined || status >= 500 || status === 408 || status === 429);
}

/** The expiry (`se=`) of a SAS token when it is in the past, as an ISO date; else undefined. */
function sasExpired(token: string): string | undefined {
  const expiry = new URLSearchParams(token).get("se");
  if (!expiry) return undefined;
  const at = new Date(expiry);
  return Number.isNaN(at.getTime()) || at.getTime() > Date.now() ? undefined : at.toISOString();
}
