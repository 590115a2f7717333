import type { CoreConfig } from "../config/core-config.ts";
import type { WeftConfig } from "../config/resolve.ts";
import type { StepDecorators } from "../flow/decorators/specs.ts";
import type { SecretsPlan } from "./inject.ts";
import { WeftError } from "../errors/weft-error.ts";
import { envVarNameFor, normalizeSource, parseKeyVaultId, type RawSource } from "./sources.ts";
import type { ProviderSettings, ResolvedSecretSource } from "./types.ts";

/**
 * Resolves every @secrets source of the flow before the run starts: types, vault URLs,
 * names, versions and variable names, each validated. A bad id fails here, before any
 * step runs, and `weft check` reports it. Tasks get the plan through the run spec and
 * need no configuration of their own.
 */
export function planSecrets(decorators: Record<string, StepDecorators>, config: WeftConfig): Record<string, SecretsPlan> {
  const { plans, problems } = collectSecretPlans(decorators, config);
  if (problems.length) throw problems[0]!.error;
  return plans;
}

/** A secret source that cannot be resolved: its step, its place in the list, and why. */
export interface SecretProblem {
  step: string;
  index: number;
  error: WeftError;
}

/**
 * planSecrets without stopping at the first bad source: the plans of the steps whose
 * sources all resolve, and every problem of the others (`weft check` lists them all).
 */
export function collectSecretPlans(decorators: Record<string, StepDecorators>, config: WeftConfig): { plans: Record<string, SecretsPlan>; problems: SecretProblem[] } {
  const v = config.values;
  const extraDomains = v.keyVaultDomains ? v.keyVaultDomains.split(",") : [];
  const plans: Record<string, SecretsPlan> = {};
  const problems: SecretProblem[] = [];
  for (const [step, d] of Object.entries(decorators)) {
    if (!d.secrets) continue;
    const sources: ResolvedSecretSource[] = [];
    d.secrets.sources.forEach((raw, index) => {
      try {
        sources.push(resolveSource(raw, v.secretsBackend, v.keyVaultPrefix, extraDomains));
      } catch (error) {
        if (!(error instanceof WeftError)) throw error;
        problems.push({ step, index, error });
      }
    });
    if (sources.length === d.secrets.sources.length) plans[step] = { sources, allowOverride: d.secrets.allowOverride };
  }
  return { plans, problems };
}

function resolveSource(raw: RawSource, defaultType: string | undefined, prefix: string | undefined, extraDomains: string[]): ResolvedSecretSource {
  const spec = normalizeSource(raw, defaultType);
  const json = spec.options.json === true;
  if (spec.type === "az-key-vault") {
    const id = parseKeyVaultId(spec.id, { ...(prefix ? { prefix } : {}), extraDomains });
    return { type: spec.type, id: spec.id, vaultUrl: id.vaultUrl, name: id.name, ...(id.version ? { version: id.version } : {}), json, ...(json ? {} : { envVarName: envVarNameFor(spec, id.name) }) };
  }
  return { type: spec.type, id: spec.id, name: spec.id, json, ...(json ? {} : { envVarName: envVarNameFor(spec, spec.id) }) };
}

/** What secrets providers need from the configuration at run time. */
export function providerSettings(config: CoreConfig): ProviderSettings {
  return config.values.azureAuthorityHost ? { authorityHost: config.values.azureAuthorityHost } : {};
}
