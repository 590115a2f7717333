// The only module that imports the Key Vault SDK. Imported when a step uses az-key-vault.
import { SecretClient } from "@azure/keyvault-secrets";
import { isPublicAuthority } from "../../datastore/azure/credentials.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { KEY_VAULT_CLOUD_DOMAINS } from "../sources.ts";
import type { FetchedSecret, ProviderSettings, ResolvedSecretSource, SecretsProvider } from "../types.ts";

const clients = new Map<string, SecretClient>();

/** One client per vault, reused for every secret of the attempt. */
async function clientFor(vaultUrl: string, settings: ProviderSettings): Promise<SecretClient> {
  let client = clients.get(vaultUrl);
  if (!client) {
    const { DefaultAzureCredential } = await import("@azure/identity");
    const credential = new DefaultAzureCredential({ ...(settings.authorityHost ? { authorityHost: settings.authorityHost } : {}), disableInstanceDiscovery: !isPublicAuthority(settings.authorityHost) });
    // Outside the public clouds (Azure Stack, private clouds, a local emulator) the
    // challenge's resource cannot match a public vault domain.
    const host = new URL(vaultUrl).hostname;
    const publicVault = KEY_VAULT_CLOUD_DOMAINS.some((domain) => host.endsWith(`.${domain}`));
    client = new SecretClient(vaultUrl, credential, { disableChallengeResourceVerification: !publicVault, retryOptions: { maxRetries: 3 } });
    clients.set(vaultUrl, client);
  }
  return client;
}

export const keyVaultProvider: SecretsProvider = {
  type: "az-key-vault",
  async fetch(sources, settings) {
    return Promise.all(
      sources.map(async (source): Promise<FetchedSecret> => {
        const client = await clientFor(source.vaultUrl!, settings);
        try {
          const secret = await client.getSecret(source.name, source.version ? { version: source.version } : {});
          if (secret.value === undefined) throw Object.assign(new Error("no value"), { statusCode: 404, code: "SecretNotFound" });
          return { source, value: secret.value };
        } catch (error) {
          throw translate(error, source);
        }
      }),
    );
  },
};

/** Key Vault failures as messages naming vault, secret and version, with the likely cause. */
function translate(error: unknown, source: ResolvedSecretSource): WeftError {
  const e = (error ?? {}) as { name?: string; statusCode?: number; code?: string; cause?: { code?: string } };
  const what = `secret "${source.name}"${source.version ? ` version ${source.version}` : " (latest version)"} in vault ${source.vaultUrl}`;
  const fail = (cause: string, hint: string, transient = false) => new WeftError("TASK_FAILED", `Cannot read ${what}: ${cause}.`, { hint, cause: error, transient });
  if (e.name === "CredentialUnavailableError" || e.name === "AuthenticationError" || e.name === "AggregateAuthenticationError" || e.statusCode === 401) {
    return fail("no usable Azure credential (401)", "Sign in with `az login`, set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or use workload identity on AKS.");
  }
  if (e.statusCode === 403) {
    return fail(`access denied (403 ${e.code ?? "Forbidden"})`, `Give the identity the role "Key Vault Secrets User" on the vault (RBAC), or a "get" secret permission in its access policy; also check the vault's firewall allows this network.`);
  }
  if (e.statusCode === 404) {
    return fail("not found (404)", `Check the secret name${source.version ? " and version" : ""}; a deleted secret may be soft-deleted: recover it with \`az keyvault secret recover\`.`);
  }
  const network = e.code ?? e.cause?.code;
  if (network && /^(E[A-Z]+|REQUEST_SEND_ERROR)$/.test(network)) {
    return fail(`the vault is unreachable (${network})`, "Check the vault URL, DNS, the vault's firewall or private endpoint, and any proxy.", true);
  }
  return fail(`Key Vault answered ${e.statusCode ?? "an error"}${e.code ? ` (${e.code})` : ""}`, "Retry; if it persists, check the vault in the Azure portal.", e.statusCode === undefined || e.statusCode >= 500 || e.statusCode === 429);
}
