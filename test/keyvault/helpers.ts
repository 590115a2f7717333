// Shared pieces of the fake Key Vault tests: SDK clients wired to the loopback servers and
// small credential stand-ins that hand SecretClient a chosen token.
//
//   const client = secretClient(vault, new ClientSecretCredential(..., entraOptions(entra)));
//   const error = await failure(client.getSecret("missing"));   // RestError fields
import assert from "node:assert/strict";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import type { TokenServer } from "../azure/token-server.ts";
import { trustOptions } from "../azure/tls.ts";
import type { KeyVaultHandle } from "./key-vault-server.ts";

/** Credential options every @azure/identity credential needs here: the fake authority, no instance discovery, trust in its certificate. */
export const entraOptions = (entra: TokenServer) => ({ authorityHost: entra.authorityHost, disableInstanceDiscovery: true, ...trustOptions(entra.caCertPath) });

/**
 * A SecretClient for the fake vault: challenge-resource verification off (the vault is
 * 127.0.0.1, not *.vault.azure.net), its certificate trusted, and no retries so an error
 * surfaces after one attempt.
 */
export function secretClient(vault: KeyVaultHandle, credential: TokenCredential, options: SecretClientOptions = {}): SecretClient {
  return new SecretClient(vault.url, credential, {
    disableChallengeResourceVerification: true, retryOptions: { maxRetries: 0 }, ...trustOptions(vault.caCertPath), ...options,
  });
}

/** A credential that always returns `token`, whatever it is asked for. */
export const fixedToken = (token: string): TokenCredential => ({
  getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
});

export interface TokenCall {
  scopes: string[];
  tenantId?: string;
  /** How many requests the vault had seen when the SDK asked for the token. */
  vaultRequestsSeen: number;
}

/** Wraps `inner`, recording each getToken call (scopes, challenge tenant, moment). */
export function recording(inner: TokenCredential, vault: KeyVaultHandle): { credential: TokenCredential; calls: TokenCall[] } {
  const calls: TokenCall[] = [];
  const credential: TokenCredential = {
    getToken(scopes: string | string[], options?: GetTokenOptions) {
      calls.push({ scopes: [scopes].flat(), tenantId: options?.tenantId, vaultRequestsSeen: vault.requests.length });
      return inner.getToken(scopes, options);
    },
  };
  return { credential, calls };
}

export interface SdkError {
  statusCode?: number;
  code?: string;
  message: string;
  details?: { error?: { code?: string; message?: string; innerError?: { code?: string } } };
  response?: { headers: { get(name: string): string | undefined } };
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  assert.fail("expected the SDK call to fail");
}
