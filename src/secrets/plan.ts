import type { WeftConfig } from "../config/resolve.ts";
import type { StepDecorators } from "../flow/decorators/specs.ts";
import type { SecretsPlan } from "./inject.ts";
import { envVarNameFor, normalizeSource, parseKeyVaultId } from "./sources.ts";
import type { ProviderSettings, ResolvedSecretSource } from "./types.ts";

/**
 * Resolves every @secrets source of the flow before the run starts: types, vault URLs,
 * names, versions and variable names, each validated. A bad id fails here, before any
 * step runs, and `weft check` reports it. Tasks get the plan through the run spec and
 * need no configuration of their own.
 */
export function planSecrets(decorators: Record<string, StepDecorators>, config: WeftConfig): Record<string, SecretsPlan> {
  const v = config.values;
  const extraDomains = v.keyVaultDomains ? v.keyVaultDomains.split(",") : [];
  const plans: Record<string, SecretsPlan> = {};
  for (const [step, d] of Object.entries(decorators)) {
    if (!d.secrets) continue;
    const sources = d.secrets.sources.map((raw): ResolvedSecretSource => {
      const spec = normalizeSource(raw, v.secretsBackend);
      const json = spec.options.json === true;
      if (spec.type === "az-key-vault") {
        const id = parseKeyVaultId(spec.id, { ...(v.keyVaultPrefix ? { prefix: v.keyVaultPrefix } : {}), extraDomains });
        return { type: spec.type, id: spec.id, vaultUrl: id.vaultUrl, name: id.name, ...(id.version ? { version: id.version } : {}), json, ...(json ? {} : { envVarName: envVarNameFor(spec, id.name) }) };
      }
      return { type: spec.type, id: spec.id, name: spec.id, json, ...(json ? {} : { envVarName: envVarNameFor(spec, spec.id) }) };
    });
    plans[step] = { sources, allowOverride: d.secrets.allowOverride };
  }
  return plans;
}

/** What secrets providers need from the configuration at run time. */
export function providerSettings(config: WeftConfig): ProviderSettings {
  return config.values.azureAuthorityHost ? { authorityHost: config.values.azureAuthorityHost } : {};
}
