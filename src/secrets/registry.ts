import { WeftError } from "../errors/weft-error.ts";
import type { SecretsProvider } from "./types.ts";

/** Providers by the key users type (`"az-key-vault.<id>"`, `{ type: "env" }`); each imported only when used. */
const PROVIDERS: Record<string, () => Promise<SecretsProvider>> = {
  env: async () => (await import("./env/env-provider.ts")).envProvider,
  "az-key-vault": async () => (await import("./azure-key-vault/key-vault-provider.ts")).keyVaultProvider,
};

export const SECRET_TYPES = Object.keys(PROVIDERS);

export async function secretsProvider(type: string): Promise<SecretsProvider> {
  const open = PROVIDERS[type];
  if (!open) throw new WeftError("FLOW_INVALID", `Unknown secrets backend "${type}".`, { hint: `Known backends: ${SECRET_TYPES.join(", ")}.` });
  return open();
}
